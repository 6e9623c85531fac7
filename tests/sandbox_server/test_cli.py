"""`python -m connectors.sandbox`: prints the webhook URL, serves, stops cleanly; bad arguments exit 2."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "connectors.sandbox", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serves_the_store_and_stops_on_sigterm(store_path):
    proc = run_cli("--port", "0", "--store", str(store_path), "--burst", "3", "--drain", "0.001")
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/") and "/rest/1/" in url
        with httpx.Client(timeout=10) as client:
            codes = [client.post(url + "server.time").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 503]  # --burst reached the server
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_now_sets_the_portals_clock(store_path):
    """--now is the portal's "now" for its clock too, not only for the data it generates."""
    proc = run_cli("--port", "0", "--store", str(store_path), "--now", "2020-01-15T10:00:00+03:00")
    try:
        url = proc.stdout.readline().strip()
        reply = httpx.post(url + "server.time", timeout=10).json()
        assert reply["result"].startswith("2020-01-15T10:0") and reply["result"].endswith("+03:00"), reply
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_usage_errors_are_one_line():
    for args in (
        ["--faults", "explode=1"],
        ["--store", "/nonexistent/portal.sqlite"],
        ["--clock-factor", "0"],
    ):
        proc = run_cli("--port", "0", *args)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 2
        assert err.strip().count("\n") == 0 and err.startswith("error:"), err


def test_a_corrupt_state_file_is_one_line_and_exit_2(store_path, tmp_path):
    """Read before the store: `--store` only keeps a wrong order from building a portal here."""
    (tmp_path / "directory").mkdir()
    contents = {"not-json": "{installed", "not-utf8": b"\xff\xfe", "a-list": "[]",
                "wrong-shape": '{"installed": "local.dozhim.sandbox"}', "not-names": '{"installed": [1]}'}
    for name, content in contents.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for name in (*contents, "directory"):
        proc = run_cli("--port", "0", "--store", str(store_path), "--state", str(tmp_path / name))
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 2 and out == "", (name, err)
        assert err.startswith("error: ") and err.strip().count("\n") == 0, (name, err)
        assert str(tmp_path / name) in err and "portal state" in err, (name, err)
