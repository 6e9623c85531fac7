"""Progress on stderr: a Rich display per stream on a terminal, one plain line per stream otherwise
(so cron mail stays readable). Thread-safe: streams report from their own threads."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class LineReporter:
    """One line per stream when it finishes; nothing in between."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> LineReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, stream: str, expected: int | None = None) -> None:
        with self._lock:
            self._started[stream] = time.monotonic()

    def update(self, stream: str, rows: int, requests: int) -> None:
        pass

    def done(self, stream: str, rows: int, requests: int, note: str = "") -> None:
        with self._lock:
            seconds = time.monotonic() - self._started.get(stream, time.monotonic())
            rate = rows / seconds if seconds > 0 else 0.0
            extra = f", {note}" if note else ""
            print(f"{stream}: {rows} rows, {requests} requests, {seconds:.1f} s ({rate:.0f} rows/s){extra}",
                  file=self.out, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class RichReporter:
    """A live bar per stream: rows, requests, rows/s, elapsed and time left (against last run's size)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description:<14}"),
            BarColumn(),
            TextColumn("{task.completed:>9,.0f} rows"),
            TextColumn("{task.fields[requests]:>5} req"),
            TextColumn("{task.fields[rate]:>7} rows/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._tasks: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, stream: str, expected: int | None = None) -> None:
        with self._lock:
            self._started[stream] = time.monotonic()
            self._tasks[stream] = self.progress.add_task(stream, total=expected or None, requests=0, rate="-")

    def update(self, stream: str, rows: int, requests: int) -> None:
        with self._lock:
            task = self._tasks.get(stream)
            seconds = time.monotonic() - self._started.get(stream, time.monotonic())
        if task is None:
            return
        rate = f"{rows / seconds:,.0f}" if seconds > 0 else "-"
        total = self.progress.tasks[task].total
        if total is not None and rows > total:
            self.progress.update(task, total=rows)
        self.progress.update(task, completed=rows, requests=requests, rate=rate)

    def done(self, stream: str, rows: int, requests: int, note: str = "") -> None:
        self.update(stream, rows, requests)
        task = self._tasks.get(stream)
        if task is not None:
            self.progress.update(task, total=rows, completed=rows,
                                 description=f"{stream} {note}".strip())

    def message(self, text: str) -> None:
        self.progress.console.print(text, markup=False, highlight=False)


def make_reporter(quiet: bool = False) -> LineReporter | RichReporter:
    if not quiet and sys.stderr.isatty():
        return RichReporter()
    return LineReporter()
