"""The generated portal gives every dashboard rule something to find, and truth.py agrees with plain SQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from connectors.sandbox.truth import RULES, expected_counts, summary

from .conftest import NOW, SEED

# The same rules as truth.py, written independently in SQL over the store (all times share the +03:00
# offset, so ISO strings compare in time order).
SQL_RULES = """
with deal as (
    select ID, ASSIGNED_BY_ID as owner, DATE_CREATE as created
    from deals
    where STAGE_SEMANTIC_ID = 'P' and IS_RECURRING = 'N'
),
bound as (
    select distinct b.OWNER_ID as deal_id, a.*
    from activity_bindings as b
    join activities as a on a.ID = b.ACTIVITY_ID
    where b.OWNER_TYPE_ID = 2
),
touch as (
    select deal_id, max(coalesce(nullif(END_TIME, ''), nullif(START_TIME, ''), LAST_UPDATED)) as last_touch
    from bound
    where COMPLETED = 'Y' and coalesce(nullif(END_TIME, ''), nullif(START_TIME, ''), LAST_UPDATED) <= :now
    group by deal_id
),
planned as (
    select * from bound
    where COMPLETED = 'N' and IS_INCOMING_CHANNEL = 'N' and DIRECTION != 1 and DEADLINE not like '9999%'
)
select
    d.owner,
    count(*) as active_deals,
    sum(d.created < :max_age) as overaged_deals,
    sum(coalesce(t.last_touch, d.created) < :stale) as stale_deals,
    sum(not exists (select 1 from planned as p where p.deal_id = d.ID)) as no_next_activity,
    sum((select count(*) from planned as p where p.deal_id = d.ID and p.DEADLINE < :today))
        as overdue_activities
from deal as d
left join touch as t on t.deal_id = d.ID
group by d.owner
"""

SQL_INCOMING = """
select d.ASSIGNED_BY_ID as owner, count(*) as unprocessed_incoming
from activity_bindings as b
join activities as a on a.ID = b.ACTIVITY_ID
join deals as d on d.ID = b.OWNER_ID and d.IS_RECURRING = 'N'
where b.OWNER_TYPE_ID = 2 and a.COMPLETED = 'N' and (a.IS_INCOMING_CHANNEL = 'Y' or a.DIRECTION = 1)
  and a.CREATED < :today
