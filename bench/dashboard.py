"""Benchmark: the dashboard on a large snapshot (goal: first render of every page under 2 s, a rerun after a
filter change under 1 s, app memory under 1 GB); prints figures.

    python -m bench.dashboard                  # the queries benchmark's synthetic 100k-deal snapshot
    python -m bench.dashboard --db PATH        # any snapshot (e.g. a synced large sandbox portal)

Each page runs in Streamlit's AppTest (the real app script, in this process, no browser): "cold" is the
first render with empty caches (every metric computed), "warm" a new session on warm caches (what the second
person opening the page gets), "filter" a rerun after picking a manager (new metric parameters, so those
metrics are computed again). Memory is this process's resident set after all pages (the app's caches
included), measured with psutil.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psutil
import streamlit as st
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "dashboard" / "app.py")
PAGES = ["daily_review", "my_backlog", "forecast", "conversion", "trends", "about"]


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


def measure(page: str) -> dict[str, float]:
    """Cold render, warm render and a rerun after a manager pick, in seconds."""
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    if page == "daily_review":
        cold = _run(at)
    else:
        _run(at)  # AppTest starts on the home page; its metrics are cached before the page is measured
        st.cache_data.clear()
        cold = _run(at, page)
    warm_at = AppTest.from_file(APP, default_timeout=120)
    warm = _run(warm_at) if page == "daily_review" else (_run(warm_at), _run(warm_at, page))[1]
    filtered = _run(warm_at) if _pick_manager(warm_at) else float("nan")
    return {"cold": cold, "warm": warm, "filter": filtered}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="snapshot to use (default: the queries benchmark's)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page (the median is printed)")
    args = parser.parse_args()
    from bench import queries as bench_queries

    db = args.db or bench_queries.DEFAULT_DB
    if args.db is None and not db.exists():
        print(f"building the synthetic snapshot {db} (once)...", file=sys.stderr)
        bench_queries.build_synthetic(db)
    if not db.exists():
        print(f"error: no database at {db}", file=sys.stderr)
        return 2
    os.environ["DOZHIM_DB"] = str(db)
    # The synthetic snapshot is dated around its AS_OF; a synced one is read as of now, as users read it.
    as_of = bench_queries.AS_OF.isoformat() if args.db is None else "now"
    if args.db is None:
        os.environ["DOZHIM_AS_OF"] = as_of
    else:
        os.environ.pop("DOZHIM_AS_OF", None)
    os.chdir(REPO)
    print(f"snapshot: {db} ({db.stat().st_size / 1e6:.0f} MB), as of {as_of}")
    _run(AppTest.from_file(APP, default_timeout=120))  # imports and first-use set-up, as a running server has
    print(f"{'page':<14}{'cold s':>9}{'warm s':>9}{'filter s':>10}")
    for page in PAGES:
        runs = [measure(page) for _ in range(args.repeat)]
        fig = {k: statistics.median(r[k] for r in runs) for k in ("cold", "warm", "filter")}
        print(f"{page:<14}{fig['cold']:>9.2f}{fig['warm']:>9.2f}{fig['filter']:>10.2f}", flush=True)
    rss = psutil.Process().memory_info().rss / 1e6
    print(f"memory (RSS of the app process, caches included): {rss:.0f} MB")
    print("goals: first render < 2 s, rerun after a filter change < 1 s, memory < 1 GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
