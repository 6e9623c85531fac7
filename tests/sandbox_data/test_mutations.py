"""Live changes: new deals get ids above every old one, deletions take their activities along."""

from __future__ import annotations

import random
from datetime import timedelta

from connectors.sandbox.mutations import apply_changes
from connectors.sandbox.store import connect

from .conftest import NOW

LATER = NOW + timedelta(hours=2)


def _max(conn, table):
    return conn.execute(f"select max(ID) from {table}").fetchone()[0]


def test_changes_of_every_kind(small_copy):
    conn = connect(small_copy)
    before_deal, before_act = _max(conn, "deals"), _max(conn, "activities")
    changes = apply_changes(conn, random.Random(1), 60, LATER)
    kinds = {(c.kind, c.entity) for c in changes}
    assert {("add", "deal"), ("update", "deal"), ("update", "activity"), ("delete", "deal")} <= kinds
    stamp = LATER.isoformat()
    # a deal added early in the batch may be picked by a later update, which moves its stage
    updated = {c.id for c in changes if c.kind == "update" and c.entity == "deal"}
    for c in changes:
        if c.kind == "add" and c.entity == "deal":
            assert c.id > before_deal
            row = conn.execute("select DATE_CREATE, STAGE_ID from deals where ID = ?", (c.id,)).fetchone()
            history = conn.execute(
                "select TYPE_ID from stage_history where OWNER_ID = ? and ENTITY_TYPE_ID = 2 order by ID",
                (c.id,),
            ).fetchall()
            assert row["DATE_CREATE"] == stamp and [h[0] for h in history][:1] == [1]  # created first
            if c.id not in updated:
                assert row["STAGE_ID"] == "NEW" and [h[0] for h in history] == [1]
        if c.kind == "add" and c.entity == "activity":
            assert c.id > before_act
            assert conn.execute(
                "select count(*) from activity_bindings where ACTIVITY_ID = ?", (c.id,)
            ).fetchone()[0]
        if (
            c.kind == "update"
            and c.entity == "deal"
            and conn.execute("select 1 from deals where ID = ?", (c.id,)).fetchone()
        ):
            assert conn.execute("select DATE_MODIFY from deals where ID = ?", (c.id,)).fetchone()[0] == stamp
        if (
            c.kind == "update"
            and c.entity == "activity"
            and conn.execute("select 1 from activities where ID = ?", (c.id,)).fetchone()
        ):
            row = conn.execute(
                "select COMPLETED, LAST_UPDATED from activities where ID = ?", (c.id,)
            ).fetchone()
            assert tuple(row) == ("Y", stamp)
    conn.close()


def test_deleting_a_deal_removes_its_activities_bindings_and_history(small_copy):
    conn = connect(small_copy)
    changes = apply_changes(conn, random.Random(2), 80, LATER)
    deleted = {c.id for c in changes if c.kind == "delete" and c.entity == "deal"}
    assert deleted
    for deal_id in deleted:
        assert conn.execute("select count(*) from deals where ID = ?", (deal_id,)).fetchone()[0] == 0
        assert (
            conn.execute(
                "select count(*) from activity_bindings where OWNER_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "select count(*) from activities where OWNER_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "select count(*) from stage_history where ENTITY_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
            ).fetchone()[0]
            == 0
        )
    gone = {c.id for c in changes if c.kind == "delete" and c.entity == "activity"}
    assert (
        gone
        and conn.execute(
            f"select count(*) from activity_bindings where ACTIVITY_ID in ({','.join(map(str, gone))})"
        ).fetchone()[0]
        == 0
    )
    # every remaining binding still points at something
    orphans = conn.execute(
        "select count(*) from activity_bindings b where b.OWNER_TYPE_ID = 2 "
        "and not exists (select 1 from deals d where d.ID = b.OWNER_ID)"
    ).fetchone()[0]
    assert orphans == 0
    conn.close()


def test_ids_keep_growing_after_deleting_the_newest_deal(small_copy):
    conn = connect(small_copy)
    rng = random.Random(3)
    apply_changes(conn, rng, 5, LATER)
    top = _max(conn, "deals")
    conn.execute("delete from deals where ID = ?", (top,))
    conn.commit()
    added = [c.id for c in apply_changes(conn, rng, 40, LATER) if c.kind == "add" and c.entity == "deal"]
    assert added and min(added) > top
    counter = conn.execute("select VALUE from meta where KEY = 'next_deal_id'").fetchone()[0]
    assert int(counter) == max(added) + 1
    conn.close()


def test_same_rng_same_changes(small_store, tmp_path):
    import shutil

    results = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copy(small_store, path)
        conn = connect(path)
        results.append(apply_changes(conn, random.Random(9), 30, LATER))
        conn.close()
    assert results[0] == results[1]


def test_a_reader_sees_all_or_nothing(small_copy):
    reader = connect(small_copy)
    writer = connect(small_copy)
    reader.execute("begin")
    before = reader.execute("select count(*) from deals").fetchone()[0]
    changes = apply_changes(writer, random.Random(4), 50, LATER)
    # the reader's snapshot does not move while it reads
    assert reader.execute("select count(*) from deals").fetchone()[0] == before
    reader.execute("commit")
    added = sum(c.kind == "add" and c.entity == "deal" for c in changes)
    deleted = sum(c.kind == "delete" and c.entity == "deal" for c in changes)
    assert reader.execute("select count(*) from deals").fetchone()[0] == before + added - deleted
    reader.close()
    writer.close()
