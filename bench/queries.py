# ruff: noqa: E501  (the synthetic-data SQL reads better unwrapped)
"""Benchmark: every metric at 100k deals / 2M activities and at 1M deals / 20M activities; prints both.

    python -m bench.queries                       # synthetic 100k and 1M snapshots (built once, kept in data/bench/)
    python -m bench.queries --db PATH             # a synced snapshot (the large sandbox) as the 100k column
    python -m bench.queries --large-deals 0       # only the 100k column
    python -m bench.queries --large-deals 300000  # a smaller second size, for a loaded box

Goals on 2 cores: every metric for the whole team under 100 ms at 100k, under 300 ms at 1M (the scorecard
too). Each figure is the median of `--repeat` runs of `run_metric(..., keep=True)` (a kept read-only
session: the context set-up for this moment and the query, as the dashboard pays it) after one warm-up run,
and the best run (the cost without the other processes' noise). "pages" times each dashboard page's metric
calls on its first render with no filter, as the page asks them (dashboard/page_calls.py, which the pages
prefetch: a long list's head and count, My backlog for the manager with most open deals), through
`run_metrics` (one connection and one set-up for all of them) against the sum of one `run_metric` per call. For each list of
10,000 rows or more over its goal, "long lists" prints beside its time the time to read its finished rows
back in its order (`read_back`): the part of the list's time that no query logic can remove.

The synthetic snapshot follows the data contract (snapshot/schema.py) with deterministic
pseudo-random values from hash(): 120 managers in 6 departments (5 dismissed), 3 pipelines, 2 currencies,
about 40% of deals open, 1-3 stage-history rows per deal, 20 activities a deal (a tenth incoming, a fifth
planned, some with the 9999 deadline), one binding per activity plus 5% bound to a second deal, 30 days of
deal_snapshots; then what the scheduled job does after a sync (the stored layer, a week of scorecard
history), for AS_OF.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from snapshot.schema import SCHEMA_VERSION, TABLES, ddl

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO / "data" / "bench" / "queries-synthetic-100k.duckdb"
LARGE_DEALS = 1_000_000
ACTIVITIES_PER_DEAL = 20
AS_OF = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

STAGES = [  # (status_id, category, name, sort, semantics)
    ("NEW", 0, "New", 10, "P"), ("PREPARATION", 0, "Proposal", 20, "P"),
    ("PREPAYMENT_INVOICE", 0, "Выставлен счёт", 30, "P"), ("EXECUTING", 0, "In progress", 40, "P"),
    ("WON", 0, "Won", 50, "S"), ("LOSE", 0, "Deal failed", 60, "F"), ("APOLOGY", 0, "Клиент не отвечает", 70, "F"),
    ("C1:NEW", 1, "New", 10, "P"), ("C1:INVOICE", 1, "Invoice", 20, "P"), ("C1:WON", 1, "Won", 30, "S"),
    ("C1:LOSE", 1, "Отказ", 40, "F"),
    ("C2:NEW", 2, "New", 10, "P"), ("C2:WORK", 2, "Work", 20, "P"), ("C2:WON", 2, "Won", 30, "S"),
    ("C2:LOSE", 2, "Дубль", 40, "F"),
]


def build_synthetic(path: Path, deals: int = 100_000, activities: int = 2_000_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    for table in TABLES:
        con.execute(ddl(table))
    con.execute("set TimeZone = 'UTC'")
    con.execute("""
        insert into meta values ('schema_version', $v), ('portal_url', 'https://bench.bitrix24.ru'),
            ('portal_utc_offset', '+03:00'), ('base_currency', 'RUB'), ('last_sync_run_id', '1')
    """, {"v": str(SCHEMA_VERSION)})
    con.execute("""insert into sync_runs (id, started_at, finished_at, mode, status, portal)
                   values (1, $t, $t, 'full', 'ok', 'bench.bitrix24.ru')""", {"t": AS_OF})
    con.execute("insert into currencies values ('RUB', 1, 1, true, 10, 'Ruble'), ('USD', 100, 9000, false, 20, 'Dollar')")
    con.execute("""insert into departments select i, 'Dept ' || i, i, case when i > 1 then 1 end, null
                   from range(1, 7) t(i)""")
    con.execute("""insert into users (id, active, name, last_name, uf_department)
                   select i, i % 24 <> 0, 'Manager', 'No' || i, [1 + i % 6] from range(1, 121) t(i)""")
    con.execute("""insert into pipelines values (2, 0, 'General', 10, true), (2, 1, 'Projects', 20, false),
                   (2, 2, 'Service', 30, false)""")
    for i, (sid, cat, name, sort, sem) in enumerate(STAGES):
        entity = "DEAL_STAGE" if cat == 0 else f"DEAL_STAGE_{cat}"
        con.execute("insert into stages (id, entity_id, entity_type_id, category_id, status_id, name, sort, semantics) "
                    "values (?, ?, 2, ?, ?, ?, ?, ?)", [i + 1, entity, cat, sid, name, sort, sem])
    con.execute("create temp table st as select * from stages")
    # deals: open ~40%, won ~25%, lost ~35%; created over the last 400 days
    con.execute(f"""
        insert into deals (id, title, category_id, stage_id, stage_semantic_id, is_recurring, probability,
            currency_id, opportunity, closedate, closed, assigned_by_id, date_create, moved_time)
        with base as (
            select i as id, hash(i) as h, i % 3 as cat from range(1, {deals} + 1) t(i)
        ),
        pick as (
            select *, case when h % 100 < 40 then 'P' when h % 100 < 65 then 'S' else 'F' end as sem,
                   $as_of - to_minutes(cast((h >> 8) % (400 * 1440) as bigint)) as created
            from base
        )
        select p.id, 'Deal ' || p.id, p.cat,
            (select status_id from st where st.category_id = p.cat and st.semantics = p.sem
             order by hash(st.status_id, p.id) limit 1),
            p.sem, p.h % 500 = 0, case when p.h % 7 = 0 then cast(10 + p.h % 80 as integer) end,
            case when p.h % 10 = 0 then 'USD' else 'RUB' end, cast(1000 + (p.h >> 20) % 500000 as decimal(18, 2)),
            cast(p.created + to_days(cast(7 + (p.h >> 4) % 90 as integer)) as date), p.sem <> 'P',
            1 + (p.h >> 12) % 120, p.created,
            p.created + to_minutes(cast(((p.h >> 24) % 1440) * least(1, epoch($as_of - p.created) / 86400 / 1440)
                                        as bigint))
        from pick as p
    """, {"as_of": AS_OF})
    # stage history: created, one intermediate, the final move for closed deals
    con.execute("""
        insert into stage_history
        select row_number() over () as id, * from (
            select 1, id, date_create, category_id, 'P',
                   (select status_id from st where st.category_id = d.category_id order by sort limit 1)
            from deals d
            union all
            select 2, id, date_create + (moved_time - date_create) / 2, category_id, 'P',
                   (select status_id from st where st.category_id = d.category_id and st.semantics = 'P'
                    order by sort desc limit 1)
            from deals d where hash(id) % 2 = 0
            union all
            select 3, id, moved_time, category_id, stage_semantic_id, stage_id from deals d where closed
        )
    """)
    # activities: spread over the deal's life; types by hash
    con.execute(f"""
        insert into activities (id, owner_type_id, owner_id, type_id, direction, completed, subject, start_time,
            end_time, deadline, created, last_updated, responsible_id, is_incoming_channel)
        with base as (
            select i as id, hash(i * 7919) as h, 1 + hash(i) % {deals} as deal_id from range(1, {activities} + 1) t(i)
        ),
        timed as (
            select b.*, d.date_create, $as_of - to_minutes(cast(b.h % (60 * 1440) as bigint)) as act_at,
                   b.h % 100 as kind
            from base b join deals d on d.id = b.deal_id
        )
        select id, 2, deal_id, case when kind < 10 then 2 when kind < 30 then 6 else 2 end,
            case when kind < 10 then 1 else 2 end,
            not (kind < 10 and h % 20 = 0) and not (kind between 10 and 29),
            'Activity ' || id, greatest(act_at, date_create), greatest(act_at, date_create) + interval 5 minute,
            case when kind between 10 and 27 then $as_of + to_hours(cast(h % (20 * 24) as bigint) - 5 * 24) end,
            greatest(act_at, date_create), greatest(act_at, date_create) + interval 5 minute, 1, kind < 10
        from timed
    """, {"as_of": AS_OF})
    con.execute(f"""
        insert into activity_bindings
        select id, owner_id from activities
        union all
        select id, 1 + hash(id, 2) % {deals} from activities where hash(id) % 20 = 0
    """)
    con.execute("""
        insert into deal_snapshots (snapshot_date, id, stage_id, category_id, assigned_by_id, opportunity,
                                    currency_id, closedate)
        select cast(timezone('GMT+03:00', $as_of::timestamptz) as date) - cast(k as integer), id, stage_id, category_id, assigned_by_id,
               opportunity, currency_id, closedate - cast(case when hash(id, k) % 10 = 0 then k else 0 end as integer)
        from deals, range(0, 30) t(k)
        where stage_semantic_id = 'P'
    """, {"as_of": AS_OF})
    # what the scheduled job does after each sync: a week of scorecard history, the stored layer for AS_OF
    from queries import Rules
    from queries.history import record_scorecard

    for days_back in range(6, -1, -1):
        record_scorecard(con, AS_OF - timedelta(days=days_back), Rules(), refresh=days_back == 0)
    con.close()
    tmp.replace(path)
    return path


def size_label(deals: int) -> str:
    return f"{deals / 1e6:g}M" if deals >= 1_000_000 else f"{deals // 1000}k"


def synthetic_path(deals: int) -> Path:
    return DEFAULT_DB if deals == 100_000 else DEFAULT_DB.with_name(f"queries-synthetic-{deals // 1000}k.duckdb")


def ensure_synthetic(deals: int, rebuild: bool = False) -> Path:
    """The synthetic snapshot of `deals` deals, built once (nice it on a shared machine: 1M takes minutes)."""
    path = synthetic_path(deals)
    if rebuild or not path.exists():
        start = time.perf_counter()
        build_synthetic(path, deals=deals, activities=ACTIVITIES_PER_DEAL * deals)
        print(f"built {path.name} in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return path


# what a sync writes with the portal's clock: the newest of these is the portal's moment at the sync's end
NEWEST_RECORD = ("deals.date_modify", "activities.last_updated", "entity_activities.last_updated",
                 "leads.date_modify", "stage_history.created_time")


def synced_as_of(db: Path, now: datetime | None = None) -> datetime | None:
    """The moment to read a synced snapshot at: now (None), as users read it, unless its newest record is
    dated later. bench.connector runs the sandbox's clock 20x faster, so right after its sync the changes it
    made are up to an hour ahead of the real clock; read as of now, they would count as written after T and
    the metrics would time the as-of-past path instead (the lead lists 30-90% slower, 29 Nov). Then the
    newest record's moment: where the portal's clock had got to."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        newest = con.execute("select greatest(" + ", ".join(
            f"(select max({column.split('.')[1]}) from {column.split('.')[0]})" for column in NEWEST_RECORD)
            + ")").fetchone()[0]
    finally:
        con.close()
    return newest if newest is not None and newest > (now or datetime.now(UTC)) else None


