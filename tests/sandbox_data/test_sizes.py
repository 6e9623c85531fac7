"""The demo size has the promised scale: about 5k deals, 60k activities, 30-80 open deals per manager."""

from __future__ import annotations

import sqlite3
import statistics

import pytest

from connectors.sandbox.generate import main
from connectors.sandbox.store import build_store
from connectors.sandbox.truth import RULES, expected_counts, summary

from .conftest import NOW, SEED


@pytest.fixture(scope="module")
def demo_store(store_dir):
    return build_store(store_dir / "demo.sqlite", "demo", SEED, NOW)


def test_demo_scale(demo_store):
    s = summary(demo_store)
    assert 4500 <= s["deals"] <= 5500
    conn = sqlite3.connect(demo_store)
    on_deals = conn.execute("select count(distinct ACTIVITY_ID) from activity_bindings "
                            "where OWNER_TYPE_ID = 2").fetchone()[0]
    leads = conn.execute("select count(*) from leads").fetchone()[0]
    conn.close()
    assert 50_000 <= on_deals <= 70_000
    assert 8_000 <= leads <= 10_000
    assert 20 <= sum(s["managers_by_profile"].values()) <= 50


def test_demo_managers_hold_30_to_80_open_deals(demo_store):
    conn = sqlite3.connect(demo_store)
    rows = conn.execute(
        "select p.PROFILE, count(*) from deals d join manager_profiles p on p.USER_ID = d.ASSIGNED_BY_ID "
        "where d.STAGE_SEMANTIC_ID = 'P' and d.IS_RECURRING = 'N' group by d.ASSIGNED_BY_ID"
    ).fetchall()
    conn.close()
    regular = [n for profile, n in rows if profile in ("disciplined", "average", "sloppy")]
    assert 30 <= statistics.median(regular) <= 80
    assert min(regular) >= 15 and max(regular) <= 120


def test_demo_rules_have_work_to_do(demo_store):
    counts = expected_counts(demo_store, NOW)
    for rule in RULES:
        assert sum(c[rule] for c in counts.values()) >= 20, rule


def test_cli_builds_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "cli.sqlite"
    assert main(["--size", "tiny", "--seed", "3", "--now", NOW.isoformat(), "--out", str(out)]) == 0
    assert '"deals": ' in capsys.readouterr().out and out.exists()
    assert main(["--size", "tiny", "--now", "yesterday"]) == 2
    assert "not an ISO 8601" in capsys.readouterr().err
