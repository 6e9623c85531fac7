"""backlog, attention, conversion family, forecast family, won_pace: exact numbers on the fixture."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from queries import Rules
from tests.queries.fixture_db import t

SIX_RULES = ["overaged_deals", "stale_deals", "no_next_activity", "invoice_stuck"]


def test_backlog_priority_and_rules(run):
    df = run("backlog", manager_id=1)
    # D104 breaks the meeting follow-up rule (priority 4) besides no next activity (5), stale and overaged
    assert df["deal_id"].tolist() == [105, 103, 106, 104, 101]
    assert df["priority"].tolist() == [2, 2, 3, 4, 5]
    by_deal = df.set_index("deal_id")
    assert by_deal.loc[101, "rules"] == ["no_next_activity", "stale_deals", "overaged_deals"]
    assert by_deal.loc[101, "rules_text"] == "no next activity planned; never touched; 111 days old"
    assert by_deal.loc[106, "rules"] == ["invoice_stuck"]
    assert by_deal.loc[104, "rules"] == ["missed_followup", "no_next_activity", "stale_deals",
                                         "overaged_deals"]
    assert by_deal.loc[104, "rules_text"].startswith("no follow-up: После встречи; no next activity planned")
    assert by_deal.loc[101, "deal_url"].endswith("/crm/deal/details/101/")


def test_backlog_incoming_first_closed_deals_included(run):
    # Boris: D201 (open, 2 unprocessed incoming, the newest Thu 19 Nov 23:30, since the last working day),
    # D205 (lost, 1 unprocessed incoming of 10 Nov: the scorecard counts it, so the backlog lists it),
    # D202 (overaged only)
    df = run("backlog", manager_id=2)
    assert df["deal_id"].tolist() == [201, 205, 202]
    assert df["rules"].tolist() == [["unprocessed_incoming", "no_next_activity"], ["unprocessed_incoming"],
                                    ["overaged_deals"]]
    assert df["incoming_count"].tolist() == [2, 1, 0]
    assert df["deal_open"].tolist() == [True, False, True]
    assert df["action"].tolist() == ["answer_incoming", "answer_incoming_closed", "close_or_move"]
    assert df["since_last_workday"].tolist() == [True, False, False]
    assert [str(v) for v in df["latest_item_at"]] == [
        "2026-11-19 20:30:00+00:00", "2026-11-10 07:00:00+00:00", "NaT"]


def test_backlog_actions_and_latest_items(run):
    df = run("backlog", manager_id=1).set_index("deal_id")
    assert df["action"].to_dict() == {105: "do_overdue", 103: "do_overdue", 106: "invoice_call",
                                      101: "plan_next", 104: "followup_call"}
    # overdue: the newest overdue deadline (D105: 19 Nov 23:59 = 20:59 UTC; D103: 19 Nov 10:00), both on
    # Thursday 19 Nov, the last working day before Friday 20 Nov; the deal rules carry no item time
    assert str(df.loc[105, "latest_item_at"]) == "2026-11-19 20:59:00+00:00"
    assert str(df.loc[103, "latest_item_at"]) == "2026-11-19 07:00:00+00:00"
    assert df["since_last_workday"].to_dict() == {105: True, 103: True, 106: False, 101: False, 104: False}
    assert df.loc[106, ["invoice_no_followup", "invoice_stale"]].tolist() == [True, False]


def test_backlog_invoice_push_and_since_last_workday_ordering(run):
    # a 1-day touch interval at T: D202 (invoice stage since Mon 16 Nov 10:00, touched 17 Nov 12:10, within
    # the 2 working days) is stale in the invoice stage: push for payment. 3 days 5:50 without a touch
    df = run("backlog", manager_id=2, rules=Rules(touch_interval_days=1)).set_index("deal_id")
    assert df.loc[202, ["reason", "action", "invoice_no_followup", "invoice_stale"]].tolist() == [
        "invoice_stuck", "invoice_push", False, True]
    assert df.loc[202, "rules"] == ["invoice_stuck", "stale_deals", "overaged_deals"]
    assert df.loc[202, "rules_text"] == ("no touch for 3 days in the invoice stage; no touch for 3 days; "
                                         "142 days old")
    # Wed 2 Dec: D201's unprocessed incoming (18, 19 and 20 Nov) are all older backlog now
    later = run("backlog", manager_id=2, as_of=t("2026-12-02 18:00")).set_index("deal_id")
    assert later.loc[201, ["incoming_count", "since_last_workday"]].tolist() == [3, False]
    assert later.loc[202, "rules"][:2] == ["overdue_activities", "invoice_stuck"]  # 2022 was due 30 Nov
    # Monday 23 Nov 10:00: D201's newest unprocessed incoming (2012, Fri 20 Nov 00:10) is since Friday's start
    monday = run("backlog", manager_id=2, as_of=t("2026-11-23 10:00"))
    assert monday["deal_id"].tolist()[:2] == [201, 205]
    assert monday["since_last_workday"].tolist()[:2] == [True, False]


def test_backlog_priority_is_stated_once_in_rules(run):
    df = run("backlog")
    order = ["unprocessed_incoming", "overdue_activities", "invoice_stuck", "missed_followup",
             "no_next_activity", "stale_deals", "overaged_deals"]
    for rules, priority, reason in zip(df["rules"], df["priority"], df["reason"], strict=True):
        assert rules == sorted(rules, key=order.index) and reason == rules[0]
        assert priority == order.index(reason) + 1
    assert df["priority"].is_monotonic_increasing


@pytest.mark.parametrize("as_of", [None, "2026-12-02 18:00", "2026-11-23 10:00"])
@pytest.mark.parametrize("pipeline_id", [None, 3])
def test_every_scorecard_number_is_findable_in_the_backlog(run, as_of, pipeline_id):
    kw = {"as_of": t(as_of)} if as_of else {}
    card = run("scorecard", pipeline_id=pipeline_id, **kw).set_index("manager_id")
    for manager_id, row in card.iterrows():
        backlog = run("backlog", manager_id=manager_id, pipeline_id=pipeline_id, **kw)
        for rule in SIX_RULES:
            assert sum(rule in r for r in backlog["rules"]) == row[rule], (manager_id, rule)
        assert backlog["incoming_count"].sum() == row["unprocessed_incoming"]
        assert backlog["overdue_count"].sum() == row["overdue_activities"]
        # missed follow-ups: one list row per (deal, rule); the backlog has each of those deals once
        missed = run("missed_followups", manager_id=manager_id, pipeline_id=pipeline_id, **kw)
        assert len(missed) == row["missed_followups"], manager_id
        flagged = {d for d, r in zip(backlog["deal_id"], backlog["rules"], strict=True)
                   if "missed_followup" in r}
        assert flagged == set(missed["deal_id"])


def test_attention(run):
    ordered = run("attention")
    # worst first: Boris and Viktor leave 1 of 2 open deals untouched (50 %), Anna 3 of 7 (43 %); the tie
    # goes by name (Boris Petrov before Viktor Sidorov). It was alphabetical: Anna first.
    assert ordered["manager_id"].tolist() == [2, 3, 1]
    df = ordered.set_index("manager_id")
    cols = ["open_deals", "untouched_deals", "touched_deals", "hammered_deals", "touches"]
    assert df.loc[1, cols].tolist() == [7, 3, 4, 1, 7]  # D102: 3 calls Mon-Wed of one week
    assert df.loc[2, cols].tolist() == [2, 1, 1, 0, 1]
    assert df.loc[3, cols].tolist() == [2, 1, 1, 0, 1]
    # D106's two touches (Tue 10 and Tue 17 Nov) fall in different weeks
    assert run("attention", rules=Rules(attention_touches_per_week=2)).set_index("manager_id").loc[
        1, "hammered_deals"] == 1
    week = run("attention", rules=Rules(attention_window_days=7)).set_index("manager_id")
    assert week.loc[1, ["untouched_deals", "touches"]].tolist() == [4, 5]  # D104 (6 Nov) drops out


def test_conversion_month(run):
    df = run("conversion").set_index("manager_id")
    assert df.index.tolist() == [1, 2, 4, 3]  # by name; Galina closes deals, so she is listed
    cols = ["won_deals", "won_amount", "lost_deals", "lost_amount"]
    assert df.loc[2, cols].tolist() == [1, 180000.0, 2, 13000.0]
    assert df.loc[2, ["lost_manager_closed", "lost_client_declined", "lost_client_silent",
                      "lost_unspecified", "lost_at_invoice"]].tolist() == [1, 1, 0, 0, 1]
    assert df.loc[2, "lost_at_invoice_share"] == 0.5
    assert df.loc[2, "median_days_to_close"] == pytest.approx(30.60)  # 2, 30.6 and 35.08 days
    assert df.loc[1, ["median_days_to_close", "median_days_to_win"]].tolist() == [19.63, 30.25]
    assert df.loc[3, "lost_client_silent"] == 1 and df.loc[1, "lost_unspecified"] == 1
    assert str(df.loc[1, "period_start"])[:10] == "2026-11-01"
    assert str(df.loc[1, "period_end"])[:10] == "2026-11-30"


def test_conversion_other_period(run):
    df = run("conversion", month=date(2026, 10, 1)).set_index("manager_id")
    assert df.loc[1, ["won_deals", "won_amount"]].tolist() == [1, 50000.0]  # D110
    assert df.loc[2, "lost_deals"] == 1  # D206, 31 Oct 23:30 local
    both = run("conversion", period_start=date(2026, 10, 1), period_end=date(2026, 11, 30))
    assert both.set_index("manager_id").loc[2, ["won_deals", "lost_deals"]].tolist() == [1, 3]


def test_loss_reasons_from_stage_names(run):
    df = run("loss_reasons")
    got = sorted(zip(df["manager_id"], df["reason_group"], df["reason_key"], df["reason_name"], strict=True))
    assert got == [(1, "unspecified", "LOSE", "Deal failed"),
                   (2, "client_declined", "C3:LOSE", "Отказ клиента"),
                   (2, "manager_closed", "C3:DUP", "Дубль"),
                   (3, "client_silent", "APOLOGY", "Клиент не отвечает")]


def test_loss_reasons_from_a_user_field(run):
    df = run("loss_reasons", rules=Rules(loss_reason_field="uf_crm_loss_reason"))
    got = sorted(zip(df["manager_id"], df["reason_group"], df["reason_name"], strict=True))
    # D205 "Дорого" and D302 "Выбрали конкурента" come from the field; D207 and D208 have none: stage names
    assert got == [(1, "unspecified", "Deal failed"), (2, "client_declined", "Дорого"),
                   (2, "manager_closed", "Дубль"), (3, "client_declined", "Выбрали конкурента")]


def test_loss_reasons_per_pipeline(run):
    df = run("loss_reasons")
    got = sorted(zip(df["manager_id"], df["pipeline_id"], df["pipeline_name"], df["reason_key"], strict=True))
    assert got == [(1, 0, "General", "LOSE"), (2, 3, "Projects", "C3:DUP"), (2, 3, "Projects", "C3:LOSE"),
                   (3, 0, "General", "APOLOGY")]
    # June 2025: Boris lost D209 (General) and D210 (Projects), both "Дорого" (option 501): two rows, one per
    # pipeline, not one row that hides where the deals were lost
    june = run("loss_reasons", rules=Rules(loss_reason_field="uf_crm_loss_reason"), month=date(2025, 6, 1))
    columns = ["pipeline_name", "reason_key", "reason_name", "lost_deals", "lost_amount"]
    assert june[columns].values.tolist() == [["General", "501", "Дорого", 1, 3000.0],
                                             ["Projects", "501", "Дорого", 1, 4000.0]]


def test_loss_group_by_id(run):
    groups = {"manager_closed": ("id:LOSE",), "client_declined": (), "client_silent": ()}
    rules = Rules(loss_reason_groups=groups)
    df = run("loss_reasons", rules=rules).set_index("reason_key")
    assert df.loc["LOSE", "reason_group"] == "manager_closed"
    assert set(df.loc[["C3:LOSE", "C3:DUP", "APOLOGY"], "reason_group"]) == {"unspecified"}


def test_lost_stage(run):
    df = run("lost_stage")
    got = sorted(zip(df["manager_id"], df["stage_id"], df["at_invoice_stage"], df["share"], strict=True))
    assert got == [(1, "PREPARATION", False, 1.0), (2, "C3:INVOICE", True, 0.5), (2, "C3:NEW", False, 0.5),
                   (3, "PREPARATION", False, 1.0)]


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
@pytest.mark.parametrize("ids", [(9001, 9002), (9004, 9003)], ids=["higher id written last", "first"])
def test_lost_stage_breaks_a_tie_of_moments_by_the_history_id(fixture_db, tmp_path, ids, stored):
    # D208 (Anna's, lost 3 Nov 10:00 from PREPARATION, entered 28 Oct) gets two more in-progress entries at
    # one moment, 1 Nov 09:00, EXECUTING and PREPAYMENT_INVOICE: the deal was lost at the later history
    # entry's stage (the higher id), whichever the table holds first, live and stored.
    import shutil

    import duckdb

    from queries import derived, run_metric
    from tests.queries.fixture_db import AS_OF

    db = shutil.copy(fixture_db, tmp_path / "tie.duckdb")
    stage_of = {min(ids): "EXECUTING", max(ids): "PREPAYMENT_INVOICE"}
    with duckdb.connect(str(db)) as con:
        for history_id in ids:
            con.execute("insert into stage_history values (?, 2, 208, ?, 0, 'P', ?)",
                        [history_id, t("2026-11-01 09:00"), stage_of[history_id]])
        if stored:
            derived.refresh(con, AS_OF)
    df = run_metric("lost_stage", db, as_of=AS_OF, rules=Rules())
    assert sorted(df.loc[df["manager_id"] == 1, "stage_id"]) == ["PREPAYMENT_INVOICE"]


def test_conversion_by_month(run):
    df = run("conversion_by_month")
    got = {(r.manager_id, str(r.month)[:7]): (r.won_deals, r.lost_deals) for r in df.itertuples()}
    assert got == {(1, "2026-10"): (1, 0), (1, "2026-11"): (1, 1), (2, "2026-10"): (0, 1),
                   (2, "2026-11"): (1, 2), (4, "2026-11"): (1, 0), (3, "2026-11"): (0, 1)}


def test_forecast(run):
    df = run("forecast").set_index("close_month")
    assert df.index.tolist() == ["2026-08", "2026-11", "2026-12", "none"]
    assert df["deals"].tolist() == [1, 5, 3, 2]
    assert df["amount"].tolist() == [100000.0, 114000.0, 205000.0, 70000.0]
    # to the kopeck, exactly: 'none' = D301 50,000 x 0.6 + D104 20,000 x 1/3 = 36,666.666... -> 36,666.67
    assert df["weighted_amount"].tolist() == [60000.0, 34000.0, 103250.0, 36666.67]
    assert df["default_close_dates"].tolist() == [1, 3, 0, 0]  # D101; D105, D107, D108
    assert df["past_close_dates"].tolist() == [1, 2, 0, 0]  # D101; D105, D108
    assert df["unweighted_deals"].tolist() == [0, 2, 0, 0]  # D105 (EXECUTING), D108: no closed history
    assert df["close_date_pushes"].tolist() == [0, 1, 1, 0]


def test_forecast_deals_weights(run):
    df = run("forecast_deals").set_index("deal_id")
    assert df.loc[102, ["weight_source", "weight", "weighted_amount"]].tolist() == ["deal", 0.4, 36000.0]
    assert df.loc[101, "weight_source"] == "stage" and df.loc[101, "weight"] == pytest.approx(0.6)  # NEW: 3/5
    assert df.loc[201, "weight"] == pytest.approx(0.25)  # C3:NEW: 1 won of 4 closed
    assert df.loc[105, "weight_source"] == "none"
    assert df.loc[[101, 104, 106, 107], "reason"].tolist() == ["past_close_date", "no_close_date", "pushed",
                                                              "default_close_date"]


def test_forecast_deals_order(run):
    # by close month (the fixture's open deals: D101 in 2026-08; D106 40000, D103 30000, D108 25000, D105
    # 10000, D107 9000 in 2026-11; D102 90000, D202 70000, D201 45000 in 2026-12), the larger amount first
    # within a month, and the deals with no close date (D301 50000, D104 20000) last
    df = run("forecast_deals")
    assert df["deal_id"].tolist() == [101, 106, 103, 108, 105, 107, 102, 202, 201, 301, 104]
    assert df["close_month"].tolist() == ["2026-08", *["2026-11"] * 5, *["2026-12"] * 3, "none", "none"]


def test_forecast_by_manager_order(run):
    # by close month, then the larger weighted amount: 2026-12 Boris (D201 45000 x 0.25 + D202 70000 x 0.8 =
    # 67250) before Anna (D102 36000); 'none' Viktor (D301 50000 x 0.6) before Anna (D104 20000 x 1/3)
    df = run("forecast_by_manager")
    assert list(zip(df["manager_id"], df["close_month"], strict=True)) == [
        (1, "2026-08"), (1, "2026-11"), (3, "2026-11"), (2, "2026-12"), (1, "2026-12"), (3, "none"),
        (1, "none")]
    assert df.loc[df["close_month"] == "2026-12", "weighted_amount"].tolist() == [67250.0, 36000.0]


def test_forecast_by_manager_adds_up(run):
    total = run("forecast").set_index("close_month")["amount"]
    per = run("forecast_by_manager").groupby("close_month")["amount"].sum()
    assert per.to_dict() == total.to_dict()


def test_close_date_pushes(run):
    df = run("close_date_pushes")
    got = sorted(zip(df["deal_id"], df["snapshot_date"].astype(str), df["pushed_days"], strict=True))
    assert got == [(102, "2026-11-19", 15), (106, "2026-11-19", 5)]  # D201 was pulled earlier: not a push



@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
def test_close_date_pushes_of_one_manager_follow_the_deal_now(stored, fixture_db, tmp_path):
    # Both pushes of test_close_date_pushes are on Anna's (1) deals. D102 is handed to Boris (2): his list
    # has its push, Anna's keeps D106's, Viktor (3) has none. Stored, each push carries the manager the
    # layer was built with (read first, to skip the other managers' blocks): it is built again, as the job
    # does after every sync, and a push still under Anna's id would leave D102 out of Boris's list.
    import shutil

    import duckdb

    from queries import derived, run_metric
    from tests.queries.fixture_db import AS_OF

    db = shutil.copy(fixture_db, tmp_path / "handed-over.duckdb")
    con = duckdb.connect(str(db))
    try:
        con.execute("update deals set assigned_by_id = 2 where id = 102")
        if stored:
            derived.refresh(con, AS_OF)
            assert derived.is_fresh(con)
    finally:
        con.close()

    def pushed(manager_id):
        df = run_metric("close_date_pushes", db, as_of=AS_OF, rules=Rules(), manager_id=manager_id)
        return sorted(zip(df["deal_id"], df["manager_id"], strict=True))

    assert pushed(None) == [(102, 2), (106, 1)]
    assert pushed(2) == [(102, 2)]
    assert pushed(1) == [(106, 1)]
    assert pushed(3) == []

def test_won_pace(run):
    df = run("won_pace").set_index("manager_id")
    cols = ["won_deals", "won_amount", "won_deals_last_month", "won_amount_last_month"]
    assert df.loc[1, cols].tolist() == [1, 200000.0, 1, 50000.0]  # D109 vs D110 (10 Oct < 20 Oct 18:00)
    assert df.loc[2, cols].tolist() == [1, 180000.0, 0, 0.0]


def test_forecast_flags(run):
    # test_forecast's default and past close dates: D101 (2026-08, past and default), D105, D107, D108
    # (2026-11); D101 first as the earliest close month, the rest by amount as forecast_deals orders them
    flags = run("forecast_flags")
    assert flags["deal_id"].tolist()[0] == 101
    assert sorted(flags["deal_id"]) == [101, 105, 107, 108]
    assert flags.set_index("deal_id").loc[107, "reason"] == "default_close_date"
    assert flags.set_index("deal_id").loc[101, "reason"] == "past_close_date"


def test_forecast_flags_are_forecast_deals_rows(run):
    # the same rows and values as forecast_deals' flagged ones, in forecast_deals' order (dtypes aside: a flag
    # column without NULLs comes back as plain bool, with NULLs as pandas' nullable boolean)
    deals = run("forecast_deals")
    flagged = deals[deals["is_default_close"].fillna(False) | deals["is_past_close"].fillna(False)]
    pd.testing.assert_frame_equal(run("forecast_flags"), flagged.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
@pytest.mark.parametrize("ids", [(9001, 9002), (9002, 9001)], ids=["lower id written first", "last"])
def test_a_stage_listed_twice_is_named_by_the_entry_listed_first(fixture_db, tmp_path, ids, stored):
    # PREPARATION (Proposal, id 2) is written again as two entries, 9001 "КП отправлено" and 9002 "Старое
    # имя", and its own row goes: every PREPARATION deal reads the lowest id's name, whichever entry the table
    # holds first (any_value took the one the scan met), live and stored.
    import shutil

    import duckdb

    from queries import derived, run_metric
    from tests.queries.fixture_db import AS_OF

    db = shutil.copy(fixture_db, tmp_path / "stages.duckdb")
    name_of = {9001: "КП отправлено", 9002: "Старое имя"}
    with duckdb.connect(str(db)) as con:
        con.execute("delete from stages where status_id = 'PREPARATION'")
        for stage_row_id in ids:
            con.execute("insert into stages (id, entity_id, entity_type_id, category_id, status_id, name, "
                        "sort, semantics) values (?, 'DEAL_STAGE', 2, 0, 'PREPARATION', ?, 20, 'P')",
                        [stage_row_id, name_of[stage_row_id]])
        if stored:
            derived.refresh(con, AS_OF)
    df = run_metric("forecast_deals", db, as_of=AS_OF, rules=Rules())
    names = df.loc[df["stage_id"] == "PREPARATION", "stage_name"]
    assert len(names) > 0 and set(names) == {"КП отправлено"}
