"""Data flows one way: no import cycles inside queries/, and nothing below jobs/ imports it. Imports inside
functions count too (hiding a cycle behind a lazy import is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def is_module(name: str) -> bool:
    base = REPO / name.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(package: str) -> dict[str, set[str]]:
    """module -> every module it imports (any depth in the file), for the .py files of a package."""
    graph: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from queries import derived` imports the module queries.derived; `from queries.rules
                # import Rules` the module queries.rules
                subs = {f"{node.module}.{a.name}" for a in node.names}
                modules = {m for m in subs if is_module(m)}
                found |= modules if modules == subs else {node.module} | modules
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    edges = {m: {t for t in targets if t in graph and t != m} for m, targets in graph.items()}
    found = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(edges[node]):
                if nxt == start:
                    found.append(trail + [start])
                elif nxt not in trail:
                    stack.append((nxt, trail + [nxt]))
    return found


def test_no_import_cycles_in_queries():
    assert cycles(imports("queries")) == []


def test_the_job_sits_above_connectors_and_queries():
    for package in ("queries", "connectors"):
        upward = {f"{m} imports {t}" for m, targets in imports(package).items() for t in targets
                  if t.split(".")[0] in ("jobs", "dashboard")}
        assert upward == set()
    below = {t for ts in imports("queries").values() for t in ts if t.split(".")[0] in ("jobs", "connectors")}
    assert below == set(), "queries reads the schema contract from snapshot/, below both"
