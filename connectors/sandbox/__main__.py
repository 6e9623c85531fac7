"""`python -m connectors.sandbox --port 8899 --size demo --seed 7`: build (or reuse) a portal and serve it.

Prints the webhook URL (the sandbox's token is not a secret: printing it is the point) and serves until
Ctrl-C. Mistakes in the arguments get a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
from datetime import datetime
from pathlib import Path

from connectors.sandbox.faults import Faults
from connectors.sandbox.limits import Limits
from connectors.sandbox.oauth import DEFAULT_APP_URL, check_app_url, demo_app
from connectors.sandbox.portal_state import PortalState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m connectors.sandbox",
                                description="Serve a sandbox Bitrix24 portal over HTTP.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8899)
    p.add_argument("--size", default="demo", choices=("tiny", "small", "demo", "large"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--now", help="the portal's 'now' (ISO 8601 with offset): the data is generated for it "
                                 "and the portal's clock starts at it; default: the current time")
    p.add_argument("--store", type=Path, help="serve this store file instead of the cached one")
    p.add_argument("--cache-dir", type=Path, default=Path("data/sandbox"))
    p.add_argument("--faults", default="",
                   help="e.g. 'error=0.05,drop=0.01,slow=0.02,slow_seconds=1,"
                        "changes_every=20,changes=5,seed=3'")
    p.add_argument("--no-limits", action="store_true", help="never answer 503/429 and do not sleep the cost")
    p.add_argument("--burst", type=float, default=50, help="leaky bucket size (requests)")
    p.add_argument("--drain", type=float, default=2.0, help="leaky bucket drain (requests per second)")
    p.add_argument("--operating-limit", type=float, default=480.0, help="seconds per method per 10 minutes")
    p.add_argument("--clock-factor", type=float, default=1.0, help="virtual seconds per real second")
    p.add_argument("--no-sleep", action="store_true", help="account the simulated cost without sleeping it")
    p.add_argument("--http-error", action="store_true", help="answer every call 400 INVALID_REQUEST")
    p.add_argument("--no-rest", action="store_true", help="answer every call 403 ACCESS_DENIED (plan)")
    p.add_argument("--app-url", default=DEFAULT_APP_URL,
                   help="the demo app's handler URL (install URL: same origin, /b24/install)")
    p.add_argument("--app-installed", action="store_true",
                   help="start with the demo app installed (the first open skips the install call)")
    p.add_argument("--state", type=Path,
                   help="portal-state file: remembers the demo app's installation across restarts "
                        "(JSON; created on the install call)")
    return p.parse_args(argv)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        faults = Faults.parse(args.faults)
        now = datetime.fromisoformat(args.now) if args.now else None
        app = demo_app(check_app_url(args.app_url))
        portal_state = PortalState(args.state) if args.state else None  # read before a long store build
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.clock_factor <= 0:
        print("error: --clock-factor must be positive", file=sys.stderr)
        return 2
    limits = Limits(enabled=not args.no_limits, burst=args.burst, drain=args.drain,
                    operating_limit=args.operating_limit, clock_factor=args.clock_factor,
                    sleep_cost=not (args.no_sleep or args.no_limits))

    from connectors.sandbox.portal import Portal
    from connectors.sandbox.server import SandboxServer

    if args.store:
        if not args.store.exists():
            print(f"error: no store at {args.store}", file=sys.stderr)
            return 2
        store_path = args.store
    else:
        from connectors.sandbox.store import cached_store

        print(f"building or reusing the {args.size} portal (seed {args.seed})...", file=sys.stderr,
              flush=True)
        store_path = cached_store(args.size, args.seed, now, cache_dir=args.cache_dir)
    if faults.changes_every > 0:  # changes go to a private copy: the cached store stays as generated
        from connectors.sandbox.store import live_copy

        live = live_copy(store_path)
        shutil.copy2(store_path, live)
        store_path = live
    portal = Portal(store_path, limits, faults, check_http=args.http_error, rest_available=not args.no_rest,
                    start_at=now)
    try:
        server = SandboxServer((args.host, args.port), portal, app, app_installed=args.app_installed,
                               portal_state=portal_state)
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 2
    # A scheduler or `make demo` stops us with SIGTERM: leave as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, _stop)
    print(server.webhook_url(), flush=True)
    print(f"portal page {server.base_url()}/portal/; app {app.client_id} at {app.handler_url}",
          file=sys.stderr, flush=True)
    print(f"store {store_path}; Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
