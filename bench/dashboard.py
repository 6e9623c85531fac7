"""Benchmark: the dashboard at 100k and at 1M deals (goals on 2 cores: first render of every page under 2 s,
a rerun after a filter change under 0.5 s, app memory under 1 GB); prints both side by side.

    python -m bench.dashboard                  # the queries benchmark's synthetic 100k and 1M snapshots
    python -m bench.dashboard --db PATH        # any snapshot (e.g. a synced large sandbox portal) as the 100k
    python -m bench.dashboard --large-deals 0  # only the first one

Each size runs in its own process (`--one`), so the memory figure is that size's alone.

Each page runs in Streamlit's AppTest (the real app script, in this process, no browser): "cold" is the
first render with empty caches (every metric computed), "warm" a new session on warm caches (what the second
person opening the page gets), "filter" a rerun after picking a manager (new metric parameters, so those
metrics are computed again). Memory is this process's resident set after all pages (the app's caches
included), measured with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import streamlit as st
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "dashboard" / "app.py")
PAGES = ["daily_review", "my_backlog", "forecast", "conversion", "trends", "leads", "clients", "about"]


def _run(at: AppTest, page: str | None = None) -> float:
    start = time.perf_counter()
    if page is not None:
        at.switch_page(f"views/{page}.py")
    at.run()
    elapsed = time.perf_counter() - start
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"{page or 'daily_review'}: {problems[0]}")
    return elapsed


def _pick_manager(at: AppTest) -> bool:
    for box in at.selectbox:
        if box.key == "manager" and box.options:
            box.select_index(min(1, len(box.options) - 1))
            return True
    return False


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()  # dashboard.data keeps metric frames there


def measure(page: str) -> dict[str, float]:
    """Cold render, warm render and a rerun after a manager pick, in seconds."""
    _clear_caches()
    at = AppTest.from_file(APP, default_timeout=600)
    if page == "daily_review":
        cold = _run(at)
    else:
        _run(at)  # AppTest starts on the home page; its metrics are cached before the page is measured
        _clear_caches()
        cold = _run(at, page)
    warm_at = AppTest.from_file(APP, default_timeout=600)
    warm = _run(warm_at) if page == "daily_review" else (_run(warm_at), _run(warm_at, page))[1]
    filtered = _run(warm_at) if _pick_manager(warm_at) else float("nan")
    return {"cold": cold, "warm": warm, "filter": filtered}


def measure_one(db: Path, synthetic: bool, repeat: int) -> dict:
    """Every page's figures (seconds) and the process's memory (MB) on one snapshot, in this process."""
    from bench import queries as bench_queries

    os.environ["DOZHIM_DB"] = str(db)
    # The synthetic snapshot is dated around its AS_OF; a synced one is read as of now, as users read it
    # (or as of its newest record, when the sandbox's fast clock left it ahead of now: synced_as_of).
    as_of = bench_queries.AS_OF if synthetic else bench_queries.synced_as_of(db)
    if as_of:
        os.environ["DOZHIM_AS_OF"] = as_of.isoformat()
    else:
        os.environ.pop("DOZHIM_AS_OF", None)
    os.chdir(REPO)
    _run(AppTest.from_file(APP, default_timeout=600))  # imports and first-use set-up, as a running server has
    pages = {}
    for page in PAGES:
        runs = [measure(page) for _ in range(repeat)]
        pages[page] = {k: statistics.median(r[k] for r in runs) for k in ("cold", "warm", "filter")}
        print(f"  {db.name} {page}: " + " ".join(f"{k} {v:.2f} s" for k, v in pages[page].items()),
              file=sys.stderr, flush=True)
    rss = psutil.Process().memory_info().rss / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux
    return {"pages": pages, "rss_mb": rss, "peak_mb": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="snapshot for the first column (default: the synthetic 100k)")
    parser.add_argument("--large-deals", type=int, default=1_000_000,
                        help="deals of the second, synthetic snapshot (bench.queries builds it); 0 = none")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page (the median is printed)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: one snapshot, JSON out
    parser.add_argument("--synthetic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.synthetic, args.repeat)))
        return 0
    from bench import queries as bench_queries

    if args.db is not None and not args.db.exists():
        print(f"error: no database at {args.db}", file=sys.stderr)
        return 2
    runs = [("100k synced" if args.db else "100k", args.db or bench_queries.ensure_synthetic(100_000),
             args.db is None)]
    if args.large_deals:
        large = bench_queries.ensure_synthetic(args.large_deals)
        runs.append((bench_queries.size_label(args.large_deals), large, True))
    results = []
    for label, db, synthetic in runs:
        bench_queries.ensure_stored_layer(db, bench_queries.AS_OF if synthetic else datetime.now(UTC))
        print(f"{label}: {db} ({db.stat().st_size / 1e6:,.0f} MB)", flush=True)
        command = [sys.executable, "-m", "bench.dashboard", "--one", str(db), "--repeat", str(args.repeat)]
        out = subprocess.run([*command, *(["--synthetic"] if synthetic else [])], cwd=REPO, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"machine: {bench_queries.machine()}; seconds, median of {args.repeat}")
    print(f"{'page':<14}" + "".join(f" | {label:^26}" for label, _, _ in runs))
    print(f"{'':<14}" + " |   cold   warm filter     " * len(runs))
    for page in PAGES:
        print(f"{page:<14}" + "".join(
            " | " + " ".join(f"{r['pages'][page][k]:>6.2f}" for k in ("cold", "warm", "filter")) + " " * 5
            for r in results))
    memory = [f"{label} {r['rss_mb']:,.0f} MB (peak {r['peak_mb']:,.0f} MB)"
              for (label, _, _), r in zip(runs, results, strict=True)]
    print(f"memory (RSS of the app process after every page, caches included): {', '.join(memory)}")
    print("goals: first render < 2 s, rerun after a filter change < 0.5 s, memory < 1 GB; "
          f"load average now {os.getloadavg()[0]:.1f} (a shared machine's figures are upper bounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
