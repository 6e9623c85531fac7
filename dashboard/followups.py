"""The follow-up rules in force (rules.toml `[followups]`) in words: the scorecard's help, About's list and
the backlog's action («Позвоните после КП от 12.11: смотрели ли, что решили»).

Rule names come from the rules file (whoever edits it may write anything), so every text meant for a
Markdown context goes through plain.md; the backlog's action is a table cell, drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any

import pandas as pd

from dashboard import formatting, plain
from dashboard.i18n import count_of, has, lang, t
from queries import FollowupRule


def window(rule: FollowupRule) -> str:
    """`3 рабочих дня` / `3 working days`."""
    return count_of(rule.business_days, "working_day")


def quoted(items: Iterable[str]) -> str:
    """`«кп», «предложение» или «proposal»` / `“кп”, “предложение” or “proposal”`, each item made plain for
    Markdown."""
    left, right = ("«", "»") if lang() == "ru" else ("“", "”")
    shown = [f"{left}{plain.md(i)}{right}" for i in items]
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + (" или " if lang() == "ru" else " or ") + shown[-1]


def help_list(rules: Sequence[FollowupRule]) -> str:
    """The rules in force for a help text: `«После КП» — 3 рабочих дня после входа в стадию; ...`."""
    parts = [t("followup_rule_help", name=plain.md(r.name), window=window(r),
               after=t(f"followup_after_{r.trigger}")) for r in rules]
    return "; ".join(parts) or t("followup_rules_none")


def described(rule: FollowupRule) -> str:
    """One rule in a sentence, for About: its name, its trigger and its window."""
    name = plain.md(rule.name)
    if rule.trigger == "meeting":
        return t("about_followup_meeting", name=name, window=window(rule))
    if rule.stage_ids:
        return t("about_followup_stage_ids", name=name, ids=quoted(rule.stage_ids), window=window(rule))
    return t("about_followup_stage", name=name, patterns=quoted(rule.name_patterns), window=window(rule))


def _inline(name: str) -> str:
    """A rule's name inside a Russian sentence: `После КП` -> `после КП` (an acronym such as `КП ...` keeps
    its capitals)."""
    if lang() == "ru" and len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def action(rule_name: Any, trigger_at: Any, rules: Sequence[FollowupRule], tz: tzinfo) -> str:
    """The backlog's `followup_call` in words: the rule's name and the day of its trigger E (portal time),
    and what to ask, by the kind of step."""
    if not isinstance(rule_name, str) or not rule_name or trigger_at is None or pd.isna(trigger_at):
        return t("act_followup_call_unnamed")
    trigger = next((r.trigger for r in rules if r.name == rule_name), None)
    ask = t(f"followup_ask_{trigger}") if has(f"followup_ask_{trigger}") else t("followup_ask")
    return t("act_followup_call", rule=_inline(" ".join(rule_name.split())),
             day=formatting.day_month(trigger_at, tz, lang()), ask=ask)
