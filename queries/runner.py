"""Run one metric against a snapshot: the thin layer the dashboard and the CLI share.

Each call takes a read-only session of the snapshot (queries/sessions.py: opened for the call and closed
after it, or with keep=True a kept one, never used by two calls at once), builds the temp context
(queries/context.py; a kept session only what differs) and runs the metric's .sql with bound parameters.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from queries import context, derived, scope, sessions
from queries import leads as leads_layer
from queries.errors import QueryError
from queries.history_table import ensure_history_table
from queries.rules import Rules, load_rules
from queries.scope import Viewer
from queries.sqltext import without_final_order_by
from snapshot.schema import SCHEMA_VERSION

KNOWN_SCHEMA_VERSIONS = {str(SCHEMA_VERSION)}
# duckdb's own DataFrame conversion trips a pandas 3.1 deprecation on every call. A process-wide filter for
# exactly that message (catch_warnings is not thread-safe, and Streamlit runs pages in threads).
warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")
FILTER_PARAMS = ("manager_id", "pipeline_id", "department_id", "viewer_id")
# A metric that binds $head_rows takes a team list's head itself: the runner binds the rows it wants (NULL =
# every row) instead of wrapping the metric in a LIMIT, so the metric can order its narrow keys first and read
# the wide columns of the head's rows alone (close_date_pushes' head at 1M deals: 329 -> 145 ms).
HEAD_PARAM = "head_rows"
# The years a moment may name: the business calendar starts in context.CALENDAR_FROM's year and reaches
# two years past T.
MIN_YEAR, MAX_YEAR = context.CALENDAR_FROM.year, 2200
PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class MetricInfo:
    name: str
    title: str
    description: str
    grain: tuple[str, ...]  # the key columns that make a row unique; () for a one-row metric
    params: tuple[str, ...]
    path: Path
    columns: tuple[str, ...] = ()  # exactly the columns the metric returns, in order (`-- columns:`)


@dataclass(frozen=True)
class SnapshotInfo:
    version: int | None  # last sync_runs id: a cache key that changes with every sync
    last_ok_sync_at: datetime | None
    last_run_status: str | None
    last_error: str | None
    portal_url: str | None
    utc_offset: str | None
    base_currency: str | None
    stored_layer: str = "none"  # queries.derived.state: 'current', 'stale' (metrics computed live) or 'none'


def _parse_header(path: Path) -> MetricInfo:
    """`-- name: title`, then description lines and `grain:` / `params:` / `columns:` / `rule:` fields
    (continued on the following comment lines) up to the first line of SQL."""
    sql = path.read_text(encoding="utf-8")
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    name, _, title = lines[0].partition(":")
    fields: dict[str, list[str]] = {"description": []}
    current = "description"
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep and key in ("grain", "params", "columns", "rule"):
            current = key
            fields[key] = [value.strip()]
        elif line:
            fields[current].append(line)
    text = {k: " ".join(v).strip() for k, v in fields.items()}
    grain = re.search(r"\(([^)]*)\)", text.get("grain", ""))
    return MetricInfo(
        name=name.strip(),
        title=title.strip(),
        description=" ".join(t for t in (text["description"], text.get("rule", "")) if t),
        grain=tuple(c.strip() for c in grain.group(1).split(",")) if grain else (),
        params=_params(sql),
        path=path,
        columns=tuple(c.strip() for c in text.get("columns", "").split(",") if c.strip()),
    )


def _params(sql: str) -> tuple[str, ...]:
    """The $names a metric binds: the filters in FILTER_PARAMS order, then any other in order of use."""
    found = dict.fromkeys(PARAM_RE.findall(_strip_comments(sql)))
    rank = {name: i for i, name in enumerate(FILTER_PARAMS)}
    return tuple(sorted(found, key=lambda name: rank.get(name, len(rank))))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@functools.cache  # the .sql files ship with the code; parse their headers once per process
def _metrics() -> dict[str, MetricInfo]:
    infos = [_parse_header(p) for p in sorted(context.SQL_DIR.glob("*.sql")) if not p.name.startswith("_")]
    return {m.name: m for m in infos}


def metric_info(name: str) -> MetricInfo:
    """One metric's header facts, or QueryError for an unknown name."""
    info = _metrics().get(name)
    if info is None:
        raise QueryError(f"unknown metric {name!r} (python -m queries --list names them)")
    return info