group by d.ASSIGNED_BY_ID
"""


@pytest.fixture(scope="module")
def truth(small_store):
    return expected_counts(small_store, NOW)


@pytest.fixture(scope="module")
def profiles(small_store):
    conn = sqlite3.connect(small_store)
    rows = dict(conn.execute("select USER_ID, PROFILE from manager_profiles"))
    conn.close()
    return rows


def test_truth_agrees_with_an_sql_reading_of_the_rules(small_store, truth):
    conn = sqlite3.connect(small_store)
    conn.row_factory = sqlite3.Row
    params = {
        "now": NOW.isoformat(),
        "max_age": (NOW - timedelta(days=90)).isoformat(),
        "stale": (NOW - timedelta(days=14)).isoformat(),
        "today": NOW.replace(hour=0, minute=0).isoformat(),
    }
    sql: dict[int, dict[str, int]] = {}
    for row in conn.execute(SQL_RULES, params):
        counts = dict(zip(row.keys(), row, strict=True))  # sqlite3.Row iterates over values
        owner = counts.pop("owner")
        sql[owner] = counts | {"unprocessed_incoming": 0}
    for row in conn.execute(SQL_INCOMING, params):
        sql.setdefault(row["owner"], dict.fromkeys(RULES, 0))["unprocessed_incoming"] = row[1]
    conn.close()
    assert truth == dict(sorted(sql.items()))


def test_every_rule_finds_something(truth):
    for rule in RULES:
        assert sum(c[rule] for c in truth.values()) >= 3, rule
        assert max(c[rule] for c in truth.values()) >= 2, rule


def test_disciplined_managers_are_clean(truth, profiles):
    disciplined = [uid for uid, p in profiles.items() if p == "disciplined"]
    assert len(disciplined) >= 2
    for uid in disciplined:
        c = truth[uid]
        assert c["active_deals"] >= 3
        assert (
            c["stale_deals"],
            c["no_next_activity"],
            c["overdue_activities"],
            c["unprocessed_incoming"],
        ) == (0, 0, 0, 0)
        assert c["overaged_deals"] <= c["active_deals"] // 3


def test_sloppy_managers_let_deals_rot(truth, profiles):
    sloppy = [truth[uid] for uid, p in profiles.items() if p == "sloppy"]
    for rule in (
        "stale_deals",
        "no_next_activity",
        "overdue_activities",
        "unprocessed_incoming",
        "overaged_deals",
    ):
        assert all(c[rule] > 0 for c in sloppy), rule


def test_dismissed_manager_still_owns_rotting_deals(truth, profiles):
    uid = next(uid for uid, p in profiles.items() if p == "dismissed")
    assert truth[uid]["active_deals"] > 0
    assert truth[uid]["stale_deals"] == truth[uid]["active_deals"]


def test_counts_move_with_as_of(small_store, truth):
    """A week later, with nothing done, more deals are stale and overaged; nothing becomes fresher."""
    later = expected_counts(small_store, NOW + timedelta(days=7))
    for rule in ("stale_deals", "overaged_deals", "overdue_activities", "unprocessed_incoming"):
        assert sum(c[rule] for c in later.values()) > sum(c[rule] for c in truth.values()), rule


def _one(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def test_the_portal_has_every_trap(small_store):
    db = sqlite3.connect(small_store)
    open_ = "STAGE_SEMANTIC_ID = 'P' and IS_RECURRING = 'N'"
    today = NOW.date().isoformat()
    assert _one(db, "select count(*) from deals where IS_RECURRING = 'Y'") >= 2
    assert _one(db, "select count(*) from deals where PROBABILITY is null") > 0
    assert _one(db, "select count(*) from deals where CURRENCY_ID = 'USD'") > 0
    assert _one(db, f"select count(*) from deals where {open_} and CLOSEDATE < ?", today) > 0
    assert (
        _one(db, "select count(*) from deals where CLOSEDATE = date(substr(DATE_CREATE, 1, 10), '+7 days')")
        > 10
    )
    assert (
        _one(db, "select count(*) from deals where STAGE_SEMANTIC_ID = 'F' and UF_CRM_LOSS_REASON is null")
        > 0
    )
    assert (
        _one(
            db, "select count(*) from deals where STAGE_SEMANTIC_ID = 'F' and UF_CRM_LOSS_REASON is not null"
        )
        > 0
    )
    lost_stages = _one(db, "select count(distinct STAGE_ID) from deals where STAGE_SEMANTIC_ID = 'F'")
    assert lost_stages >= 5
    # won and lost deals spread over the last 18 months
    oldest_close = _one(db, "select min(MOVED_TIME) from deals where STAGE_SEMANTIC_ID != 'P'")
    assert oldest_close < (NOW - timedelta(days=450)).isoformat()
    # paid and unpaid invoices; deals sitting at the invoice stage
    assert _one(db, "select count(*) from invoices where STAGE_ID = 'DT31_1:P'") > 0
    assert _one(db, "select count(*) from invoices where STAGE_ID in ('DT31_1:N', 'DT31_1:S')") > 0
    assert _one(db, f"select count(*) from deals where {open_} and STAGE_ID like '%INVOICE%'") > 0
    # missed calls, unanswered emails, open chats; planned and overdue to-dos; to-dos due later today
    for provider in ("VOXIMPLANT_CALL", "CRM_EMAIL", "IMOPENLINES_SESSION"):
        assert (
            _one(
                db,
                "select count(*) from activities where PROVIDER_ID = ? and COMPLETED = 'N' "
                "and IS_INCOMING_CHANNEL = 'Y' and CREATED < ?",
                provider,
                today,
            )
            > 0
        )
    assert (
        _one(
            db,
            "select count(*) from activities where COMPLETED = 'N' and IS_INCOMING_CHANNEL = 'N' "
            "and DEADLINE like ? ",
            today + "%",
        )
        > 0
    )
    # to-dos left open on closed deals: planned, but no rule counts them
    assert (
        _one(
            db,
            "select count(*) from activities a join deals d on d.ID = a.OWNER_ID and a.OWNER_TYPE_ID = 2 "
            "where d.STAGE_SEMANTIC_ID != 'P' and a.COMPLETED = 'N' and a.IS_INCOMING_CHANNEL = 'N'",
        )
        > 0
    )
    # deals touched today beside deals untouched for weeks
    assert _one(db, f"select count(*) from deals where {open_} and LAST_ACTIVITY_TIME >= ?", today) > 0
    assert (
        _one(
            db,
            f"select count(*) from deals where {open_} and LAST_ACTIVITY_TIME < ?",
            (NOW - timedelta(days=30)).isoformat(),
        )
        > 0
    )
    db.close()


def test_summary(small_store):
    s = summary(small_store)
    assert 300 <= s["deals"] <= 500 and s["recurring_templates"] == 2
    assert s["deals"] == s["open_deals"] + s["won_deals"] + s["lost_deals"]
    assert s["activities"] > 4 * s["deals"]
    assert s["managers_by_profile"]["dismissed"] == 1 and sum(s["managers_by_profile"].values()) >= 11


def test_expected_items_are_what_the_counts_count(small_store, truth):
    from connectors.sandbox.truth import expected_items

    items = expected_items(small_store, NOW)
    for rule in RULES:
        assert len(items[rule]) == sum(c[rule] for c in truth.values()), rule
    db = sqlite3.connect(small_store)
    today = NOW.replace(hour=0, minute=0).isoformat()
    for act_id, deal_id in items["overdue_activities"]:
        deadline, completed = db.execute(
            "select DEADLINE, COMPLETED from activities where ID = ?", (act_id,)
        ).fetchone()
        assert deadline < today and completed == "N"
        assert db.execute("select STAGE_SEMANTIC_ID from deals where ID = ?", (deal_id,)).fetchone()[0] == "P"
    assert items["stale_deals"] <= items["active_deals"] and items["overaged_deals"] <= items["active_deals"]
    db.close()


def test_proposals_and_meetings_with_and_without_a_call_after(small_store, profiles):
    """Issue 14: the follow-up rules have cases on both sides: proposals («Подготовка КП») and completed
    meetings whose window ended, some followed by a touch, some not; careless managers miss more."""
    from connectors.sandbox.truth import expected_items

    items = expected_items(small_store, NOW)
    for rule in ("proposal", "meeting"):
        assert any(r == rule for r, _ in items["missed_followups"]), rule
        assert any(r == rule for r, _ in items["followups_done"]), rule
    db = sqlite3.connect(small_store)
    owner = dict(db.execute("select ID, ASSIGNED_BY_ID from deals"))
    db.close()

    def missed_share(profile: str) -> float:
        judged = [(kind, d) for kind in ("missed_followups", "followups_done") for _, d in items[kind]
                  if profiles.get(owner[d]) == profile]
        return sum(kind == "missed_followups" for kind, _ in judged) / max(1, len(judged))

    assert missed_share("sloppy") > missed_share("disciplined")


def test_closes_and_edits_do_not_pile_up_at_now(small_store):
    # A close or a later edit is drawn after the record's creation; a draw past the portal's now used to be
    # clamped to (a minute before) now: in this store 12 deals closed at 11:29:00 and 4 leads were edited at
    # 11:30:00 (2,581 deals and 2,631 leads of the large store in one minute), and a first sync soon after
    # generating fetched them all again through its watermark's overlap. A draw past now is now a moment
    # between the creation and now, so no moment holds more than two of either.
    db = sqlite3.connect(small_store)
    closes = db.execute(
        "select MOVED_TIME, count(*) from deals where STAGE_SEMANTIC_ID in ('S', 'F') "
        "group by MOVED_TIME order by 2 desc limit 1"
    ).fetchone()
    edits = db.execute(
        "select DATE_MODIFY, count(*) from leads group by DATE_MODIFY order by 2 desc limit 1"
    ).fetchone()
    late = db.execute("select count(*) from deals where MOVED_TIME > ? or DATE_MODIFY > ?",
                      (NOW.isoformat(), NOW.isoformat())).fetchone()[0]
    closed = db.execute("select count(*) from deals where STAGE_SEMANTIC_ID in ('S', 'F')").fetchone()[0]
    db.close()
    assert closed > 100
    assert closes[1] <= 2 and edits[1] <= 2, (closes, edits)
    assert late == 0  # nothing closed or edited after now


@pytest.mark.parametrize("days_later", range(7))
def test_a_missed_proposal_call_whatever_the_day(store_dir, days_later):
    # The stores the tests sync are built for the day they run on, and the small one holds only 7-13 open
    # deals in the proposal stage: left to the draws, none missed its call on 29 Nov or 2 Dec 2026 and the
    # sandbox truth test lost its proposal case. The first such deal of a careless manager misses it always.
    from connectors.sandbox.store import build_store
    from connectors.sandbox.truth import expected_items

    now = NOW + timedelta(days=days_later, hours=3 * days_later, minutes=7 * days_later)
    path = build_store(store_dir / f"small-{days_later}.sqlite", "small", SEED, now)
    assert any(rule == "proposal" for rule, _ in expected_items(path, now)["missed_followups"])
