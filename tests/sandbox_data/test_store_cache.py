"""The store cache keeps what can be read again and removes what a new build supersedes, unless in use."""

from __future__ import annotations

import fcntl
import os
import re

from connectors.sandbox.store import cached_store, prune_superseded
from connectors.sandbox.tables import GENERATOR_VERSION as V

from .conftest import NOW, SEED

OLD_DAY = f"portal-tiny-{SEED}-20200101-v{V}.sqlite"


def _touch(directory, *names: str) -> None:
    for name in names:
        (directory / name).write_bytes(b"")  # the prune reads names and locks, never the contents


def test_a_cached_store_removes_the_stores_it_supersedes_and_keeps_the_rest(tmp_path):
    old_day_files = [OLD_DAY, OLD_DAY + "-wal", OLD_DAY + "-shm", OLD_DAY.replace(".sqlite", ".live.sqlite")]
    old_version = f"portal-tiny-{SEED}-20200101T1200-v{int(V) - 1}.sqlite"  # the generator before this one
    kept = [
        f"portal-tiny-{SEED}-20200101T1200-v{V}.sqlite",  # an explicit `now` of this version: read again
        f"portal-tiny-{SEED}-29991231-v{V}.sqlite",  # a later day than today's: not superseded by it
        f"portal-tiny-{SEED + 1}-20200101-v{V}.sqlite",  # another seed
        f"portal-small-{SEED}-20200101-v{V}.sqlite",  # another size
        "portal-state.json",
    ]
    _touch(tmp_path, *old_day_files, old_version, *kept)

    # An explicit `now` supersedes only the other versions: the old day's store is still today's for it.
    at_now = cached_store("tiny", SEED, NOW, cache_dir=tmp_path)
    assert not (tmp_path / old_version).exists()
    assert all((tmp_path / name).exists() for name in old_day_files)

    # Today's build supersedes the earlier day's store, its WAL files and its live copy.
    today = cached_store("tiny", SEED, cache_dir=tmp_path)
    assert re.fullmatch(rf"portal-tiny-{SEED}-\d{{8}}-v{V}\.sqlite", today.name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, at_now.name, today.name])

    # A store reused, not built, prunes as well: what an older checkout left goes on the next run.
    _touch(tmp_path, old_version)
    assert cached_store("tiny", SEED, NOW, cache_dir=tmp_path) == at_now
    assert not (tmp_path / old_version).exists()


def test_a_store_another_process_holds_stays_until_it_lets_go(tmp_path):
    _touch(tmp_path, OLD_DAY)
    # A sandbox started yesterday still serves its store: it holds a shared flock on it (cached_store's
    # hold). flock on another descriptor of the same file conflicts as another process's would.
    held = os.open(tmp_path / OLD_DAY, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_SH)
    try:
        assert prune_superseded(tmp_path, "tiny", SEED, "20991231") == []
        assert (tmp_path / OLD_DAY).exists()
    finally:
        os.close(held)
    assert prune_superseded(tmp_path, "tiny", SEED, "20991231") == [tmp_path / OLD_DAY]
    assert not (tmp_path / OLD_DAY).exists()


def test_a_cached_store_is_held_while_the_process_lives(tmp_path):
    path = cached_store("tiny", SEED, NOW, cache_dir=tmp_path)
    probe = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked_out = False
        except BlockingIOError:
            locked_out = True
        assert locked_out
    finally:
        os.close(probe)
