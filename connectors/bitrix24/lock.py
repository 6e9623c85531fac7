"""One sync per database: a non-blocking `fcntl.flock` on `<db>.lock` beside the database file (the caller
passes the real file, so two names of one file share one lock). Always 0600, an older file's too.

The kernel drops the lock when the process dies (kill -9 included), so there is never a stale lock to clean.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockHeld(Exception):
    """Another sync holds the lock on this database."""

    exit_code = 75

    @property
    def user_message(self) -> str:
        return str(self)


class SyncLock:
    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # an older Dozhim's lock file was created 0644
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(f"another sync is running on {self.path.with_suffix('')}; "
                           "this one exits (try again when it has finished)") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
