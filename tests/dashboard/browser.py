"""What the two browser test modules share: Debian's Chromium and its start-up options, the page-ready
selector, and `streamlit run dashboard/server.py` (the app with its sign-in routes) on a free port until it
answers its health check."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium, or `make browser`)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[str]:
    """`streamlit run dashboard/server.py` with `env`, its output in `log_path`; yields its URL once healthy.
    `port`: when the caller needs it first (the sandbox registers the app at it); a free one otherwise."""
    port = port or free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none"],  # .streamlit/config.toml
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60  # a start-up wait, not a timed assertion
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited ({proc.returncode}); see {log_path}")
            else:
                pytest.fail(f"streamlit did not start; see {log_path}")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)
