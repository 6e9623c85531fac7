"""Run a sandbox portal in-process for tests and benchmarks.

    with running_sandbox("tiny", seed=7) as sandbox:
        httpx.post(sandbox.webhook_url + "crm.deal.list", json={...})
        sandbox.stats["crm.deal.list"]          # calls served per method (batch commands included)
        sandbox.set_faults(Faults(seed=1, error_rate=0.2))
        sandbox.set_limits(Limits(burst=5, drain=1))

The server listens on 127.0.0.1 on a free port in a background thread and stops when the block ends.
The store is built once per (size, seed, now) and cached (connectors.sandbox.store.cached_store), unless
`store_path` names a store file to serve. With `now` the portal's clock starts at that moment too, so the
portal is the same whatever day the tests run (a portal generated for the day has, on the 1st of a month,
no deal won in that month yet).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.sandbox.faults import Faults
from connectors.sandbox.limits import Limits, Timer
from connectors.sandbox.methods.im import NOTIFY_TOKEN, received
from connectors.sandbox.oauth import demo_app
from connectors.sandbox.portal import Portal
from connectors.sandbox.server import SandboxServer, serve_in_thread

NO_LIMITS = Limits(enabled=False, sleep_cost=False)


@dataclass
class RunningSandbox:
    server: SandboxServer
    portal: Portal

    @property
    def webhook_url(self) -> str:
        """`http://127.0.0.1:<port>/rest/<user>/<token>/` (ends with a slash)."""
        return self.server.webhook_url()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return self.server.base_url()

    @property
    def notify_webhook_url(self) -> str:
        """The second inbound webhook, scope `im` only (connectors.sandbox.methods.im)."""
        return f"{self.base_url}/rest/{self.portal.user_id}/{NOTIFY_TOKEN}/"

    def notifications(self) -> list[dict]:
        """What im.notify.system.add received, oldest first: id, user_id, message, message_out, tag,
        sub_tag, attach, at."""
        return received(self.portal.cache)

    @property
    def store_path(self) -> Path:
        return self.portal.store_path

    @property
    def changes(self) -> list:
        """mutations.Change records the "changes during export" fault has applied so far."""
        return list(self.portal.changes)

    @property
    def stats(self) -> dict[str, int]:
        """Calls served per method (lower-case name; batch commands count under their own method)."""
        with self.portal.stats_lock:
            return dict(self.portal.stats)

    def set_faults(self, faults: Faults | None = None, **changes) -> None:
        """Replace the fault settings (counters restart, so runs are reproducible per seed)."""
        base = faults or self.portal.faults.faults
        self.portal.set_faults(base.with_(**changes) if changes else base)

    def set_limits(self, limits: Limits | None = None, **changes) -> None:
        """Replace the limits (the bucket and the operating baskets restart empty)."""
        base = limits or self.portal.limits.limits
        self.portal.set_limits(base.with_(**changes) if changes else base)


def _private_copy(source: Path, target: Path) -> Path:
    """SQLite's backup API: a consistent copy even while the source has un-checkpointed WAL pages."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@contextmanager
def running_sandbox(size: str = "tiny", seed: int = 7, *, now: datetime | None = None,
                    limits: Limits | None = None, faults: Faults | None = None,
                    store_path: Path | str | None = None, port: int = 0,
                    cache_dir: Path | str | None = None, copy_store: bool = True,
                    timer: Timer | None = None, app_url: str | None = None,
                    app_installed: bool = False) -> Iterator[RunningSandbox]:
    """A sandbox portal on 127.0.0.1:<free port>; limits default to NO_LIMITS (tests want speed).

    With `copy_store` (the default) the server works on a private copy of the store, so the "changes
    during export" fault never alters the cached store other runs share; pass False for big read-only runs.
    `now`: the moment the store is generated for (when built here) and the portal's clock starts at.
    `timer` replaces real time (the portal's clock, the simulated cost's and slow replies' sleeps).
    `app_url` is the demo app's handler URL (oauth.demo_app); `app_installed` skips its install call.
    """
    if store_path is None:
        from connectors.sandbox.store import cached_store

        kwargs = {"cache_dir": Path(cache_dir)} if cache_dir else {}
        store_path = cached_store(size, seed, now, **kwargs)
    with tempfile.TemporaryDirectory(prefix="sandbox-") as tmp:
        if copy_store:
            store_path = _private_copy(Path(store_path), Path(tmp) / Path(store_path).name)
        portal = Portal(store_path, limits or NO_LIMITS, faults or Faults(), timer=timer, start_at=now)
        app = demo_app(app_url) if app_url else None
        server = SandboxServer(("127.0.0.1", port), portal, app, app_installed=app_installed)
        thread = serve_in_thread(server)
        try:
            yield RunningSandbox(server, portal)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
