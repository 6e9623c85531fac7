"""Cross-check on the generated portal: sync the `small` sandbox into DuckDB with the real connector and
compare the scorecard with the sandbox's own, independent count per manager (connectors/sandbox/truth.py)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import holidays
import httpx
import pytest

from queries import Rules, run_metric

pytestmark = pytest.mark.slow
TRUTH_COLUMNS = ("active_deals", "overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
                 "unprocessed_incoming", "invoice_stuck", "missed_followups", "won_deals", "lost_deals")


@pytest.fixture(scope="module")
def synced_small(tmp_path_factory):
    from connectors.bitrix24.client import Bitrix24Client
    from connectors.bitrix24.progress import LineReporter
    from connectors.bitrix24.ratelimit import RateLimiter
    from connectors.bitrix24.retry import RetryPolicy
    from connectors.bitrix24.sync import SyncOptions, run_sync
    from queries.history import record_day
    from tests.portal_moment import small_portal, small_store

    def fast_client(webhook_url: str) -> Bitrix24Client:
        return Bitrix24Client(webhook_url, limiter=RateLimiter(burst=1000, per_second=1000.0),
                              retry=RetryPolicy(max_retries=8, base=0.01, cap=0.05))

    tmp = tmp_path_factory.mktemp("truth")
    store = Path(shutil.copyfile(small_store(), tmp / "portal.sqlite"))  # generated for NOW, on any day
    db = tmp / "crm.duckdb"
    with small_portal(store) as sandbox, open("/dev/null", "w") as quiet:
        result = run_sync(SyncOptions(db=db, webhook_url=sandbox.webhook_url, client_factory=fast_client,
                                      reporter=LineReporter(out=quiet),
                                      after_write=lambda con, moment: record_day(con, moment, Rules())))
        reply = httpx.post(sandbox.webhook_url + "server.time", json={}).json()
        now = datetime.fromisoformat(reply["result"])
    assert result.status == "ok"
    return store, db, now


def country_days(now: datetime) -> tuple[set, set]:
    """Russia's days off on weekdays and its working weekend days (a transferred Saturday) around `now`, read
    from the `holidays` package directly, as the truth's own calendar (the default rules use calendar.country
    = "RU")."""
    calendar = holidays.country_holidays("RU", years=range(now.year - 3, now.year + 2))
    return set(calendar), set(calendar.weekend_workdays)


def test_scorecard_matches_the_sandbox_truth(synced_small):
    from connectors.sandbox.truth import expected_scorecard

    store, db, now = synced_small
    rules = Rules()
    days_off, workdays = country_days(now)
    truth = expected_scorecard(store, now, rules.max_deal_age_days, rules.touch_interval_days,
                               rules.invoice_followup_business_days, rules.working_days, days_off, workdays)
    assert truth, "the sandbox truth is empty"
    # everyone the truth counts, so that owners without open deals (incoming on closed deals) are compared too
    df = run_metric("scorecard", db, as_of=now, rules=Rules(manager_ids=tuple(sorted(truth))))
    records = df.to_dict("records")
    got = {int(r["manager_id"]): {c: int(r[c]) for c in TRUTH_COLUMNS} for r in records}
    assert got == {m: {c: counts[c] for c in TRUTH_COLUMNS} for m, counts in truth.items()}
    rates = {int(r["manager_id"]): r["win_rate"] for r in records}
    for manager_id, counts in truth.items():
        if counts["win_rate"] is None:
            assert rates[manager_id] != rates[manager_id], manager_id  # NULL arrives as NaN
        else:
            assert rates[manager_id] == pytest.approx(counts["win_rate"]), manager_id
    # the sandbox gives the invoice rule, the follow-up rules and the month's closed deals something to find
    for column in ("invoice_stuck", "missed_followups", "won_deals", "lost_deals"):
        assert sum(c[column] for c in truth.values()) >= 3, column


def test_invoice_stuck_deals_and_halves_match_the_sandbox_truth(synced_small):
    from connectors.sandbox.truth import expected_items

    store, db, now = synced_small
    days_off, workdays = country_days(now)
    items = expected_items(store, now, holidays=days_off, workdays=workdays)
    df = run_metric("invoice_stuck", db, as_of=now, rules=Rules())
    assert set(df["deal_id"]) == items["invoice_stuck"]
    assert set(df.loc[df["invoice_no_followup"], "deal_id"]) == items["invoice_no_followup"]
    assert set(df.loc[df["invoice_stale"], "deal_id"]) == items["invoice_stale"]
    # both halves occur in the generated portal, so both are checked
    assert items["invoice_stale"] - items["invoice_no_followup"] and items["invoice_no_followup"]


def test_missed_followups_match_the_sandbox_truth(synced_small):
    from connectors.sandbox.truth import expected_items

    store, db, now = synced_small
    days_off, workdays = country_days(now)
    items = expected_items(store, now, holidays=days_off, workdays=workdays)
    df = run_metric("missed_followups", db, as_of=now, rules=Rules())
    assert set(zip(df["rule_key"], df["deal_id"], strict=True)) == items["missed_followups"]
    assert {rule for rule, _ in items["missed_followups"]} == {"proposal", "meeting"}


def test_default_managers_cover_every_open_deal(synced_small):
    from connectors.sandbox.truth import expected_counts

    store, db, now = synced_small
    truth = expected_counts(store, now)
    df = run_metric("scorecard", db, as_of=now, rules=Rules()).set_index("manager_id")
    owners = {m for m, c in truth.items() if c["active_deals"] > 0}
    assert set(df.index) == owners
    assert int(df["active_deals"].sum()) == sum(c["active_deals"] for c in truth.values())


def test_stored_layer_was_built_by_the_sync(synced_small):
    import duckdb

    from queries import derived

    _, db, _ = synced_small
    with duckdb.connect(str(db), read_only=True) as con:
        assert derived.is_fresh(con)
        days = con.execute("select count(distinct snapshot_date) from scorecard_history").fetchone()[0]
    assert days == 1


def test_default_loss_groups_name_every_sandbox_failure_stage(synced_small):
    """The sandbox's failure stages carry the brief's three loss reasons in their names; the default rules
    must group each of them, so that nothing lands in `unspecified`."""
    _, db, now = synced_small
    # the two calendar years before T's and this one (`month` would override the period: not given)
    start = datetime(now.year - 2, 1, 1).date()
    df = run_metric("loss_reasons", db, as_of=now, rules=Rules(), period_start=start, period_end=now.date())
    assert df["lost_deals"].sum() > 50  # the whole window, not one month
    groups = dict(zip(df["reason_name"], df["reason_group"], strict=False))
    assert groups["Закрыта менеджером по регламенту"] == "manager_closed"
    assert groups["Отказ клиента"] == "client_declined"
    assert groups["Клиент пропал"] == "client_silent"
    assert "unspecified" not in set(df["reason_group"])


def test_filter_choices_name_pipelines_and_departments(synced_small):
    _, db, now = synced_small
    pipelines = run_metric("pipelines", db, as_of=now)
    assert pipelines["pipeline_id"].tolist()[0] == 0 and len(pipelines) >= 2
    assert pipelines["pipeline_name"].notna().all()
    departments = run_metric("departments", db, as_of=now)
    assert departments["department_name"].notna().all() and departments["department_id"].is_unique


def test_the_backlog_lists_each_rule_the_sandbox_truth_finds(synced_small):
    # Every deal the truth finds breaking a rule is on the backlog with that rule in `rules`, and no other:
    # the backlog keeps a deal on its own flags (one per rule), so a flag left out of its filter would drop
    # the deals breaking only that rule. The store of tests/portal_moment.py has 1-8 such deals for each rule
    # but invoice_stuck (its flag taken out fails the hand-built fixture's tests instead); on the store of
    # 29 Nov, alike, each flag taken out of the filter failed a test.
    from connectors.sandbox.truth import expected_items

    store, db, now = synced_small
    days_off, workdays = country_days(now)
    items = expected_items(store, now, holidays=days_off, workdays=workdays)
    by_rule = {
        "unprocessed_incoming": {deal for _, deal in items["unprocessed_incoming"]},
        "overdue_activities": {deal for _, deal in items["overdue_activities"]},
        "invoice_stuck": items["invoice_stuck"],
        "missed_followup": {deal for _, deal in items["missed_followups"]},
        "no_next_activity": items["no_next_activity"],
        "stale_deals": items["stale_deals"],
        "overaged_deals": items["overaged_deals"],
    }
    df = run_metric("backlog", db, as_of=now, rules=Rules())
    assert set(df["deal_id"]) == set().union(*by_rule.values())
    for rule, deals in by_rule.items():
        listed = {deal for deal, rules in zip(df["deal_id"], df["rules"], strict=True) if rule in list(rules)}
        assert listed == deals, rule
