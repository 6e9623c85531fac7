"""Per-connection set-up every metric shares: the run's context row, the rule tables and the base views.

Everything is a TEMP object, so it works on a read-only connection and vanishes when it closes. Values go
in as bound parameters; the only identifier taken from configuration (the loss-reason user field) is
checked against the columns `deals` really has before it is used.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import holidays

from queries import derived
from queries.rules import LOSS_GROUPS, OFFSET_RE, FollowupRule, Rules, RulesError
from queries.sqltext import SQL_DIR, split_statements

BASE_SQL = SQL_DIR / "_base.sql"
CALENDAR_FROM = date(1990, 1, 1)
DAY_US = 86_400_000_000
ZONE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")


@dataclass(frozen=True)
class Period:
    """A half-open range of portal-local dates [start, end)."""

    start: date
    end: date
    explicit: bool = False  # False = the default (T's month); trend then shows the last 30 days


def duckdb_timezone(tz: str | None) -> str:
    """A time zone name DuckDB's ICU understands: "+03:00" -> "GMT+03:00", IANA names as they are."""
    if not tz:
        return "UTC"
    return f"GMT{tz}" if OFFSET_RE.match(tz) else tz


def portal_zone(rules: Rules, meta: dict[str, str]) -> str:
    """The run's DuckDB zone: the rules' calendar.timezone, else the offset the portal's dates carry."""
    return duckdb_timezone(rules.timezone or meta.get("portal_utc_offset"))


def is_fixed_offset(zone: str) -> bool:
    return zone == "UTC" or (zone.startswith("GMT") and bool(OFFSET_RE.match(zone[3:])))


def zone_info(tz: str | None) -> tzinfo:
    """A Python tzinfo for a portal zone ("+03:00", an IANA name, None = UTC), to show instants in it."""
    if not tz:
        return UTC
    if OFFSET_RE.match(tz):
        minutes = int(tz[1:3]) * 60 + int(tz[4:6])
        return timezone(timedelta(minutes=-minutes if tz[0] == "-" else minutes))
    return ZoneInfo(tz)


def local_day(con: duckdb.DuckDBPyConnection, zone: str, as_of: datetime) -> date:
    """The portal-local date of the instant `as_of`."""
    return con.execute("select cast(timezone($tz, $t::timestamptz) as date)",
                       {"tz": zone, "t": as_of}).fetchone()[0]


def resolve_period(as_of_local: date, month: date | None, start: date | None, end: date | None) -> Period:
    """month wins; else [start, end] inclusive (open ends: start of end's month / T's day); else T's month."""
    if month is not None:
        first = month.replace(day=1)
        return Period(first, _next_month(first), True)
    if start is not None or end is not None:
        first = start or (end or as_of_local).replace(day=1)
        last = end or as_of_local
        return Period(first, last + timedelta(days=1), True)
    first = as_of_local.replace(day=1)
    return Period(first, _next_month(first))


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@dataclass(frozen=True)
class Definition:
    """One statement of _base.sql: the temp view or macro it creates and the definitions it reads."""

    name: str
    sql: str
    uses: frozenset[str]


DEFINES_RE = re.compile(r"^create or replace temp (?:view|macro) ([a-z_][a-z0-9_]*)")
WORD_RE = re.compile(r"[a-z_][a-z0-9_]*")
CALENDAR_TABLES = frozenset({"calendar_day", "calendar_work"})


@functools.cache
def base_definitions() -> tuple[Definition, ...]:
    """_base.sql's statements in file order, each with the names (of other statements, or of the calendar
    tables) it mentions."""
    statements = split_statements(BASE_SQL.read_text(encoding="utf-8"))
    names = []
    for statement in statements:
        found = DEFINES_RE.match(statement)
        if found is None:
            raise ValueError(f"_base.sql: not a temp view or macro: {statement[:60]!r}")
        names.append(found.group(1))
    known = set(names) | CALENDAR_TABLES
    return tuple(Definition(name, statement, frozenset(set(WORD_RE.findall(statement)) & known - {name}))
                 for name, statement in zip(names, statements, strict=True))


