"""The sandbox's portal-state file (`--state PATH`): which local applications are installed on the portal,
kept across restarts as a real portal keeps them. JSON: `{"installed": ["<client_id>", ...]}`.

A missing file is a portal with nothing installed; a file that cannot be read or is not of that shape is a
ValueError with a one-line reason (the CLI prints it and exits 2). Tokens and codes are not kept here: a
restarted sandbox forgets them, as a portal that revoked them would.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


class PortalState:
    """The installed applications' client ids, read at start and written when one gets installed.

    Not thread-safe by itself: OAuthState calls `record_install` under its lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.installed = read_installed(path)

    def record_install(self, client_id: str) -> None:
        installed = self.installed | {client_id}
        write_atomically(self.path, {"installed": sorted(installed)})
        self.installed = installed


def read_installed(path: Path) -> frozenset[str]:
    """The client ids the file lists; empty when there is no file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return frozenset()
    except OSError as err:  # a directory, no permission
        raise ValueError(f"cannot read the portal state {path}: {err.strerror or err}") from err
    except ValueError as err:  # not UTF-8, not JSON
        raise ValueError(f"the portal state {path} is not JSON") from err
    installed = data.get("installed") if isinstance(data, dict) else None
    if not isinstance(installed, list) or not all(isinstance(c, str) for c in installed):
        raise ValueError(f'the portal state {path} is not {{"installed": ["<client_id>", ...]}}')
    return frozenset(installed)


def write_atomically(path: Path, data: dict[str, object]) -> None:
    """A temporary file beside `path`, then os.replace: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
