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
    # issue 15: each of these was a traceback, a late failure without the key, or silently accepted
    ("[pipelines.\"²\"]\nmax_deal_age_days = 1\n",
     "rules.toml: pipelines.²: pipeline ids are whole numbers"),
    ("max_deal_age_days = 9223372036854775807\n",
     "rules.toml: max_deal_age_days: must be <= 36500, got 9223372036854775807"),
    ("[pipelines.3]\ntouch_interval_days = 99999999\n",
     "rules.toml: pipelines.3.touch_interval_days: must be <= 36500"),
    ("invoice_followup_business_days = 366\n", "rules.toml: invoice_followup_business_days: must be <= 365"),
    ("[attention]\nwindow_days = 100000\n", "rules.toml: attention.window_days: must be <= 36500"),
    ("[forecast]\nwin_rate_lookback_months = 5000\n",
     "rules.toml: forecast.win_rate_lookback_months: must be <= 1200"),
    ("[calendar]\nworking_days = [\"monXYZ\"]\n",
     "rules.toml: calendar.working_days: unknown weekday 'monXYZ'"),
    ("[calendar]\ncountry = \"XX\"\n", "rules.toml: calendar.country: no public-holiday calendar for 'XX'"),
    ("[calendar]\ncountry = 7\n", "rules.toml: calendar.country: expected a country code"),
    # issue 14: the follow-up rules
    ("[followups.proposal]\ndays = 3\n", "rules.toml: followups.proposal.days: unknown key"),
    ("[followups.proposal]\nbusiness_days = \"3\"\n",
     "rules.toml: followups.proposal.business_days: expected a whole number, got '3'"),
    ("[followups.meeting]\nbusiness_days = 400\n",
     "rules.toml: followups.meeting.business_days: must be <= 365, got 400"),
    ("[followups.proposal]\ntrigger = \"call\"\n",
     "rules.toml: followups.proposal.trigger: expected \"stage\" or \"meeting\", got 'call'"),
    ("[followups.demo]\nbusiness_days = 1\n", "rules.toml: followups.demo.trigger: missing"),
    ("[followups.proposal]\nname_patterns = []\n",
     "rules.toml: followups.proposal.name_patterns: a \"stage\" trigger needs name_patterns or stage_ids"),
    ("[followups.proposal]\nstage_ids = \"PREPARATION\"\n",
     "rules.toml: followups.proposal.stage_ids: expected a list"),
    ("[followups.meeting]\nstage_ids = [\"X\"]\n",
     "rules.toml: followups.meeting.stage_ids: only a \"stage\" trigger has stages"),
    ("[followups.proposal]\nname = \"\"\n", "rules.toml: followups.proposal.name: expected a non-empty"),
    ("[followups.\"После КП\"]\ntrigger = \"stage\"\n",
     "rules.toml: followups.После КП: a rule key is lowercase latin letters"),
    ("followups = 3\n", "rules.toml: followups: expected a table"),
    ("[followups]\nproposal = 3\n", "rules.toml: followups.proposal: expected a table"),
])
def test_refused_with_key_and_reason(tmp_path, text, message):
    with pytest.raises(RulesError) as err:
        load_rules(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_followup_rules(tmp_path):
    # a default rule's missing keys keep its defaults; the tables listed are the rules in force
    rules = load_rules(write(tmp_path, """
[followups.proposal]
business_days = 2
stage_ids = ["C3:KP"]
[followups.demo]
name = "После демо"
trigger = "stage"
name_patterns = ["демо"]
"""))
    assert [(r.key, r.name, r.trigger, r.business_days) for r in rules.followups] == [
        ("proposal", "После КП", "stage", 2), ("demo", "После демо", "stage", 2)]
    assert rules.followups[0].stage_ids == ("C3:KP",)
    assert rules.followups[0].name_patterns == Rules().followups[0].name_patterns
    assert load_rules(write(tmp_path, "[followups]\n")).followups == ()
    assert [r.key for r in Rules().followups] == ["proposal", "meeting"]


def test_weekday_names_full_and_short(tmp_path):
    rules = load_rules(write(tmp_path, '[calendar]\nworking_days = ["Monday", "tue", "SAT"]\n'))
    assert rules.working_days == (1, 2, 6)


def test_country_calendar(tmp_path):
    assert Rules().country == "RU"
    assert load_rules(write(tmp_path, '[calendar]\ncountry = "kz"\n')).country == "KZ"
    assert load_rules(write(tmp_path, '[calendar]\ncountry = ""\n')).country == ""


def test_missing_file(tmp_path):
    with pytest.raises(RulesError, match="file not found"):
        load_rules(tmp_path / "nope.toml")


def test_rules_are_hashable_for_caches():
    assert hash(Rules()) == hash(Rules())
    assert {Rules(): 1}[Rules()] == 1


def test_rules_path_order(tmp_path, monkeypatch):
    """$DOZHIM_RULES, else DOZHIM_RULES in .streamlit/secrets.toml, else ./rules.toml, else defaults."""
    from queries.rules import rules_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    assert rules_path() is None and load_rules() == Rules()
    write(tmp_path, "max_deal_age_days = 60\n")
    assert rules_path() == Path("rules.toml")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('DOZHIM_RULES = "team.toml"\n')
    (tmp_path / "team.toml").write_text("max_deal_age_days = 70\n")
    assert rules_path() == Path("team.toml") and load_rules().max_deal_age_days == 70
    (tmp_path / "env.toml").write_text("max_deal_age_days = 80\n")
    monkeypatch.setenv("DOZHIM_RULES", "env.toml")
    assert rules_path() == Path("env.toml") and load_rules().max_deal_age_days == 80


def test_broken_secrets_file_is_one_line(tmp_path, monkeypatch):
    from queries.rules import rules_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("DOZHIM_RULES = \n")
    broken = r"^\.streamlit/secrets\.toml: cannot read \(TOMLDecodeError\); fix the file$"
    with pytest.raises(RulesError, match=broken):
        rules_path()


def test_missing_loss_reason_field_names_the_key(run, recwarn):
    # was a Python UserWarning on stderr and a silent fall-back to stage names
    with pytest.raises(RulesError) as err:
        run("loss_reasons", rules=Rules(loss_reason_field="uf_crm_no_such_field"))
    assert str(err.value).startswith("rules.toml: loss_reasons.field: the snapshot's deals have no field "
                                     "UF_CRM_NO_SUCH_FIELD")
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_an_error_found_against_the_snapshot_names_the_file_in_force(run, tmp_path):
    # the dashboard said "rules.toml: ..." whatever file was in force
    path = write(tmp_path, '[loss_reasons]\nfield = "UF_CRM_NO_SUCH_FIELD"\n')
    with pytest.raises(RulesError) as err:
        run("loss_reasons", rules=load_rules(path))
    assert str(err.value).startswith(f"{path}: loss_reasons.field: the snapshot's deals have no field ")