@functools.cache
def base_names(needs: str | None = None) -> frozenset[str]:
    """The _base.sql definitions (and calendar tables) that SQL text `needs` reads, directly or through each
    other; None = all of them. Each view costs 1-9 ms to bind: a metric binds only its own."""
    definitions = base_definitions()
    by_name = {d.name: d for d in definitions}
    if needs is None:
        return frozenset(by_name) | CALENDAR_TABLES
    wanted, todo = set(), set(WORD_RE.findall(needs.lower())) & (set(by_name) | CALENDAR_TABLES)
    while todo:
        name = todo.pop()
        wanted.add(name)
        todo |= (by_name[name].uses if name in by_name else set()) - wanted
    return frozenset(wanted)


def base_script(needs: str | None = None, bound: frozenset[str] = frozenset()) -> tuple[str, bool]:
    """(the statements of base_names(needs) not `bound` already, in file order, as one script; whether
    those names read the business calendar)."""
    wanted = base_names(needs)
    script = ";\n".join(d.sql for d in base_definitions() if d.name in wanted - bound)
    return (script + ";" if script else ""), bool(wanted & CALENDAR_TABLES)


def setup(con: duckdb.DuckDBPyConnection, rules: Rules, as_of: datetime, meta: dict[str, str],
          period: Period | None = None, needs: str | None = None, kept: dict[str, Any] | None = None) -> None:
    """Create ctx, the rule tables and the base views on `con` (idempotent: everything is replaced); with
    `needs` (SQL text) only the base views and macros it reads, and the calendar only when they use it.

    `kept`: what an earlier setup on the same connection left (queries/sessions.py keeps connections
    between calls), updated here. ctx is made anew every time (T, the period); the rule tables, the
    calendar and the time-zone macros only when what they are built from differs; base views only once.
    """
    kept = {} if kept is None else kept
    tz = portal_zone(rules, meta)
    first = not kept
    if first:
        con.execute("set TimeZone = 'UTC'")
    _create_ctx(con, rules, as_of, tz, meta.get("portal_url") or "", period)
    if first:  # after ctx: without a stored layer, live views that read T from ctx when they run
        derived.attach(con)
    script, calendar = base_script(needs, kept.get("views", frozenset()))
    until = as_of.date() + timedelta(days=800)
    if calendar and not _calendar_covers(kept.get("calendar"), rules, until):
        _create_calendar(con, rules, until)
        kept["calendar"] = (calendar_key(rules), until)
    if kept.get("rules") != rules:
        _create_rule_tables(con, rules)
        kept["rules"] = rules
    if kept.get("zone") != tz:
        _create_local_ts(con, tz)
        kept["zone"] = tz
    if script:
        con.execute(script)  # one call for all of them: the per-call overhead adds up
    kept["views"] = kept.get("views", frozenset()) | base_names(needs)


