"""make demo: a busy dashboard port fails in one line before anything starts; the demo runs the job."""

from __future__ import annotations

import socket
import sys

import pytest

from connectors.sandbox.__main__ import parse_args
from scripts import demo


@pytest.fixture
def busy_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_busy_dashboard_port_fails_before_the_sandbox_and_the_sync(busy_port, monkeypatch, capsys):
    def no_sandbox(*_args):
        raise AssertionError("the sandbox (and so the sync) must not start when the dashboard port is busy")

    monkeypatch.setattr(demo, "start_sandbox", no_sandbox)
    monkeypatch.setattr(demo.signal, "signal", lambda *_: None)
    assert demo.run(["--dashboard-port", str(busy_port), "--port", "0"]) == 1
    assert capsys.readouterr().err == (f"demo: port {busy_port} is busy (another demo or dashboard?); "
                                       "pick another: make demo DASHBOARD_PORT=...\n")


def test_busy_sandbox_port_names_its_knob(busy_port):
    assert demo.busy_port({"DASHBOARD_PORT": 0, "PORT": busy_port}).endswith("make demo PORT=...")


def test_port_is_free_tells_busy_from_free(busy_port):
    assert not demo.port_is_free(busy_port)
    with socket.socket() as sock:
        sock.bind(("", 0))
        free = sock.getsockname()[1]
    assert demo.port_is_free(free)


def test_the_demo_runs_the_scheduled_job():
    assert demo.job_command("data/crm.duckdb") == [sys.executable, "-m", "jobs", "sync", "--db",
                                                   "data/crm.duckdb"]


def test_the_demos_background_job_does_not_sync_again_at_once():
    # the demo syncs in the foreground first; the loop then starts with its 15 minutes of sleep
    assert demo.loop_command("data/crm.duckdb") == [sys.executable, "-m", "jobs", "sync", "--db",
                                                    "data/crm.duckdb", "--every", "15m", "--wait-first"]


def test_the_demo_portal_remembers_the_install_beside_its_cached_stores():
    """The second `make demo` opens the app straight away; `make clean` (rm -rf data) forgets the install
    with the cached stores."""
    cmd = demo.sandbox_command(8899, "demo", 7, "http://localhost:8501/b24/app")
    state = cmd[cmd.index("--state") + 1]
    assert state == "data/sandbox/portal-state.json"
    assert demo.PORTAL_STATE.parent == parse_args([]).cache_dir
