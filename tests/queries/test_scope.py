"""Who sees what (issue 9, CONTRACT-9 §2): roles from the snapshot and [access], $viewer_id in every metric,
the scope equivalences on the hand-built fixture, exact rows per role, ScopeError and ViewerError.

The fixture's org chart (tests/queries/fixture_db.py): department 10 "Sales" (head: 1 Anna) with the
sub-department 11 "Sales East" (head: 2 Boris); users 1 Anna (dept 10), 2 Boris (dept 11), 3 Viktor
(dept 11, dismissed), 4 Galina (dept 10). So Anna heads the top department and sees 1-4, Boris heads a
sub-department and sees himself and Viktor (2, 3), Galina is a plain manager.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from queries import (
    Access,
    Rules,
    ScopeError,
    Viewer,
    ViewerError,
    list_metrics,
    run_metric,
    viewer_for,
    visible_manager_ids,
)
from queries.audit import list_exports, record_export
from tests.queries.fixture_db import AS_OF, EXPECTED_SCORECARD

ADMIN_4 = Rules(access=Access(admins=(4,)))  # Galina as a configured admin
BORIS_MANAGER = Rules(access=Access(managers=(2,)))  # Boris demoted to a plain manager despite UF_HEAD
FILTER_LISTS = {"managers", "departments"}  # list only what the viewer may see: checked on their own below
ADMIN_ONLY = {"rejected_records"}
DEFAULT = Rules()


def run(db, name: str, rules: Rules = DEFAULT, **kw) -> pd.DataFrame:
    return run_metric(name, db, as_of=AS_OF, rules=rules, **kw)


# --- roles -------------------------------------------------------------------------------------------------

def test_roles_from_the_snapshot(fixture_db):
    assert viewer_for(fixture_db, 1, Rules()) == Viewer(1, "Anna Ivanova", "head", True, (10,))
    assert viewer_for(fixture_db, 2, Rules()) == Viewer(2, "Boris Petrov", "head", True, (11,))
    assert viewer_for(fixture_db, 4, Rules()) == Viewer(4, "Galina Orlova", "manager", False, ())


def test_roles_from_access_overrides(fixture_db):
    assert viewer_for(fixture_db, 4, ADMIN_4).role == "admin"
    assert viewer_for(fixture_db, 2, BORIS_MANAGER) == Viewer(2, "Boris Petrov", "manager", False, ())
    head = viewer_for(fixture_db, 4, Rules(access=Access(heads={4: (11,)})))
    assert (head.role, head.headed_department_ids, head.can_export) == ("head", (11,), True)
    assert viewer_for(fixture_db, 2, Rules(access=Access(no_export=(2,)))).can_export is False
    assert viewer_for(fixture_db, 4, Rules(access=Access(export=(4,)))).can_export is True
    assert viewer_for(fixture_db, 4, Rules(access=Access(admins=(4,), no_export=(4,)))).can_export is True


def test_webhook_owner_is_admin(fixture_db, tmp_path):
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    con = duckdb.connect(str(db))
    con.execute("insert into meta values ('webhook_user_id', '4')")
    con.close()
    assert viewer_for(db, 4, Rules()).role == "admin"
    assert viewer_for(db, 2, Rules()).role == "head"


def test_viewer_errors_are_one_line(fixture_db):
    with pytest.raises(ViewerError, match=r"^user 99 is not in the snapshot$"):
        viewer_for(fixture_db, 99, Rules())
    with pytest.raises(ViewerError, match=r"^user 3 is dismissed$"):
        viewer_for(fixture_db, 3, Rules())


def test_visible_managers(fixture_db):
    assert visible_manager_ids(fixture_db, viewer_for(fixture_db, 4, ADMIN_4)) is None
    assert visible_manager_ids(fixture_db, viewer_for(fixture_db, 1, Rules())) == {1, 2, 3, 4}
    assert visible_manager_ids(fixture_db, viewer_for(fixture_db, 2, Rules())) == {2, 3}
    assert visible_manager_ids(fixture_db, viewer_for(fixture_db, 2, BORIS_MANAGER)) == {2}
    assert visible_manager_ids(fixture_db, None) is None


# --- every metric ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("info", list_metrics(), ids=lambda m: m.name)
def test_every_metric_binds_the_viewer(info):
    assert "viewer_id" in info.params


@pytest.mark.parametrize("name", [m.name for m in list_metrics()])
def test_every_metric_keeps_the_scope_equivalences(fixture_db, name):
    """viewer = admin == no viewer; viewer = head of D == department_id = D; viewer = manager M ==
    manager_id = M (CONTRACT-9 §2), for every metric (a new one that forgets the scope fails here)."""
    operator = run(fixture_db, name)
    pd.testing.assert_frame_equal(run(fixture_db, name, ADMIN_4, viewer=viewer_for(fixture_db, 4, ADMIN_4)),
                                  operator)
    if name in FILTER_LISTS:
        return
    cases = [(viewer_for(fixture_db, 1, Rules()), Rules(), {"department_id": 10}),
             (viewer_for(fixture_db, 2, Rules()), Rules(), {"department_id": 11}),
             (viewer_for(fixture_db, 2, BORIS_MANAGER), BORIS_MANAGER, {"manager_id": 2})]
    for viewer, rules, filters in cases:
        if name in ADMIN_ONLY:
            with pytest.raises(ScopeError):
                run(fixture_db, name, rules, viewer=viewer)
            continue
        pd.testing.assert_frame_equal(run(fixture_db, name, rules, viewer=viewer),
                                      run(fixture_db, name, rules, **filters))


def test_the_team_trend_of_a_head_is_their_departments(fixture_history_db):
    """trend_team over recorded days (19 and 20 Nov): Boris heads Sales East (Boris, Viktor): his team's
    stale deals are Viktor's 2 (D301, D108) each day, Boris has none; Anna's team (all three) adds her own
    1 on 19 Nov and 2 on 20 Nov (fixture_db.py); Boris as a plain manager sees his own 0."""
    def stale(viewer_id: int, rules: Rules = DEFAULT) -> list[int]:
        viewer = viewer_for(fixture_history_db, viewer_id, rules)
        return run(fixture_history_db, "trend_team", rules, viewer=viewer)["stale_deals"].tolist()

    assert stale(2) == [2, 2]
    assert stale(1) == [3, 4]
    assert stale(2, BORIS_MANAGER) == [0, 0]
    for name in ("trend", "trend_team"):  # the equivalences above, with recorded days to compare
        for viewer_id, rules, filters in ((2, DEFAULT, {"department_id": 11}),
                                          (2, BORIS_MANAGER, {"manager_id": 2})):
            pd.testing.assert_frame_equal(
                run(fixture_history_db, name, rules, viewer=viewer_for(fixture_history_db, viewer_id, rules)),
                run(fixture_history_db, name, rules, **filters))


# --- exact rows per role -----------------------------------------------------------------------------------

def test_scorecard_rows_per_role(fixture_db):
    # EXPECTED_SCORECARD is worked out by hand deal by deal in fixture_db.py: admin = all three managers,
    # the head of Sales East (2) = Boris and Viktor (both in dept 11), Boris as a manager = his row only
    def rows(rules, user):
        card = run(fixture_db, "scorecard", rules, viewer=viewer_for(fixture_db, user, rules))
        return [tuple(r) for r in card[["manager_id", "active_deals", "stale_deals"]].itertuples(index=False)]

    expected = {r[0]: (r[0], r[2], r[5]) for r in EXPECTED_SCORECARD}
    assert rows(ADMIN_4, 4) == [expected[1], expected[2], expected[3]]
    assert rows(Rules(), 2) == [expected[2], expected[3]] == [(2, 2, 0), (3, 2, 2)]
    assert rows(BORIS_MANAGER, 2) == [(2, 2, 0)]


def test_stale_deals_per_role(fixture_db):
    # stale (fixture_db.py comments): Anna's D101 (never touched, 111 days) and D104 (last touch 14 d + 1 min
    # ago), Viktor's D301 (last touch 1 Nov) and D108 (never touched, 17 days); Boris has none
    def deals(rules, user):
        viewer = viewer_for(fixture_db, user, rules)
        return sorted(run(fixture_db, "stale_deals", rules, viewer=viewer)["deal_id"])

    assert deals(ADMIN_4, 4) == [101, 104, 108, 301]
    assert deals(Rules(), 2) == [108, 301]
    assert deals(BORIS_MANAGER, 2) == []


def test_team_line_is_over_the_viewers_scope(fixture_db):
    # the head of Sales East: Boris's and Viktor's scorecard rows summed by hand (EXPECTED_SCORECARD):
    # active 2 + 2, overaged 1 + 0, stale 0 + 2, no next 1 + 1, unprocessed 3 + 0, invoice 0 + 1, won 1 + 0
    # (180000), lost 2 + 1; win rate 1 / (1 + 3)
    team = run(fixture_db, "scorecard_team", viewer=viewer_for(fixture_db, 2, Rules())).iloc[0]
    got = team[["managers", "active_deals", "overaged_deals", "stale_deals", "no_next_activity",
                "unprocessed_incoming", "invoice_stuck", "won_deals", "won_amount", "lost_deals"]].tolist()
    assert got == [2, 4, 1, 2, 2, 3, 1, 1, 180000.0, 3]
    assert team["win_rate"] == pytest.approx(0.25)


def test_filter_lists_per_role(fixture_db):
    def ids(name, column, rules, user):
        return sorted(run(fixture_db, name, rules, viewer=viewer_for(fixture_db, user, rules))[column])

    # managers: owners of open deals (1, 2, 3; Galina owns only a closed deal)
    assert ids("managers", "manager_id", ADMIN_4, 4) == [1, 2, 3]
    assert ids("managers", "manager_id", Rules(), 1) == [1, 2, 3]
    assert ids("managers", "manager_id", Rules(), 2) == [2, 3]
    assert ids("managers", "manager_id", BORIS_MANAGER, 2) == [2]
    assert ids("departments", "department_id", ADMIN_4, 4) == [10, 11]
    assert ids("departments", "department_id", Rules(), 1) == [10, 11]  # the top department and below
    assert ids("departments", "department_id", Rules(), 2) == [11]
    assert ids("departments", "department_id", BORIS_MANAGER, 2) == []
    assert ids("pipelines", "pipeline_id", BORIS_MANAGER, 2) == [0, 3]  # pipelines belong to nobody


# --- refusals ----------------------------------------------------------------------------------------------

def test_filters_outside_the_scope_are_refused(fixture_db):
    boris = viewer_for(fixture_db, 2, Rules())
    with pytest.raises(ScopeError, match=r"^user 2 may not see manager 1$"):
        run(fixture_db, "stale_deals", viewer=boris, manager_id=1)
    with pytest.raises(ScopeError, match=r"^user 2 may not see department 10$"):  # above his own
        run(fixture_db, "scorecard", viewer=boris, department_id=10)
    assert sorted(run(fixture_db, "stale_deals", viewer=boris, manager_id=3)["deal_id"]) == [108, 301]
    manager = viewer_for(fixture_db, 2, BORIS_MANAGER)
    with pytest.raises(ScopeError):
        run(fixture_db, "backlog", BORIS_MANAGER, viewer=manager, department_id=11)
    with pytest.raises(ScopeError, match="admins only"):
        run(fixture_db, "rejected_records", viewer=boris)
    assert len(run(fixture_db, "rejected_records", ADMIN_4, viewer=viewer_for(fixture_db, 4, ADMIN_4))) == 3


def test_an_unfilled_viewer_id_sees_nothing(fixture_db):
    # the SQL's second lock: a $viewer_id the runner did not resolve matches no row of the scope tables
    ghost = Viewer(77, "Ghost", "manager", False)
    stale = run(fixture_db, "stale_deals", viewer=ghost)
    assert len(stale) == 0  # the runner filled 77's own row only: 77 owns no deals
    assert len(run(fixture_db, "pipelines", viewer=ghost)) == 2


# --- the export audit --------------------------------------------------------------------------------------

def test_export_audit(fixture_db, tmp_path):
    from datetime import UTC, datetime

    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    boris = viewer_for(db, 2, Rules())
    record_export(db, boris, "stale_deals", "csv", 2, "manager=3",
                  now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    record_export(db, None, "scorecard", "xlsx", 3, now=datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    audit = list_exports(db, viewer_for(db, 4, ADMIN_4))
    assert list(audit.columns) == ["at", "user_id", "user_name", "role", "what", "format", "rows", "filters"]
    assert [tuple(r) for r in audit[["user_id", "role", "what", "format", "rows", "filters"]]
            .astype(object).where(audit.notna(), None).itertuples(index=False)] == [
        (None, "operator", "scorecard", "xlsx", 3, ""), (2, "head", "stale_deals", "csv", 2, "manager=3")]
    assert len(list_exports(db, None, limit=1)) == 1
    with pytest.raises(ScopeError):
        list_exports(db, boris)