def ensure_stored_layer(db: Path, as_of: datetime) -> None:
    """What the job does after each sync, when the stored layer is missing or of an older version."""
    from queries import Rules, derived
    from queries.history import record_scorecard

    con = duckdb.connect(str(db))
    try:
        if not derived.is_fresh(con):
            start = time.perf_counter()
            record_scorecard(con, as_of, Rules())
            print(f"{db.name}: stored layer and scorecard_history built in {time.perf_counter() - start:.0f} s",
                  file=sys.stderr)
    finally:
        con.close()


def _time(fn, repeat: int) -> tuple[float, float]:
    """(median, best) in ms; the best run shows the cost without other processes' noise."""
    fn()  # warm-up (OS cache, imports)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, min(samples) * 1000


Figures = dict[str, tuple[float, float, int]]  # metric -> (median ms, best ms, rows)
LONG_LIST = 10_000  # rows: a list over its goal this long gets its read-back time printed


def measure_metrics(db: Path, as_of: datetime | None, repeat: int, goal: float) -> tuple[Figures, dict[str, float]]:
    """Every metric's figures, and for each long list over the goal the time to read its rows back."""
    from queries import Rules, list_metrics, run_metric

    rules = Rules()
    figures: Figures = {}
    backs: dict[str, float] = {}
    for m in list_metrics():
        rows = run_metric(m.name, db, as_of=as_of, rules=rules, keep=True)
        median, best = _time(lambda m=m: run_metric(m.name, db, as_of=as_of, rules=rules, keep=True), repeat)
        figures[m.name] = (median, best, len(rows))
        if median >= goal and len(rows) >= LONG_LIST:
            backs[m.name] = read_back(rows, repeat)[1]
    return figures, backs


