"""rules.toml: the documented defaults, overrides, and a one-line refusal for unknown keys and bad values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from queries import PipelineRules, Rules, RulesError, load_rules

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_rules_file_is_the_defaults():
    assert load_rules(REPO / "rules.toml") == Rules()


def test_no_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_rules() == Rules()
    write(tmp_path, "max_deal_age_days = 60\n")
    assert load_rules().max_deal_age_days == 60  # ./rules.toml when present


def test_overrides(tmp_path):
    rules = load_rules(write(tmp_path, """
touch_interval_days = 7
[calendar]
timezone = "+05:00"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
holidays = ["2026-12-31", 2027-01-01]
[invoice_stages]
stage_ids = ["C3:INVOICE"]
[loss_reasons]
field = "UF_CRM_LOSS_REASON"
client_silent = ["id:157", "молчит"]
[managers]
exclude_user_ids = [1]
[pipelines.3]
max_deal_age_days = 180
invoice_stage_ids = []
"""))
    assert rules.touch_interval_days == 7 and rules.timezone == "+05:00"
    assert rules.working_days == (1, 2, 3, 4, 5, 6)
    assert rules.holidays == (date(2026, 12, 31), date(2027, 1, 1))
    assert rules.invoice_stage_ids == ("C3:INVOICE",)
    assert rules.loss_reason_field == "uf_crm_loss_reason"
    assert rules.loss_reason_groups["client_silent"] == ("id:157", "молчит")
    assert rules.loss_reason_groups["manager_closed"] == Rules().loss_reason_groups["manager_closed"]
    assert rules.exclude_manager_ids == (1,)
    assert rules.pipelines == {3: PipelineRules(max_deal_age_days=180, invoice_stage_ids=())}


@pytest.mark.parametrize(("text", "message"), [
    ("max_age = 3\n", "rules.toml: max_age: unknown key"),
    ("max_deal_age_days = \"90\"\n", "rules.toml: max_deal_age_days: expected a whole number, got '90'"),
    ("touch_interval_days = -1\n", "rules.toml: touch_interval_days: must be >= 0, got -1"),
    ("min_active_deals = true\n", "rules.toml: min_active_deals: expected a whole number, got True"),
    ("[calendar]\ntimezone = \"Mars/Olympus\"\n", "rules.toml: calendar.timezone: unknown time zone"),
    ("[calendar]\nworking_days = [\"mon\", \"funday\"]\n",
     "rules.toml: calendar.working_days: unknown weekday"),
    ("[calendar]\nholidays = [\"31.12.2026\"]\n", "rules.toml: calendar.holidays: not a date"),
    ("[calendar]\nweekends = []\n", "rules.toml: calendar.weekends: unknown key"),
    ("[invoice_stages]\nstage_ids = \"C3:INVOICE\"\n",
     "rules.toml: invoice_stages.stage_ids: expected a list"),
    ("[loss_reasons]\nfield = \"LOSS\"\n", "rules.toml: loss_reasons.field: expected a deal user field"),
    ("[loss_reasons]\nclient_gone = []\n", "rules.toml: loss_reasons.client_gone: unknown key"),
    ("[managers]\nuser_ids = [\"anna\"]\n", "rules.toml: managers.user_ids: expected a whole number"),
    ("[pipelines.main]\nmax_deal_age_days = 1\n",
     "rules.toml: pipelines.main: pipeline ids are whole numbers"),
    ("[pipelines.3]\nmax_age = 1\n", "rules.toml: pipelines.3.max_age: unknown key"),
    ("[attention]\nwindow_days = 0\n", "rules.toml: attention.window_days: must be >= 1, got 0"),
    ("max_deal_age_days = \n", "not valid TOML"),
])
def test_refused_with_key_and_reason(tmp_path, text, message):
    with pytest.raises(RulesError) as err:
        load_rules(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="file not found"):
        load_rules(tmp_path / "nope.toml")


def test_rules_are_hashable_for_caches():
    assert hash(Rules()) == hash(Rules())
    assert {Rules(): 1}[Rules()] == 1