def _create_rule_tables(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    _create_rule_pipeline(con, rules)
    stages = _deal_stages(con)
    _create_invoice_stages(con, rules, stages)
    _create_followup_rules(con, rules, stages)
    _create_loss_rules(con, rules)
    _create_loss_field(con, rules)


def calendar_key(rules: Rules) -> tuple:
    """What the business calendar is built from, besides its last day."""
    return rules.country, tuple(rules.working_days), tuple(sorted(rules.holidays))


def _calendar_covers(kept: tuple | None, rules: Rules, until: date) -> bool:
    """Whether a calendar built earlier (its key and last day) serves a run that needs days up to `until`:
    the same rules, and at least as long (a longer one holds the same days, and no rule reads its end)."""
    return kept is not None and kept[0] == calendar_key(rules) and kept[1] >= until


def _create_local_ts(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    """local_ts(x): the portal's wall-clock time of the instant x; local_week(x): its calendar week (Monday
    to Sunday) as a number, one per week (a grouping key: integer arithmetic, no calendar per row).

    A fixed offset (every Bitrix24 portal's own dates) is plain arithmetic, fast per row. An IANA zone
    (calendar.timezone) is converted per instant by DuckDB's ICU, so summer and winter times each get their
    own offset across a 12-month window.
    """
    if is_fixed_offset(zone):
        con.execute("create or replace temp macro local_ts(x) as "
                    "make_timestamp(epoch_us(x) + (select utc_offset_us from ctx))")
        # 1970-01-01 was a Thursday: 3 days later in the week than Monday
        con.execute("create or replace temp macro local_week(x) as "
                    f"(epoch_us(x) + (select utc_offset_us from ctx) + 3 * {DAY_US}) // (7 * {DAY_US})")
        return
    if not ZONE_NAME_RE.match(zone):  # inlined below: only a plain zone name may get there
        raise RulesError(f"rules.toml: calendar.timezone: not a time zone name: {zone!r}")
    con.execute(f"create or replace temp macro local_ts(x) as timezone('{zone}', x)")
    con.execute("create or replace temp macro local_week(x) as "
                f"epoch_us(date_trunc('week', timezone('{zone}', x)))")


def _create_ctx(con: duckdb.DuckDBPyConnection, rules: Rules, as_of: datetime, tz: str, portal_url: str,
                period: Period | None) -> None:
    local_day = con.execute("select cast(timezone($tz, $as_of::timestamptz) as date)",
                            {"tz": tz, "as_of": as_of}).fetchone()[0]
    period = period or resolve_period(local_day, None, None, None)
    con.execute(
        """
        create or replace temp table ctx as
        with p as (
            select $as_of::timestamptz as as_of, $tz::varchar as tz,
                   timezone($tz::varchar, $as_of::timestamptz) as as_of_local
        )
        select
            p.as_of,
            p.tz,
            $portal_url::varchar as portal_url,
            p.as_of_local,
            cast(p.as_of_local as date) as today,
            timezone(p.tz, cast(cast(p.as_of_local as date) as timestamp)) as day_start,
            timezone(p.tz, date_trunc('month', p.as_of_local)) as month_start,
            least(p.as_of, timezone(p.tz, date_trunc('month', p.as_of_local) + interval 1 month))
                as month_end,
            timezone(p.tz, date_trunc('month', p.as_of_local - interval 1 month)) as prev_month_start,
            timezone(p.tz, p.as_of_local - interval 1 month) as prev_month_same_moment,
            $period_explicit::boolean as period_explicit,
            $period_start::date as period_first,
            cast($period_end::date - 1 as date) as period_last,
            timezone(p.tz, cast($period_start::date as timestamp)) as period_start,
            least(p.as_of, timezone(p.tz, cast($period_end::date as timestamp))) as period_end,
            p.as_of - to_days($attention_days) as attention_start,
            p.as_of - to_months($lookback_months) as lookback_start,
            $max_deal_age_days::integer as max_deal_age_days,
            $touch_interval_days::integer as touch_interval_days,
            $followup_days::integer as invoice_followup_business_days,
            $min_active_deals::integer as min_active_deals,
            $touches_per_week::integer as attention_touches_per_week,
            $default_close_days::integer as default_close_days,
            epoch_us(p.as_of_local) - epoch_us(p.as_of) as utc_offset_us,
            cast($manager_ids as bigint[]) as manager_ids,
            cast($exclude_manager_ids as bigint[]) as exclude_manager_ids
        from p
        """,
        {
            "as_of": as_of, "tz": tz, "portal_url": portal_url,
            "period_start": period.start, "period_end": period.end, "period_explicit": period.explicit,
            "attention_days": rules.attention_window_days, "lookback_months": rules.win_rate_lookback_months,
            "max_deal_age_days": rules.max_deal_age_days, "touch_interval_days": rules.touch_interval_days,
            "followup_days": rules.invoice_followup_business_days, "min_active_deals": rules.min_active_deals,
            "touches_per_week": rules.attention_touches_per_week,
            "default_close_days": rules.default_close_days,
            "manager_ids": list(rules.manager_ids), "exclude_manager_ids": list(rules.exclude_manager_ids),
        },
    )


@functools.cache  # a few ms per country; the calendar changes only with a new package release
def country_calendar(country: str, first_year: int,
                     last_year: int) -> tuple[tuple[date, ...], tuple[date, ...]]:
    """(public holidays and transferred days off, transferred working days such as a working Saturday)
    of a country from the `holidays` package; ((), ()) for "" (no public holidays)."""
    if not country:
        return (), ()
    cal = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    return tuple(sorted(cal.keys())), tuple(sorted(getattr(cal, "weekend_workdays", ())))


def _create_calendar(con: duckdb.DuckDBPyConnection, rules: Rules, until: date) -> None:
    """calendar_day: every day, whether it is a working day and how many working days there are up to and
    including it; calendar_work: the working days by that number (N working days after day i = number i + N).

    A working day is one of the rules' working weekdays or a transferred working day of the portal's
    country, and neither a public holiday of that country nor one of the rules' extra holidays.
    """
    days_off, workdays = country_calendar(rules.country, CALENDAR_FROM.year, until.year)
    con.execute(
        """
        create or replace temp table calendar_day as
        with days_off as (
            select distinct unnest(cast($days_off as date[])) as day
        ),
        workdays as (  -- transferred working days (a working Saturday)
            select distinct unnest(cast($workdays as date[])) as day
        ),
        days as (
            select
                cast(t.d as date) as day,
                (list_contains(cast($working_days as integer[]), isodow(t.d)) or w.day is not null)
                and o.day is null as is_working
            from generate_series($start::date, $until::date, interval 1 day) as t(d)
            left join workdays as w on w.day = cast(t.d as date)
            left join days_off as o on o.day = cast(t.d as date)
        )
        select day, is_working,
               -- a running sum over a ROWS frame streams; count(*) filter over the default frame: 10x slower
               cast(sum(cast(is_working as integer)) over (
                   order by day rows between unbounded preceding and current row) as integer) as work_idx_le
        from days
        """,
        {"start": CALENDAR_FROM, "until": until, "working_days": list(rules.working_days),
         "workdays": list(workdays), "days_off": sorted({*days_off, *rules.holidays})},
    )
    con.execute("""
        create or replace temp table calendar_work as
        select work_idx_le as work_idx, day from calendar_day where is_working
    """)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple],
                 types: tuple[str, ...]) -> None:
    """All rows in one statement (columns bound as lists and unnested), not one statement per row."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    select = ", ".join(f"unnest(cast(${i} as {t}[]))" for i, t in enumerate(types, start=1))
    con.execute(f"insert into {table} select {select}", [list(c) for c in columns])


def _create_rule_pipeline(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    con.execute("""
        create or replace temp table rule_pipeline (
            pipeline_id bigint, max_deal_age_days integer, touch_interval_days integer,
            invoice_followup_business_days integer, min_active_deals integer)
    """)
    rows = [(pid, p.max_deal_age_days, p.touch_interval_days, p.invoice_followup_business_days,
             p.min_active_deals) for pid, p in rules.pipelines.items()]
    _insert_rows(con, "rule_pipeline", rows, ("bigint", "integer", "integer", "integer", "integer"))


def invoice_stage_ids(stages: list[tuple[str, int | None, str | None, str | None]], rules: Rules) -> set[str]:
    """Stage ids that count as invoice stages, from (status_id, pipeline_id, name, semantics) rows.

    Per pipeline: that pipeline's configured ids; else the global configured ids; else in-progress stages
    whose name contains one of the patterns (case-insensitive).
    """
    patterns = [p.casefold() for p in rules.invoice_stage_patterns]
    chosen: set[str] = set()
    for status_id, pipeline_id, name, semantics in stages:
        override = rules.pipelines.get(pipeline_id or 0)
        if override is not None and override.invoice_stage_ids is not None:
            ok = status_id in override.invoice_stage_ids
        elif rules.invoice_stage_ids:
            ok = status_id in rules.invoice_stage_ids
        else:
            ok = (semantics or "P") == "P" and any(p in (name or "").casefold() for p in patterns)
        if ok:
            chosen.add(status_id)
    return chosen


def _deal_stages(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, str | None, str | None]]:
    return con.execute(
        "select status_id, category_id, name, semantics from stages where entity_type_id = 2"
    ).fetchall()


def _create_invoice_stages(con: duckdb.DuckDBPyConnection, rules: Rules,
                           stages: list[tuple[str, int | None, str | None, str | None]]) -> None:
    con.execute("create or replace temp table invoice_stage (stage_id varchar)")
    ids = sorted(invoice_stage_ids(stages, rules))
    _insert_rows(con, "invoice_stage", [(i,) for i in ids], ("varchar",))


def followup_stage_ids(stages: list[tuple[str, int | None, str | None, str | None]],
                       rule: FollowupRule) -> set[str]:
    """Stage ids that trigger a "stage" follow-up rule: its stage_ids, else in-progress stages whose name
    contains one of its patterns (case-insensitive), in every pipeline."""
    if rule.stage_ids:
        return {s[0] for s in stages if s[0] in rule.stage_ids}
    patterns = [p.casefold() for p in rule.name_patterns]
    return {status_id for status_id, _, name, semantics in stages
            if (semantics or "P") == "P" and any(p in (name or "").casefold() for p in patterns)}


def _create_followup_rules(con: duckdb.DuckDBPyConnection, rules: Rules,
                           stages: list[tuple[str, int | None, str | None, str | None]]) -> None:
    """followup_rule (rule_key, rule_name, trigger, business_days, ord) and followup_stage (rule_key,
    stage_id): the follow-up rules in force and the stages that trigger the "stage" ones."""
    con.execute("create or replace temp table followup_rule (rule_key varchar, rule_name varchar, "
                "trigger varchar, business_days integer, ord integer); "
                "create or replace temp table followup_stage (rule_key varchar, stage_id varchar)")
    _insert_rows(con, "followup_rule",
                 [(r.key, r.name, r.trigger, r.business_days, i) for i, r in enumerate(rules.followups)],
                 ("varchar", "varchar", "varchar", "integer", "integer"))
    rows = [(r.key, sid) for r in rules.followups if r.trigger == "stage"
            for sid in sorted(followup_stage_ids(stages, r))]
    _insert_rows(con, "followup_stage", rows, ("varchar", "varchar"))


def _create_loss_rules(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    """(group, order, kind, value): "id:X" entries match a reason id exactly, others a name substring."""
    con.execute(
        "create or replace temp table loss_rule (grp varchar, ord integer, kind varchar, value varchar)"
    )
    rows = []
    for g, grp in enumerate(LOSS_GROUPS):
        for entry in rules.loss_reason_groups.get(grp, ()):
            if entry.lower().startswith("id:"):
                rows.append((grp, g * 2, "id", entry[3:].strip().lower()))
            else:
                rows.append((grp, g * 2 + 1, "name", entry.lower()))
    _insert_rows(con, "loss_rule", rows, ("varchar", "integer", "varchar", "varchar"))


def _create_loss_field(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    """deal_loss_field(deal_id, reason_key, reason_name) from the configured user field, if any."""
    empty = ("create or replace temp view deal_loss_field as select cast(null as bigint) as deal_id, "
             "cast(null as varchar) as reason_key, cast(null as varchar) as reason_name where false")
    column = rules.loss_reason_field
    if not column:
        con.execute(empty)
        return
    types = dict(con.execute(
        "select column_name, data_type from information_schema.columns where table_name = 'deals'"
    ).fetchall())
    if column not in types:  # the whitelist: only a column the table really has
        raise RulesError(f"{rules.source}: loss_reasons.field: the snapshot's deals have no field "
                         f"{column.upper()} (check the name in Bitrix24, or set field = \"\")")
    value = f'"{column}"[1]' if types[column].endswith("[]") else f'"{column}"'
    con.execute(f"""
        create or replace temp view deal_loss_field as
        with opts as (
            select unnest(f.options, recursive := true)
            from deal_user_fields as f
            where lower(f.column_name) = '{column}' and f.options is not null
        ),
        vals as (select id as deal_id, cast({value} as varchar) as v from deals)
        select vals.deal_id, vals.v as reason_key, coalesce(any_value(opts.value), vals.v) as reason_name
        from vals
        left join opts on cast(opts.id as varchar) = vals.v
        where vals.v is not null and vals.v <> ''
        group by vals.deal_id, vals.v
    """)


