"""Fill an empty store with a generated portal, streaming deals in chunks (never the whole portal in memory).

`build_store` writes a temporary file and renames it, so a half-built store is never used.
Deterministic per (size, seed, now): every part draws from its own random.Random seeded by a string (no
global random, no hash()). Deal ids follow creation time, like an auto-increment.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.sandbox import tables
from connectors.sandbox.clock import DAY, Clock, default_now, parse_offset
from connectors.sandbox.generate_activities import ActivityWriter
from connectors.sandbox.generate_deals import _COMPANIES, DealParts, DealWriter
from connectors.sandbox.generate_leads import write_leads_and_clients
from connectors.sandbox.generate_people import Manager, make_people
from connectors.sandbox.generate_pipelines import (
    CURRENCY_ROWS,
    category_rows,
    make_pipelines,
    status_rows,
    userfield_rows,
)

PORTAL_HOST = "sandbox.bitrix24.test"
HISTORY_DAYS = 540  # won and lost deals spread over the last 18 months
CHUNK = 1000  # deals per executemany batch


@dataclass(frozen=True)
class SizeSpec:
    deals: int
    managers: int
    max_touches: int  # completed touches per deal at most (long-lived deals)
    touch_density: float  # touches per profile gap (calls, emails and chats pile up on busy portals)
    recurring: int  # recurring-deal templates


SIZE_SPECS = {
    "tiny": SizeSpec(60, 10, 8, 1.0, 1),
    "small": SizeSpec(400, 12, 12, 1.5, 2),
    "demo": SizeSpec(5000, 32, 24, 2.3, 5),
    "large": SizeSpec(100_000, 400, 40, 4.0, 20),
}


def webhook_token(seed: int) -> str:
    return hashlib.sha256(f"dozhim-sandbox-webhook:{seed}".encode()).hexdigest()[:24]


def generate(conn: sqlite3.Connection, size: str, seed: int, clock: Clock) -> None:
    spec = SIZE_SPECS[size]
    org_rng = random.Random(f"{seed}:org")
    people = make_people(org_rng, clock, spec.managers)
    pipelines = make_pipelines(org_rng)
    _write_directories(conn, people, pipelines)
    activities = ActivityWriter(
        random.Random(f"{seed}:activities"), clock, 1, spec.max_touches, spec.touch_density, 0.03
    )
    deals = DealWriter(random.Random(f"{seed}:deals"), clock, pipelines, people.managers, activities)
    next_deal = _write_deals(conn, deals, random.Random(f"{seed}:calendar"), clock, spec, people.managers)
    conn.executemany(
        'insert into companies ("ID", "TITLE") values (?, ?)',
        [(i, f"ООО «{name}»") for i, name in enumerate(_COMPANIES, 1)],
    )
    # leads, contacts and companies (generate_leads.py): their own random streams, after the deals
    clients = write_leads_and_clients(conn, size, seed, clock, people.managers, deals.next_contact,
                                      activities.next_id)
    meta = {
        "seed": str(seed),
        "size": size,
        "now": clock.dt(clock.now),
        "utc_offset": clock.offset,
        "portal_host": PORTAL_HOST,
        "webhook_user_id": "1",
        "webhook_token": webhook_token(seed),
        "scopes": "crm,user,department",
        "generator_version": tables.GENERATOR_VERSION,
        "next_deal_id": str(next_deal),
        "next_activity_id": str(activities.next_id),
        "next_stage_history_id": str(deals.next_history),
        "next_invoice_id": str(deals.invoices.next_id),
        "next_contact_id": str(deals.next_contact),
        **clients,
    }
    conn.executemany("insert into meta values (?, ?)", sorted(meta.items()))


def _write_directories(conn: sqlite3.Connection, people, pipelines) -> None:
    conn.executemany(tables.insert_sql("users", tables.USER_COLUMNS), people.users)
    conn.executemany(tables.insert_sql("departments", tables.DEPARTMENT_COLUMNS), people.departments)
    conn.executemany(
        "insert into manager_profiles values (?, ?)", [(m.id, m.profile.name) for m in people.managers]
    )
    conn.executemany("insert into categories values (?, ?, ?, ?, ?)", category_rows(pipelines))
    conn.executemany("insert into statuses values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", status_rows(pipelines))
    conn.executemany("insert into currencies values (?, ?, ?, ?, ?, ?)", CURRENCY_ROWS)
    conn.executemany("insert into deal_userfields values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", userfield_rows())


def _creation_times(rng: random.Random, clock: Clock, n: int) -> list[int]:
    """Deal creation moments over the last 18 months, denser lately (the business grows), sorted."""
    span = HISTORY_DAYS * DAY
    times = (clock.now - int(span * rng.random() ** 1.4) for _ in range(n))
    return sorted(clock.work_time(t, rng) if t < clock.now - DAY else t for t in times)


def _pick_manager(rng: random.Random, managers: list[Manager], cum: list[float], at: int) -> Manager:
    """A weighted manager who worked here at `at` (hired before, not yet dismissed)."""
    for _ in range(30):
        m = rng.choices(managers, cum_weights=cum)[0]
        if m.hired <= at and (m.dismissed is None or at < m.dismissed):
            return m
    return managers[0]  # the sales head takes what nobody else can


def _write_deals(
    conn: sqlite3.Connection,
    writer: DealWriter,
    rng: random.Random,
    clock: Clock,
    spec: SizeSpec,
    managers: list[Manager],
) -> int:
    cum: list[float] = []
    for m in managers:
        cum.append((cum[-1] if cum else 0.0) + m.profile.weight)
    created = _creation_times(rng, clock, spec.deals)
    templates = set(rng.sample(range(spec.deals), spec.recurring))
    chunk: list[DealParts] = []
    for i, t in enumerate(created):
        manager = _pick_manager(rng, managers, cum, t)
        make = writer.recurring_template if i in templates else writer.deal
        chunk.append(make(i + 1, min(t, clock.now), manager))
        if len(chunk) >= CHUNK:
            _flush(conn, chunk)
            chunk = []
    _flush(conn, chunk)
    return len(created) + 1


_INSERTS = {
    "deals": tables.insert_sql("deals", tables.DEAL_COLUMNS),
    "activities": tables.insert_sql("activities", tables.ACTIVITY_COLUMNS),
    "bindings": "insert into activity_bindings values (?, ?, ?)",
    "history": tables.insert_sql("stage_history", tables.STAGE_HISTORY_COLUMNS),
    "invoices": tables.insert_sql("invoices", tables.INVOICE_COLUMNS),
    "contacts": 'insert into contacts ("ID", "NAME", "LAST_NAME") values (?, ?, ?)',
}


def _flush(conn: sqlite3.Connection, chunk: list[DealParts]) -> None:
    conn.executemany(_INSERTS["deals"], [p.deal for p in chunk])
    for key in ("activities", "bindings", "history", "invoices", "contacts"):
        conn.executemany(_INSERTS[key], [row for p in chunk for row in getattr(p, key)])


def build_store(
    path: Path, size: str, seed: int, now: datetime | None = None, utc_offset: str = "+03:00"
) -> Path:
    """Generate the portal into `path` (deterministic per size, seed and now) and return the path."""
    if size not in tables.SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(tables.SIZES)}")
    clock = Clock.at(now or default_now(parse_offset(utc_offset)), utc_offset)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(str(tmp))
    try:
        # A throwaway file until the rename: no journal, no fsync.
        conn.execute("pragma journal_mode=off")
        conn.execute("pragma synchronous=off")
        conn.executescript(tables.SCHEMA)
        generate(conn, size, seed, clock)
        conn.executescript(tables.INDEXES)
        conn.commit()
        conn.execute("pragma journal_mode=wal")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m connectors.sandbox.generate --size demo --seed 7 --out data/sandbox/demo.sqlite`:
    build a store and print its size, the time taken and its headline counts."""
    import argparse
    import json
    import sys
    import time

    from connectors.sandbox.truth import summary

    parser = argparse.ArgumentParser(prog="python -m connectors.sandbox.generate", description=main.__doc__)
    parser.add_argument("--size", default="demo", choices=tables.SIZES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", help="the portal's now, ISO 8601 with offset (default: the current minute)")
    parser.add_argument("--out", type=Path, help="store file (default: data/sandbox/portal-SIZE-SEED.sqlite)")
    args = parser.parse_args(argv)
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        print(f"error: --now {args.now!r} is not an ISO 8601 date-time", file=sys.stderr)
        return 2
    out = args.out or Path("data/sandbox") / f"portal-{args.size}-{args.seed}.sqlite"
    started = time.monotonic()
    try:
        build_store(out, args.size, args.seed, now)
    except (OSError, sqlite3.Error) as exc:
        print(f"error: cannot build {out}: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB in {took:.1f} s", file=sys.stderr)
    print(json.dumps(summary(out), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
