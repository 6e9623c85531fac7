"""Is the signed-in Bitrix24 user someone the snapshot lets in? Asked once at sign-in, before any ticket or
cookie is handed out, through the scope part's `queries.viewer_for` (CONTRACT-9 §2): a user who is not in
the snapshot, or is dismissed, is refused there with its one line."""

from __future__ import annotations

from dashboard.auth.errors import SignInRefused
from dashboard.settings import load_settings
from queries import QueryError, ViewerError, viewer_for
from queries.rules import RulesError, load_rules


def check_user(user_id: int) -> None:
    settings = load_settings()
    try:
        viewer_for(settings.db_path, user_id, load_rules(settings.rules_path))
    except ViewerError as exc:
        code = "dismissed" if "dismissed" in str(exc) else "not_in_snapshot"
        raise SignInRefused(code, detail=str(exc).splitlines()[0]) from None
    except (QueryError, RulesError) as exc:  # no snapshot yet, a broken rules file: the same one line
        raise SignInRefused("no_snapshot", detail=str(exc).splitlines()[0]) from None