def read_back(rows: pd.DataFrame, repeat: int) -> tuple[pd.DataFrame, float]:
    """A metric's finished rows handed back as the runner does (DuckDB to Arrow to the DataFrame) in the
    metric's order, and the median ms it takes: what any query that returns these rows costs before any of
    its logic. The rows are kept in a table in their order with their position and sorted on it (a list may
    sort inside its query, so its own ORDER BY is not at hand): a sort of rows already in order, a floor on
    the low side, as the figures of the passes before, which sorted on the list's own keys. Where it is near
    the goal, only a narrower list can meet it."""
    from queries.runner import to_frame

    con = duckdb.connect()
    try:
        table = pa.Table.from_pandas(rows, preserve_index=False)
        con.register("metric_rows", table.append_column("read_back_position", pa.array(range(len(rows)),
                                                                                          pa.int64())))
        con.execute("create table finished as select * from metric_rows")
        query = "select * exclude (read_back_position) from finished order by read_back_position"
        last: dict[str, pd.DataFrame] = {}  # the timed runs' frame, so the rows are not read back once more
        ms = _time(lambda: last.update(frame=to_frame(con.sql(query).to_arrow_table())), repeat)[0]
        return last["frame"], ms
    finally:
        con.close()


def busiest_manager(db: Path, as_of: datetime | None) -> int:
    """The manager with the most open deals: My backlog's figure is for the longest list a manager has."""
    from queries import run_metric

    score = run_metric("scorecard", db, as_of=as_of)
    return int(score.sort_values(["active_deals", "manager_id"], ascending=[False, True]).iloc[0]["manager_id"])


