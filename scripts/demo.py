"""`make demo`: the sandbox portal, the scheduled job (`python -m jobs sync`: the sync plus the day's
scorecard) into DuckDB, then the dashboard on http://localhost:8501 (`make demo DASHBOARD_PORT=8502`),
signing in through the sandbox portal as a Bitrix24 local application would (two ways in: the portal page
that frames the app, and the standalone "Войти через Bitrix24" link).

The ports are checked before anything starts, so a busy one fails in one line rather than after the sync.
The sandbox and a background `python -m jobs sync --every 15m` keep running while the dashboard does;
Ctrl-C stops all.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

WEBHOOK_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/rest/\d+/\S+/)")
# Beside the sandbox's cached stores (its --cache-dir default), so `make clean` forgets the install with them.
PORTAL_STATE = Path("data/sandbox/portal-state.json")


def _forward(stream) -> None:
    for line in stream:
        print(line, end="", file=sys.stderr)


def sandbox_command(port: int, size: str, seed: int, app_url: str) -> list[str]:
    """The sandbox portal with the demo app registered at `app_url`; the portal remembers the app's
    installation in PORTAL_STATE, so only the first demo after `make clean` opens it with the install call."""
    return [sys.executable, "-m", "connectors.sandbox", "--port", str(port), "--size", size,
            "--seed", str(seed), "--app-url", app_url, "--state", str(PORTAL_STATE)]


def start_sandbox(port: int, size: str, seed: int, app_url: str) -> tuple[subprocess.Popen, str]:
    """Start the sandbox portal (sandbox_command); wait for the webhook URL."""
    cmd = sandbox_command(port, size, seed, app_url)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", file=sys.stderr)
        match = WEBHOOK_LINE.search(line)
        if match:
            # Keep draining its output, or a full pipe would stall the server.
            threading.Thread(target=_forward, args=(proc.stdout,), daemon=True).start()
            return proc, match.group(1)
    raise SystemExit(f"demo: the sandbox portal exited (code {proc.wait()}) before it was ready")


def port_is_free(port: int) -> bool:
    """Can a server listen on this port (all interfaces, as Streamlit and the sandbox do)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no owner
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def busy_port(ports: dict[str, int]) -> str | None:
    """The one line for the first busy port, naming the knob that moves it; None when all are free."""
    for knob, port in ports.items():
        if not port_is_free(port):
            return (f"demo: port {port} is busy (another demo or dashboard?); "
                    f"pick another: make demo {knob}=...")
    return None


def job_command(db: str) -> list[str]:
    """The scheduled job: the sync and the day's scorecard, with the rules in force."""
    return [sys.executable, "-m", "jobs", "sync", "--db", db]


def loop_command(db: str) -> list[str]:
    """The job every 15 minutes in the background, started right after the demo's first sync: its first run
    waits the 15 minutes too, or the demo would sync twice at start."""
    return [*job_command(db), "--every", "15m", "--wait-first"]


def signin_env(port: int, dashboard_port: int) -> dict[str, str]:
    """Sign-in through the sandbox portal: its demo application (connectors/sandbox/oauth.py; the secret is
    a documented demo value, not a secret) and this dashboard's address."""
    from connectors.sandbox.oauth import CLIENT_ID, CLIENT_SECRET, MEMBER_ID

    portal = f"http://127.0.0.1:{port}"
    return {"B24_CLIENT_ID": CLIENT_ID, "B24_CLIENT_SECRET": CLIENT_SECRET, "B24_PORTAL_URL": portal,
            "B24_OAUTH_URL": portal, "B24_MEMBER_ID": MEMBER_ID,
            "DOZHIM_PUBLIC_URL": f"http://localhost:{dashboard_port}"}


def dashboard_command(dashboard_port: int) -> list[str]:
    """The dashboard with its sign-in routes (dashboard/server.py serves dashboard/app.py)."""
    return [sys.executable, "-m", "streamlit", "run", "dashboard/server.py",
            "--server.port", str(dashboard_port), "--server.headless", "true"]


def ways_in(port: int, dashboard_port: int) -> str:
    """The two ways in; the sandbox's sign-in-as pages put the head and a manager one click apart."""
    return (f"demo: inside the portal: http://127.0.0.1:{port}/portal/ (pick a user, open the app)\n"
            f"demo: standalone: http://localhost:{dashboard_port}/ (Войти через Bitrix24, pick a user)\n"
            f"demo: Ctrl-C stops the demo")


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--size", default="demo")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default="data/crm.duckdb")
    parser.add_argument("--dashboard-port", type=int, default=8501)
    args = parser.parse_args(argv)
    # `kill` (SIGTERM) stops the demo like Ctrl-C does: through the `finally` that stops the children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    busy = busy_port({"DASHBOARD_PORT": args.dashboard_port, "PORT": args.port})
    if busy:
        print(busy, file=sys.stderr)
        return 1

    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    print(f"demo: starting the sandbox portal ({args.size}, seed {args.seed}); the first start generates it",
          file=sys.stderr)
    app_url = f"http://localhost:{args.dashboard_port}/b24/app"
    sandbox, webhook = start_sandbox(args.port, args.size, args.seed, app_url)
    children = [sandbox]
    interrupted = False
    env = {**os.environ, "BITRIX24_WEBHOOK_URL": webhook, "DOZHIM_DB": args.db}
    try:
        sync = job_command(args.db)
        if subprocess.run(sync, env=env).returncode != 0:
            return 1
        children.append(subprocess.Popen(loop_command(args.db), env=env))
        print(ways_in(args.port, args.dashboard_port), file=sys.stderr)
        dashboard_env = {**env, **signin_env(args.port, args.dashboard_port)}
        return subprocess.run(dashboard_command(args.dashboard_port), env=dashboard_env).returncode
    except KeyboardInterrupt:
        interrupted = True
        return 0
    finally:
        stop(children, interrupted)


def stop(children: list[subprocess.Popen], interrupted: bool) -> None:
    """Ctrl-C already reached the children (one process group): let them finish on it, as a second signal
    in the middle of their own clean shutdown would cut it short. Otherwise (`kill`, the dashboard exited)
    ask them to stop. Whatever is still running after 5 s is killed."""
    if not interrupted:
        for child in children:
            child.terminate()
    deadline = time.monotonic() + 5
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    raise SystemExit(run())
