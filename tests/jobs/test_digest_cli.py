"""`python -m jobs digest` and the digest after `python -m jobs sync`: exit codes, one-line errors, and the
webhook URL (a secret: its code is the password) never in the output, the log or the state file."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.digest.cli import main
from jobs.sync import main as sync_main
from queries.digest_log import list_digests
from snapshot.state import state_path
from tests.jobs.test_digest import build_digest_db

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-20T18:00:00+03:00"
FAST = ["--rate", "1000", "--burst", "1000", "--quiet"]
CODE = "S3cretWebhookCode42"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no rules.toml, no .streamlit/secrets.toml
    for name in ("DOZHIM_RULES", "DOZHIM_NOTIFY_WEBHOOK_URL", "DOZHIM_SMTP_HOST", "DOZHIM_DASHBOARD_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_webhook_fails_each_recipient_without_showing_the_url(env, monkeypatch, capsys):
    db = build_digest_db(env / "crm.duckdb")
    monkeypatch.setenv("DOZHIM_NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{closed_port()}/rest/1/{CODE}/")
    assert main(["--db", str(db), "--as-of", AS_OF]) == 1
    err = capsys.readouterr().err
    assert "digest to 1 (im) failed: batch call failed: ConnectError" in err
    assert CODE not in err
    log = list_digests(db)
    assert len(log) == 4 and set(log["status"]) == {"failed"}
    assert not log["error"].str.contains(CODE).any()
    assert CODE.encode() not in state_path(db).read_bytes()


def test_a_wrong_webhook_code_is_one_line_without_the_code(env, monkeypatch, capsys, sandbox):
    db = build_digest_db(env / "crm.duckdb")
    wrong = sandbox.notify_webhook_url.replace("imnotifysandbox1", CODE)
    monkeypatch.setenv("DOZHIM_NOTIFY_WEBHOOK_URL", wrong)
    assert main(["--db", str(db), "--as-of", AS_OF]) == 1
    err = capsys.readouterr().err
    assert "batch refused: HTTP 401 NO_AUTH_FOUND Wrong authorization data" in err and CODE not in err


def test_no_channel_is_a_configuration_error(env, capsys):
    db = build_digest_db(env / "crm.duckdb")
    assert main(["--db", str(db), "--as-of", AS_OF]) == 78
    assert "no digest channel: set DOZHIM_NOTIFY_WEBHOOK_URL" in capsys.readouterr().err


def test_a_bad_as_of_is_a_usage_error(env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--as-of", "yesterday"])
    assert exit_.value.code == 2
    assert "--as-of takes an ISO moment" in capsys.readouterr().err


def test_python_m_jobs_digest_dispatches_and_writes_a_dry_run(env):
    db = build_digest_db(env / "crm.duckdb")
    out = env / "dry"
    done = subprocess.run([sys.executable, "-m", "jobs", "digest", "--db", str(db), "--as-of", AS_OF,
                           "--dry-run", str(out), "--only", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("digest: 1 digests written, 0 failed")
    assert [p.name for p in out.iterdir()] == ["2026-11-20_1_manager.bbcode.txt"]


def test_the_sync_job_sends_the_digest_after_a_good_sync_and_once_a_day(env, monkeypatch, sandbox):
    # every day a working day, any time of day: the test must not depend on the clock
    rules = env / "rules.toml"
    rules.write_text('[calendar]\nworking_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
                     'country = ""\n[digest]\nsend_after = "00:00"\n')
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    monkeypatch.setenv("DOZHIM_NOTIFY_WEBHOOK_URL", sandbox.notify_webhook_url)
    db = env / "crm.duckdb"
    assert sync_main(["sync", "--db", str(db), *FAST]) == 0
    first = sandbox.stats.get("im.notify.system.add", 0)
    assert first > 0 and len({n["user_id"] for n in sandbox.notifications()}) == first
    log = list_digests(db)
    assert len(log) == first and set(log["status"]) == {"sent"}
    assert sync_main(["sync", "--db", str(db), *FAST]) == 0  # the second sync of the day sends nothing
    assert sandbox.stats.get("im.notify.system.add", 0) == first


def test_every_is_taken_out_for_the_jobs_own_loop():
    from jobs.sync import without_every

    assert without_every(["sync", "--every", "15m", "--db", "x.duckdb"]) == ["sync", "--db", "x.duckdb"]
    assert without_every(["sync", "--every=1h"]) == ["sync"]
    assert without_every(["sync", "--every", "15m", "--wait-first", "--full"]) == ["sync", "--full"]


def test_the_jobs_loop_waits_first_when_asked(tmp_path, monkeypatch):
    # python -m jobs sync --every 15m --wait-first: nap, one run (without the loop's own flags), nap
    from connectors.bitrix24 import cli
    from jobs import sync

    events: list[object] = []

    def nap(seconds: float) -> None:
        events.append(seconds)
        if len(events) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", nap)
    monkeypatch.setattr(sync, "sync_once", lambda argv, db: events.append(argv) or 0)
    db = str(tmp_path / "crm.duckdb")
    with pytest.raises(KeyboardInterrupt):
        sync_main(["sync", "--db", db, "--every", "15m", "--wait-first"])
    assert events == [900, ["sync", "--db", db], 900]


def test_a_bad_every_is_a_usage_error_not_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        sync_main(["sync", "--every", "bogus", "--db", str(tmp_path / "crm.duckdb")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--every takes a duration like 15m, 1h or 30s, not 'bogus'" in err and "Traceback" not in err


def test_make_demo_points_the_digest_at_the_sandboxs_notification_webhook():
    from connectors.sandbox.methods.im import NOTIFY_TOKEN

    makefile = (REPO / "Makefile").read_text().splitlines()
    lines = [line for line in makefile if "DOZHIM_NOTIFY_WEBHOOK_URL" in line]
    assert lines == [f"demo: export DOZHIM_NOTIFY_WEBHOOK_URL ?= http://127.0.0.1:$(PORT)/rest/1/{NOTIFY_TOKEN}/"]


def test_after_a_failed_sync_the_job_sends_only_the_stale_note_and_the_digest_follows_the_next_good_one(
        env, monkeypatch, sandbox):
    rules = env / "rules.toml"
    rules.write_text('[calendar]\nworking_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
                     'country = ""\n[digest]\nsend_after = "00:00"\n')
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    db = env / "crm.duckdb"
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    assert sync_main(["sync", "--db", str(db), *FAST]) == 0  # no digest channel yet: nothing sent
    monkeypatch.setenv("DOZHIM_NOTIFY_WEBHOOK_URL", sandbox.notify_webhook_url)
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url.replace(sandbox.portal.token, "wrong"))
    assert sync_main(["sync", "--db", str(db), *FAST]) == 78  # the sync's own code, recorded as failed
    notes = sandbox.notifications()
    assert notes and all(n["message"].startswith("[B]Дожим, ") and "данные устарели" in n["message"]
                         for n in notes)
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    assert sync_main(["sync", "--db", str(db), *FAST]) == 0
    kinds = list_digests(db)["kind"].tolist()
    assert kinds.count("stale") == len(notes) and len(kinds) == 2 * len(notes)
    assert not any("данные устарели" in n["message"] for n in sandbox.notifications())  # replaced (TAG)
