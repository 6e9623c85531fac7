"""dashboard/server.py without sign-in refuses to start on an address other than localhost: exit 2 and the
line saying why (Streamlit prints its URLs first; the refusal is the last line)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.dashboard.browser import ROOT, free_port


def test_without_sign_in_the_server_will_not_listen_on_every_address() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "STREAMLIT_"))}
    run = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.port", str(free_port()),
         "--server.address", "0.0.0.0", "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2
    last = (run.stdout + run.stderr).strip().splitlines()[-1]
    assert last.startswith("dozhim: sign-in is off (no B24_CLIENT_ID), so the dashboard serves localhost")
    assert "Traceback" not in run.stderr
