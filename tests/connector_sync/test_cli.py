"""The CLI: one-line errors with the right exit codes, webhook lookup order, and the secret nowhere."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from connectors.bitrix24 import cli
from connectors.bitrix24.errors import ConfigError
from connectors.bitrix24.store import StoreError
from connectors.sandbox.faults import Faults

from .conftest import db_rows, mutate
from .test_safety import cli as run_cli


def one_line_failure(err: str) -> str:
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert lines[-1].startswith("sync failed: "), err
    return lines[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url, needle", [
    ("not a url", "no https:// scheme"),
    ("https://portal.bitrix24.ru/rest/abc/", "/rest/<user id>/<code>/"),
    ("http://portal.bitrix24.ru/rest/1/secretcode123/", "https://"),
])
def test_malformed_webhook_exits_78(tmp_path, url, needle):
    proc = run_cli("sync", "--db", str(tmp_path / "crm.duckdb"), "--webhook", url)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 78
    line = one_line_failure(err)
    assert needle in line
    assert "secretcode123" not in err


def test_wrong_token_exits_78_and_is_recorded(sandbox, tmp_path):
    wrong = re.sub(r"/rest/(\d+)/[^/]+/", r"/rest/\1/wrongtoken0000/", sandbox.webhook_url)
    db = tmp_path / "crm.duckdb"
    proc = run_cli("sync", "--db", str(db), "--webhook", wrong)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 78
    assert "webhook" in one_line_failure(err)
    assert "wrongtoken0000" not in err
    runs = db_rows(db, "select status, portal, error from sync_runs")
    assert runs[0][0] == "failed" and runs[0][1] == sandbox.base_url
    assert "wrongtoken0000" not in db.read_bytes().decode("latin-1")


def test_missing_scope_is_named(sandbox, tmp_path):
    sandbox.portal.meta["scopes"] = "crm,user"
    proc = run_cli("sync", "--db", str(tmp_path / "crm.duckdb"), "--webhook", sandbox.webhook_url)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 78
    assert "'department' scope" in one_line_failure(err)


def test_unreachable_portal_exits_1(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/rest/1/secretcode123/"
    proc = run_cli("sync", "--db", str(tmp_path / "crm.duckdb"), "--webhook", url, "--retries", "1")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "127.0.0.1" in one_line_failure(err) or "reach" in one_line_failure(err).lower()
    assert "secretcode123" not in err


def test_usage_errors_exit_2(tmp_path):
    for args in (["sync", "--every", "soon"], ["pull"], []):
        proc = run_cli(*args)
        proc.communicate(timeout=60)
        assert proc.returncode == 2, args


def test_missing_webhook_exits_78(tmp_path):
    proc = run_cli("sync", "--db", str(tmp_path / "crm.duckdb"), cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 78
    assert "BITRIX24_WEBHOOK_URL" in one_line_failure(err)


def test_webhook_lookup_order(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('BITRIX24_WEBHOOK_URL = "https://a.bitrix24.ru/rest/1/fromsecrets/"\n')
    monkeypatch.delenv("BITRIX24_WEBHOOK_URL", raising=False)
    assert cli.find_webhook(None, secrets) == "https://a.bitrix24.ru/rest/1/fromsecrets/"
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", "https://a.bitrix24.ru/rest/1/fromenv/")
    assert cli.find_webhook(None, secrets) == "https://a.bitrix24.ru/rest/1/fromenv/"
    assert cli.find_webhook("https://a.bitrix24.ru/rest/1/given/", secrets).endswith("/given/")
    monkeypatch.delenv("BITRIX24_WEBHOOK_URL")
    with pytest.raises(ConfigError):
        cli.find_webhook(None, tmp_path / "absent.toml")


def test_every_parses_durations():
    assert cli.parse_every("15m") == 900
    assert cli.parse_every("30s") == 30
    assert cli.parse_every("2h") == 7200
    assert cli.parse_every("5") == 300


@pytest.mark.slow
def test_the_token_never_reaches_output_or_database(sandbox, tmp_path):
    token = sandbox.webhook_url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 8
    db = tmp_path / "crm.duckdb"
    sandbox.set_faults(Faults(seed=4, error_rate=0.2, drop_rate=0.05))  # retries log their warnings
    first = run_cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    mutate(sandbox, 10, seed=9)
    second = run_cli("sync", "--db", str(db), env={"BITRIX24_WEBHOOK_URL": sandbox.webhook_url})
    second_env = second
    _, err2 = second_env.communicate(timeout=120)
    assert second_env.returncode == 0, err2  # the webhook from the environment
    assert "retry" in (err1 + err2)  # the faults did make it log
    for text in (err1, err2):
        assert token not in text
    blob = db.read_bytes()
    assert token.encode() not in blob
    assert db_rows(db, "select value from meta where key = 'portal_url'") == [(sandbox.base_url,)]
    leftovers = [p for p in Path(db.parent).iterdir()
                 if p.name.startswith(db.name) and token in p.read_bytes().decode("latin-1")]
    assert leftovers == []


def test_every_loops_after_a_failure(tmp_path):
    """--every keeps going after a failed run (here: nothing listening), until interrupted."""
    import signal
    import time

    url = f"http://127.0.0.1:{free_port()}/rest/1/secretcode123/"
    proc = run_cli("sync", "--db", str(tmp_path / "crm.duckdb"), "--webhook", url, "--retries", "0",
                   "--every", "1s")
    db = tmp_path / "crm.duckdb"
    deadline = time.monotonic() + 60
    failed = 0
    while failed < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        if db.exists():
            try:
                failed = db_rows(db, "select count(*) from sync_runs where status = 'failed'")[0][0]
            except Exception:  # noqa: BLE001 (the file is being replaced right now)
                continue
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert err.count("sync failed:") >= 2
    assert "sync stopped" in err
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert db_rows(db, "select count(*) from sync_runs where status = 'failed'")[0][0] >= 2


def sync_help(capsys) -> str:
    with pytest.raises(SystemExit):
        cli.main(["sync", "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_warns_that_webhook_shows_the_token_in_the_process_list(capsys):
    text = sync_help(capsys)
    assert "process" in text and "BITRIX24_WEBHOOK_URL" in text and "secrets.toml" in text
    assert "Enterprise" in text and "--rate" in text and "--burst" in text


@pytest.mark.parametrize("args, needle", [
    (["--retries", "-3"], "--retries takes a whole number from 0 to 100, not '-3'"),
    (["--retries", "many"], "--retries takes a whole number"),
    (["--rate", "0"], "--rate takes requests per second above 0"),
    (["--rate", "-5"], "--rate takes"),
    (["--rate", "nan"], "--rate takes"),
    (["--rate", "fast"], "--rate takes"),
    (["--burst", "0"], "--burst takes a whole number from 1"),
    (["--burst", "2.5"], "--burst takes a whole number"),
])
def test_nonsense_limits_exit_2_in_one_line(args, needle, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["sync", "--db", "x.duckdb", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert needle in err.strip().splitlines()[-1]  # argparse: the usage, then the one error line


def test_rate_and_burst_reach_the_limiter(tmp_path, monkeypatch):
    seen = {}

    def fake_run_sync(options):
        seen.update(rate=options.rate, burst=options.burst)
        raise StoreError("stop here")

    monkeypatch.setattr("connectors.bitrix24.sync.run_sync", fake_run_sync)
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", "https://acme.bitrix24.ru/rest/1/abc/")
    assert cli.main(["sync", "--db", str(tmp_path / "x.duckdb"), "--rate", "5", "--burst", "250"]) == 1
    assert seen == {"rate": 5.0, "burst": 250}
    assert cli.main(["sync", "--db", str(tmp_path / "x.duckdb")]) == 1
    assert seen == {"rate": 2.0, "burst": 50}  # the defaults stay a cloud portal's
