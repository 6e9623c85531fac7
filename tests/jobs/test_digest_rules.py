"""[digest] in the rules file: defaults, every key checked strictly (one line naming the key), and the
digest log reader refusing a viewer who is not an admin."""

from __future__ import annotations

import pytest

from queries import ScopeError, Viewer
from queries.digest_log import list_digests
from queries.rules import DigestRules, RulesError, load_rules, rules_from_dict
from tests.queries.fixture_db import build_fixture_db


def test_the_shipped_rules_file_holds_the_documented_defaults():
    assert load_rules("rules.toml").digest == DigestRules("08:30", True, (), False, 20, 2)


def test_a_full_digest_section():
    got = rules_from_dict({"digest": {"send_after": "07:45", "all_clear": False, "opt_out": [3, 9],
                                      "email": True, "max_items": 5, "fresh_hours": 6}}).digest
    assert got == DigestRules("07:45", False, (3, 9), True, 5, 6)


@pytest.mark.parametrize(("section", "line"), [
    ({"sendafter": "08:30"}, "digest.sendafter: unknown key"),
    ({"send_after": "8:30"}, "digest.send_after: expected a time such as \"08:30\", got '8:30'"),
    ({"send_after": "24:00"}, "digest.send_after: expected a time such as \"08:30\", got '24:00'"),
    ({"all_clear": "yes"}, "digest.all_clear: expected true or false, got 'yes'"),
    ({"email": 1}, "digest.email: expected true or false, got 1"),
    ({"opt_out": [0]}, "digest.opt_out: must be >= 1, got 0"),
    ({"opt_out": 5}, "digest.opt_out: expected a list of whole numbers"),
    ({"max_items": 0}, "digest.max_items: must be >= 1, got 0"),
    ({"max_items": 201}, "digest.max_items: must be <= 200, got 201"),
    ({"fresh_hours": 0}, "digest.fresh_hours: must be >= 1, got 0"),
])
def test_a_bad_key_is_one_line_naming_it(section, line):
    with pytest.raises(RulesError) as err:
        rules_from_dict({"digest": section})
    assert str(err.value) == f"rules.toml: {line}"


def test_the_digest_log_is_for_the_operator_and_admins(tmp_path):
    db = build_fixture_db(tmp_path / "crm.duckdb")
    admin = Viewer(user_id=1, name="Anna", role="admin", can_export=True)
    head = Viewer(user_id=4, name="Galina", role="head", can_export=True, headed_department_ids=(10,))
    assert list_digests(db).empty and list_digests(db, admin).empty
    with pytest.raises(ScopeError, match="the digest log is for admins only"):
        list_digests(db, head)