def list_metrics() -> list[MetricInfo]:
    """Every metric with its name, title and description (from the .sql header)."""
    return list(_metrics().values())


def metric_columns(name: str) -> tuple[str, ...]:
    """The columns `name` returns, in order, as its header states them (QueryError for an unknown metric)."""
    return metric_info(name).columns


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a Dozhim snapshot, or QueryError with one clear line.

    Only a DuckDB file is opened, in a DuckDB instance of its own (queries/sessions.py says why), with
    extension autoloading off: DuckDB would otherwise try to download a reader for another format (a SQLite
    file), and Dozhim calls out to nothing but the portal.
    """
    path = Path(db_path)
    con = sessions.open_snapshot(path)
    try:
        read_meta(con, path)
    except QueryError:
        con.close()
        raise
    return con


def read_meta(con: duckdb.DuckDBPyConnection, path: str | Path = "") -> dict[str, str]:
    try:
        meta = dict(con.execute("select key, value from meta").fetchall())
    except duckdb.Error:
        raise QueryError(f"not a Dozhim database (no meta table): {path}") from None
    version = meta.get("schema_version")
    if version not in KNOWN_SCHEMA_VERSIONS:
        raise QueryError(f"unknown schema_version {version!r} in {path} (this build reads "
                         f"{', '.join(sorted(KNOWN_SCHEMA_VERSIONS))})")
    return meta


def as_utc(as_of: datetime | None) -> datetime:
    if as_of is None:
        return datetime.now(UTC)
    return as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)


def prepare(con: duckdb.DuckDBPyConnection, rules: Rules, as_of: datetime, *, pipeline_id: int | None = None,
            period_start: date | None = None, period_end: date | None = None,
            month: date | None = None, needs: str | None = None, meta: dict[str, str] | None = None,
            kept: dict[str, Any] | None = None) -> None:
    """Context and base views on `con` for one run (shared by run_metric and history); with `needs` (the SQL
    about to run) only the base views it reads. meta: the snapshot's meta when already read; kept: the
    set-up a kept session has done (queries.context.setup)."""
    meta = meta if meta is not None else read_meta(con)
    rules = rules.for_pipeline(pipeline_id)
    local_day = context.local_day(con, context.portal_zone(rules, meta), as_of)
    period = context.resolve_period(local_day, month, period_start, period_end)
    scope.create_tables(con)
    context.setup(con, rules, as_of, meta, period, needs=needs, kept=kept)


CUT = "cut"  # DataFrame.attrs key: True when a `limit` left rows out (the metric has more than it returned)
ROWS = "rows"  # DataFrame.attrs key, with a `limit`: how many rows the whole list has


def execute(con: duckdb.DuckDBPyConnection, info: MetricInfo, filters: dict[str, Any],
            limit: int | None = None) -> pd.DataFrame:
    """The metric's rows; with `limit` only its first `limit` rows in its own order (for the team a top-N: a
    page that shows the head of a long list does not sort and carry all of it), attrs[CUT] saying whether
    more exist and attrs[ROWS] how many rows the whole list has."""
    body = info.path.read_text(encoding="utf-8").rstrip().rstrip(";")
    params = {name: filters.get(name) for name in info.params if name != HEAD_PARAM}
    # One manager's list is short: read whole, it is counted as it is cut (running the metric again for its
    # count cost 180 of 490 ms for one manager's backlog at 1M deals). The team's may run to a million rows:
    # one row more than asked tells whether it goes on, and a count apart how long it is.
    whole = limit is None or filters.get("manager_id") is not None
    sql, bound = body, params
    if HEAD_PARAM in info.params:
        bound = {**params, HEAD_PARAM: None if whole else int(limit) + 1}
    elif not whole:
        sql = f"select * from (\n{body}\n) limit {int(limit) + 1}"
    con.complete()  # a set-up statement's result left open would make con.sql refuse to run
    table = con.sql(sql, params=bound).to_arrow_table()
    cut = limit is not None and table.num_rows > limit
    df = to_frame(table.slice(0, limit) if cut else table)
    df.attrs[CUT] = cut
    if limit is not None:  # only a cut team list is counted in SQL: every other list was read to its end
        rows = table.num_rows
        if cut and not whole:
            every = {**params, HEAD_PARAM: None} if HEAD_PARAM in info.params else params
            rows = con.sql(count_sql(body), params=every).fetchall()[0][0]
        df.attrs[ROWS] = rows
    return df


def count_sql(body: str) -> str:
    """`select count(*)` over a metric's rows, its final ORDER BY left out (a sort that changes no count:
    35 ms instead of 200 for a million-row list) unless a LIMIT follows it."""
    return f"select count(*) from (\n{without_final_order_by(body)}\n)"


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The DataFrame DuckDB's own .df() gives (float for DECIMAL, datetime64[us] for DATE, nullable Int /
    boolean where a column has NULLs, str for text), through Arrow: half the time on a list of a million
    rows. A LIST column stays Arrow (pd.ArrowDtype): each cell reads as a Python list, with no per-row
    conversion (215 ms for backlog's `rules` at 1M deals)."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_decimal(kind):
            kind = pa.float64()
        elif pa.types.is_date(kind):
            kind = pa.timestamp("us")
        fields.append(pa.field(field.name, kind))
    table = table.cast(pa.schema(fields))
    lists = [f.name for f in table.schema if pa.types.is_list(f.type)]
    df = table.drop_columns(lists).to_pandas()
    for name in lists:
        df.insert(table.schema.get_field_index(name), name,
                  pd.Series(pd.arrays.ArrowExtensionArray(table.column(name)), index=df.index))
    for field in table.schema:
        column = table.column(field.name)
        if not column.null_count:
            continue
        if pa.types.is_boolean(field.type) or pa.types.is_integer(field.type):
            df[field.name] = _masked(column, field.type)
        elif pa.types.is_string(field.type) and df[field.name].dtype == object:
            df[field.name] = df[field.name].astype("str")  # text NULL on every row: still text
    return df


def _masked(column: pa.ChunkedArray, kind: pa.DataType) -> pd.api.extensions.ExtensionArray:
    """A boolean or integer column with NULLs as pandas' nullable array, built from its values and its NULL
    mask (astype from the object column took 16 of duplicates' 105 ms at 100k, for 150k NULLs)."""
    mask = column.is_null().to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(kind):
        return pd.arrays.BooleanArray(column.fill_null(False).to_numpy(zero_copy_only=False), mask)
    return pd.arrays.IntegerArray(column.fill_null(0).to_numpy(zero_copy_only=False), mask)


def check_dates(**dates: date | None) -> None:
    """QueryError naming the first moment outside the years the business calendar covers (a typo such as
    9999-12 would otherwise overflow deep inside the date arithmetic)."""
    for name, value in dates.items():
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise QueryError(f"{name} {value.isoformat()} is out of range (years {MIN_YEAR}-{MAX_YEAR})")


def check_limit(limit: Any) -> None:
    """QueryError for a row limit that is not a whole number of at least 1."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise QueryError(f"limit {limit!r}: expected a whole number of rows, at least 1")


def check_client(client_type: str | None) -> None:
    """QueryError for a client type other than company / contact."""
    if client_type is not None and client_type not in leads_layer.CLIENT_TYPES:
        raise QueryError(f"client_type {client_type!r}: expected "
                         f"{' or '.join(leads_layer.CLIENT_TYPES)}")


def run_metric(name: str, db_path: str | Path, *, as_of: datetime | None = None, rules: Rules | None = None,
               manager_id: int | None = None, pipeline_id: int | None = None,
               department_id: int | None = None, period_start: date | None = None,
               period_end: date | None = None, month: date | None = None,
               client_type: str | None = None, client_id: int | None = None, search: str | None = None,
               viewer: Viewer | None = None, limit: int | None = None, keep: bool = False) -> pd.DataFrame:
    """One metric as a DataFrame. as_of None = now; filters None = all; viewer None = the operator (sees
    everything). A filter outside the viewer's scope raises ScopeError. client_type / client_id name one
    client (client_card, client_history); search is client_search's text. limit: only the first rows, in
    the metric's order, with attrs["cut"] True when there are more (always set: False without a limit).
    keep: reuse a kept connection and its set-up (queries/sessions.py; for a process that never writes the
    snapshot, such as the dashboard)."""
    params = {"manager_id": manager_id, "pipeline_id": pipeline_id, "department_id": department_id,
              "period_start": period_start, "period_end": period_end, "month": month,
              "client_type": client_type, "client_id": client_id, "search": search, "limit": limit}
    return run_metrics([(name, params)], db_path, as_of=as_of, rules=rules, viewer=viewer, keep=keep)[0]


MetricCall = tuple[str, dict[str, Any]]  # (metric name, run_metric's keyword arguments: month, ...)
PREPARE_KEYS = ("pipeline_id", "period_start", "period_end", "month")  # what the set-up depends on
CALL_KEYS = frozenset({"manager_id", "pipeline_id", "department_id", "client_type", "client_id", "search",
                       "limit", *PREPARE_KEYS})


def run_metrics(calls: list[MetricCall], db_path: str | Path, *, as_of: datetime | None = None,
                rules: Rules | None = None, viewer: Viewer | None = None,
                keep: bool = False) -> list[pd.DataFrame]:
    """Several metrics on one connection, each as run_metric gives it (a page's metrics: one connection and
    one set-up per pipeline / period instead of one per metric). One moment T for all (as_of None = now,
    read once) and one viewer."""
    for name, params in calls:
        metric_info(name)
        unknown = set(params) - CALL_KEYS
        if unknown:
            raise QueryError(f"{name}: unknown parameter {sorted(unknown)[0]!r}")
        check_client(params.get("client_type"))
        check_limit(params.get("limit"))
        check_dates(as_of=as_of, **{k: params.get(k) for k in ("month", "period_start", "period_end")})
    rules = rules if rules is not None else load_rules()
    moment = as_utc(as_of)
    groups: dict[tuple, list[int]] = {}
    for i, (_, params) in enumerate(calls):
        groups.setdefault(tuple(params.get(k) for k in PREPARE_KEYS), []).append(i)
    results: dict[int, pd.DataFrame] = {}
    path = Path(db_path)
    try:
        with sessions.session(path, lambda con: read_meta(con, path), keep) as session:
            for key, indexes in groups.items():
                _prepare_group(session, rules, moment, dict(zip(PREPARE_KEYS, key, strict=True)),
                               [metric_info(calls[i][0]) for i in indexes], viewer)
                for i in indexes:
                    results[i] = _execute_call(session.con, calls[i], viewer)
    except duckdb.Error as exc:
        raise QueryError(f"{calls[0][0]}: {str(exc).splitlines()[0]}") from exc
    return [results[i] for i in range(len(calls))]


def _prepare_group(session: sessions.Session, rules: Rules, moment: datetime, keys: dict[str, Any],
                   infos: list[MetricInfo], viewer: Viewer | None) -> None:
    """The set-up the metrics of one pipeline / period share: the base views all of them read, the history
    table, the lead layer when one reads it, the viewer's scope. What the session has already set up for
    the same rules stays."""
    con, kept = session.con, session.kept
    sql = "\n".join(info.path.read_text(encoding="utf-8") for info in infos)
    leads = leads_layer.uses(sql)
    needs = sql + ("\n" + leads_layer.LEADS_SQL.read_text(encoding="utf-8") if leads else "")
    prepare(con, rules, moment, needs=needs, meta=session.meta, kept=kept, **keys)
    if "scorecard_history" in sql and not kept.get("history"):
        ensure_history_table(con)
        kept["history"] = True
    if leads and kept.get("leads") != rules:
        leads_layer.setup(con, rules)  # _leads.sql: leads and clients (issue 10)
        kept["leads"] = rules
    scope.fill(con, viewer)


def _execute_call(con: duckdb.DuckDBPyConnection, call: MetricCall, viewer: Viewer | None) -> pd.DataFrame:
    name, params = call
    scope.check(con, viewer, name, params.get("manager_id"), params.get("department_id"))
    try:
        return execute(con, metric_info(name), {**params, "viewer_id": scope.bound_id(viewer)},
                       limit=params.get("limit"))
    except duckdb.Error as exc:
        raise QueryError(f"{name}: {str(exc).splitlines()[0]}") from exc


def filter_ids(db_path: str | Path) -> dict[str, set[int]]:
    """The ids a filter can name in this snapshot: users (manager_id), deal pipelines (pipeline_id),
    departments (department_id). The CLI refuses any other id instead of printing an empty "all good"."""
    con = connect(db_path)
    try:
        return {
            "manager_id": {r[0] for r in con.execute("select id from users").fetchall()},
            "pipeline_id": {r[0] for r in con.execute(
                "select id from pipelines where entity_type_id = 2").fetchall()},
            "department_id": {r[0] for r in con.execute("select id from departments").fetchall()},
        }
    except duckdb.Error as exc:
        raise QueryError(f"cannot read users, pipelines or departments in {db_path}: "
                         f"{str(exc).splitlines()[0]}") from None
    finally:
        con.close()


def user_facts(db_path: str | Path, rules: Rules, user_id: int) -> tuple[bool, set[int]]:
    """(whether the user owns any deal, every department they belong to with its ancestors), from the same
    views the metrics read: the CLI refuses a manager filter that selects nobody."""
    con = connect(db_path)
    try:
        prepare(con, rules, as_utc(None))
        owns = con.execute("select count(*) > 0 from d_deal where manager_id = $u",
                           {"u": user_id}).fetchone()[0]
        row = con.execute("select department_ids from d_user where user_id = $u", {"u": user_id}).fetchone()
    except duckdb.Error as exc:
        raise QueryError(f"cannot read users in {db_path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return bool(owns), set(row[0] or []) if row else set()


def snapshot_info(db_path: str | Path) -> SnapshotInfo:
    """Freshness facts about a snapshot: version for caching, last good sync, last error, portal facts."""
    con = connect(db_path)
    try:
        meta = read_meta(con, db_path)
        last = con.execute("select id, status, error from sync_runs order by id desc limit 1").fetchone()
        # timezone('UTC', ...) hands back a naive UTC timestamp (fetching timestamptz needs pytz)
        ok = con.execute(
            "select timezone('UTC', max(finished_at)) from sync_runs where status = 'ok'"
        ).fetchone()[0]
        layer = derived.state(con)
    except duckdb.Error as exc:
        raise QueryError(f"cannot read sync_runs in {db_path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return SnapshotInfo(
        version=last[0] if last else None,
        last_ok_sync_at=ok.replace(tzinfo=UTC) if ok else None,
        last_run_status=last[1] if last else None,
        last_error=last[2] if last else None,
        portal_url=meta.get("portal_url"),
        utc_offset=meta.get("portal_utc_offset"),
        base_currency=meta.get("base_currency"),
        stored_layer=layer,
    )