def measure_pages(db: Path, as_of: datetime | None, figures: Figures, repeat: int) -> dict[str, tuple[float, float]]:
    """Per page: (median ms of one run_metrics call for all the metric calls of its first render with no
    filter, as dashboard.page_calls lists them and the page asks them: a long list's head and count, My
    backlog for the busiest manager; the sum of their run_metric medians, one call each)."""
    from dashboard.page_calls import first_renders
    from queries import Rules, run_metric
    from queries.runner import run_metrics

    rules = Rules()
    month = (as_of or datetime.now(UTC)).date().replace(day=1)
    out = {}
    for page, calls in first_renders(month, busiest_manager(db, as_of)).items():
        median, _ = _time(lambda calls=calls: run_metrics(calls, db, as_of=as_of, rules=rules, keep=True), repeat)
        alone = sum(figures[name][0] if not params else
                    _time(lambda name=name, params=params: run_metric(name, db, as_of=as_of, rules=rules, keep=True,
                                                                      **params), repeat)[0]
                    for name, params in calls)
        out[page] = (median, alone)
    return out


def _sizes(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        sizes = {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                 for t in ("deals", "activities", "activity_bindings", "deal_snapshots")}
    finally:
        con.close()
    return "  ".join(f"{k}={v:,}" for k, v in sizes.items())


def _cell(fig: tuple[float, float, int] | None, goal: float) -> str:
    if fig is None:
        return f"{'':>28}"
    median, best, rows = fig
    return f"{median:>8.0f} {best:>6.0f} {rows:>9,} {'ok' if median < goal else 'SLOW':>4}"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU") if Path("/proc/cpuinfo").exists() else "?"
    return (f"{os.cpu_count()} cores ({cpu}), load average {os.getloadavg()[0]:.1f}, duckdb {duckdb.__version__}; "
            f"speed reference: {speed_reference()}")


def speed_reference() -> str:
    """Two fixed pieces of work, timed here, so that figures from two machines can be set side by side: the
    same model name can run at different speeds on a shared host. A Python loop stands for the app's own
    work (drawing, the pandas Styler), a DuckDB aggregate on every core for the metrics."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    python_s = time.perf_counter() - start
    con = duckdb.connect()
    try:
        work = "select sum(hash(i)) from range(100000000) t(i)"
        con.execute(work).fetchall()  # warm-up
        start = time.perf_counter()
        con.execute(work).fetchall()
        duckdb_ms = (time.perf_counter() - start) * 1000
    finally:
        con.close()
    return f"a 10M-step Python loop {python_s:.2f} s, DuckDB hashing 100M numbers {duckdb_ms:,.0f} ms"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.queries")
    p.add_argument("--db", type=Path, help="a synced snapshot for the 100k column (default: the synthetic one)")
    p.add_argument("--large-deals", type=int, default=LARGE_DEALS,
                   help="deals of the second, synthetic snapshot (20 activities each); 0 = none")
    p.add_argument("--rebuild", action="store_true", help="rebuild the synthetic snapshots")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    if args.db is not None and not args.db.exists():
        print(f"error: no database at {args.db}", file=sys.stderr)
        return 2
    # (label, path, as-of moment: the synthetic ones are dated around AS_OF, a synced one is read as of now)
    runs = [("100k synced" if args.db else "100k", args.db or ensure_synthetic(100_000, args.rebuild),
             synced_as_of(args.db) if args.db else AS_OF, 100)]
    if args.large_deals:
        runs.append((size_label(args.large_deals), ensure_synthetic(args.large_deals, args.rebuild), AS_OF, 300))
    figures, read_backs, pages = [], [], []
    for label, db, as_of, goal in runs:
        ensure_stored_layer(db, as_of or datetime.now(UTC))
        print(f"{label}: {db} ({db.stat().st_size / 1e6:,.0f} MB)\n  {_sizes(db)}; as of "
              f"{(as_of or datetime.now(UTC)).isoformat(timespec='seconds')}", flush=True)
        metrics, backs = measure_metrics(db, as_of, args.repeat, goal)
        figures.append(metrics)
        read_backs.append(backs)
        pages.append(measure_pages(db, as_of, figures[-1], args.repeat))
    print(f"machine: {machine()}; ms, median / best of {args.repeat} after a warm-up")
    head = "".join(f" | {label + ' (< ' + str(goal) + ' ms)':^28}" for label, _, _, goal in runs)
    print(f"{'metric':<22}{head}\n{'':<22}" + " | median   best      rows goal" * len(runs))
    for name in figures[0]:
        print(f"{name:<22}" + "".join(f" | {_cell(f.get(name), goal)}" for f, (_, _, _, goal) in
                                      zip(figures, runs, strict=True)))
    for (label, _, _, goal), f in zip(runs, figures, strict=True):
        slow = [n for n, (median, _, _) in f.items() if median >= goal]
        worst = max(f, key=lambda n: f[n][0])
        print(f"{label}: {len(f) - len(slow)} of {len(f)} metrics under {goal} ms; slowest {worst} "
              f"{f[worst][0]:.0f} ms" + (f"; over: {', '.join(slow)}" if slow else ""))
    print("long lists over the goal: the metric / reading its finished rows back in its order, no logic "
          "(from a table in memory, as the runner hands rows over)")
    for (label, _, _, _), f, back in zip(runs, figures, read_backs, strict=True):
        print(f"  {label}: " + (", ".join(f"{name} {f[name][0]:,.0f} / {ms:,.0f} ms ({f[name][2]:,} rows)"
                                          for name, ms in back.items()) or "none"))
    print("pages (a page's metric calls on its first render, no filter, as the page asks them: a long list's head "
          "and count): one run_metrics call / the sum of one run_metric each")
    for (label, _, _, _), pg in zip(runs, pages, strict=True):
        print(f"  {label}: " + ", ".join(f"{page} {batch:.0f} / {alone:.0f} ms"
                                         for page, (batch, alone) in pg.items()))
    print(f"load average now {os.getloadavg()[0]:.1f} (figures from a shared machine are upper bounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
