"""Issue 14 on the dashboard: the follow-up rules (a call after a proposal, after a meeting) on the scorecard,
the tiles, the drill-down, the backlog's action in words, the conversion page, About and Trends.

The fixture (tests/queries/fixture_db.py) at AS_OF, Friday 20 Nov 2026 18:00 +03:00, with the default rules:
«После КП» (entering a stage named «КП» ..., 3 working days) and «После встречи» (a completed meeting,
2 working days)."""

from __future__ import annotations

from tests.dashboard.helpers import no_errors

NB = "\u00a0"


def _about_rules(at) -> str:
    return at.container("about_followups").markdown[0].value


# --- About: the follow-up rules in force, in words, in both languages ---

def test_about_lists_the_default_followup_rules_in_words(app) -> None:
    at = app("about")
    no_errors(at)
    shown = _about_rules(at)
    assert ("«После КП»: сделка перешла на стадию, в названии которой есть «кп», «коммерческое предложение», "
            f"«предложение» или «proposal», — позвонить не позже чем через 3{NB}рабочих дня.") in shown
    assert f"«После встречи»: встреча по сделке завершилась — позвонить не позже чем через 2{NB}рабочих дня." \
        in shown
    assert f"Счёт — отдельное правило («На счёте»): позвонить не позже чем через 2{NB}рабочих дня" in shown
    # the settings table lists no `followups` row of Python reprs
    settings = at.dataframe[0].value
    assert not [k for k in settings[settings.columns[0]] if str(k).startswith("followups")]
    at.segmented_control(key="lang").set_value("en").run()
    shown = _about_rules(at)
    assert ("“После КП”: the deal enters a stage whose name contains “кп”, “коммерческое предложение”, "
            f"“предложение” or “proposal” — call back within 3{NB}working days.") in shown
    assert f"“После встречи”: a meeting on the deal is over — call back within 2{NB}working days." in shown


def test_about_shows_the_rules_files_followups_as_typed(app, monkeypatch, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[followups.demo]\nname = "Демо [ссылка](http://evil)"\ntrigger = "stage"\n'
                     'stage_ids = ["C3:UC_DEMO"]\nbusiness_days = 1\n'
                     '[followups.meeting]\nbusiness_days = 5\n', encoding="utf-8")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    at = app("about")
    no_errors(at)
    shown = _about_rules(at)
    # a [followups] table lists exactly its rules: the default proposal rule is gone
    assert "После КП" not in shown
    assert "http" in shown and "](http" not in shown  # the name is escaped, never a live link
    assert "C3" in shown and f"через 1{NB}рабочий день" in shown
    assert f"«После встречи»: встреча по сделке завершилась — позвонить не позже чем через 5{NB}рабочих дней" \
        in shown


def test_about_says_when_no_followup_rule_is_set(app, monkeypatch, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[followups]\n", encoding="utf-8")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    at = app("about")
    no_errors(at)
    assert "Правила дожима не заданы." in _about_rules(at)
