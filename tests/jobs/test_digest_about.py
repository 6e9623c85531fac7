"""About shows the digest log (newest first) with what was sent to whom and the failure line."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

from jobs.digest import log
from jobs.digest.log import Entry
from tests.dashboard.conftest import app, fixture_db  # noqa: F401 - the dashboard's AppTest fixtures
from tests.dashboard.helpers import no_errors


def test_about_lists_the_digests_newest_first_with_the_failure_line(app, fixture_db, tmp_path,  # noqa: F811
                                                                   monkeypatch):
    db = tmp_path / "crm.duckdb"  # a copy: the state file beside it is this test's own
    shutil.copy(fixture_db, db)
    monkeypatch.setenv("DOZHIM_DB", str(db))
    at = app("about")
    assert "Дайджесты ещё не отправлялись." in [c.value for c in at.caption]
    day = date(2026, 11, 20)
    log.write(db, [Entry(day, 1, "Anna Ivanova", "im", "manager", "sent", 5, 900)],
              now=datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    log.write(db, [Entry(day, 2, "Boris Petrov", "email", "head", "failed", 0, 0, "SMTP refused: 550")],
              now=datetime(2026, 11, 20, 6, 1, tzinfo=UTC))
    at = app("about")
    no_errors(at)
    shown = next(d.value for d in at.dataframe if "Получатель" in d.value.columns)
    assert shown["Получатель"].tolist() == ["Boris Petrov", "Anna Ivanova"]
    assert shown["Канал"].tolist() == ["e-mail", "Битрикс24"]
    assert shown["Итог"].tolist() == ["сбой", "отправлен"]
    assert shown["Ошибка"].tolist()[0] == "SMTP refused: 550"
