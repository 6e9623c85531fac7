"""Same size, seed and time give the same portal; another seed gives another one; builds are cached."""

from __future__ import annotations

from pathlib import Path

from connectors.sandbox.store import build_store, cached_store, checksum

from .conftest import NOW, SEED

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_store(tiny_store, tmp_path):
    again = build_store(tmp_path / "again.sqlite", "tiny", SEED, NOW)
    assert checksum(again) == checksum(tiny_store)


def test_other_seed_other_store(tiny_store, tmp_path):
    other = build_store(tmp_path / "other.sqlite", "tiny", SEED + 1, NOW)
    assert checksum(other) != checksum(tiny_store)


def test_other_time_other_store(tiny_store, tmp_path):
    later = build_store(tmp_path / "later.sqlite", "tiny", SEED, NOW.replace(day=NOW.day + 1))
    assert checksum(later) != checksum(tiny_store)


def test_build_leaves_no_temporary_file(tmp_path):
    build_store(tmp_path / "p.sqlite", "tiny", SEED, NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.sqlite"]


def test_cached_store_reuses_the_built_file(tmp_path, tiny_store):
    first = cached_store("tiny", SEED, NOW, cache_dir=tmp_path)
    mtime = first.stat().st_mtime_ns
    second = cached_store("tiny", SEED, NOW, cache_dir=tmp_path)
    assert second == first and second.stat().st_mtime_ns == mtime
    assert checksum(first) == checksum(tiny_store)
    today = cached_store("tiny", SEED, cache_dir=tmp_path)  # anchored on today's date: another file
    assert today != first and today.exists()


def test_unknown_size_is_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="unknown size"):
        build_store(tmp_path / "x.sqlite", "huge", SEED, NOW)


def test_same_store_in_another_process_with_another_hash_seed(tiny_store, tmp_path):
    """No dependence on str hashing or on anything else that varies between processes."""
    import os
    import subprocess
    import sys

    out = tmp_path / "proc.sqlite"
    code = (
        "from datetime import datetime; from pathlib import Path; "
        "from connectors.sandbox.store import build_store; "
        f"build_store(Path({str(out)!r}), 'tiny', {SEED}, datetime.fromisoformat({NOW.isoformat()!r}))"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=120)
    assert checksum(out) == checksum(tiny_store)
