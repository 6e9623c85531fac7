"""The digest's Russian: what to do per backlog action, rule names, plurals (Babel's CLDR rules), numbers.

The dashboard has its own words (dashboard/i18n.py); the job does not import the dashboard (it would pull in
Streamlit), so the few phrases a digest needs live here, worded as the dashboard words them.
"""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

RU = Locale("ru")

ACTIONS = {
    "answer_incoming": "ответьте клиенту, закройте входящее",
    "answer_incoming_closed": "сделка закрыта: ответьте; купит снова — новая сделка",
    "do_overdue": "выполните просроченное дело или перенесите срок",
    "invoice_call": "позвоните клиенту по выставленному счёту",
    "invoice_push": "дожмите оплату: свяжитесь с клиентом по счёту",
    "followup_call": "позвоните клиенту: после его шага не было касания",
    "plan_next": "запланируйте следующее дело",
    "touch_stale": "свяжитесь с клиентом",
    "close_or_move": "решите судьбу сделки: закройте или обновите дату",
    "lead_unprocessed": "возьмите лид в работу",
    "lead_hanging": "свяжитесь с лидом",
    "client_reactivate": "верните клиента: позвоните или запланируйте дело",
}

# the backlog's `rules` keys and the scorecard's counts, in the backlog's priority order
RULES = {
    "unprocessed_incoming": "необработанные входящие",
    "overdue_activities": "просроченные дела",
    "invoice_stuck": "зависли на счёте",
    "missed_followup": "без дожима",
    "no_next_activity": "без следующего дела",
    "stale_deals": "без касаний",
    "overaged_deals": "старые сделки",
}
SCORECARD_COUNTS = {  # scorecard column -> backlog rule key
    "unprocessed_incoming": "unprocessed_incoming",
    "overdue_activities": "overdue_activities",
    "invoice_stuck": "invoice_stuck",
    "missed_followups": "missed_followup",
    "no_next_activity": "no_next_activity",
    "stale_deals": "stale_deals",
    "overaged_deals": "overaged_deals",
}

FORMS = {  # CLDR plural categories of Russian: one, few, many (and other for fractions)
    "deal": ("сделка", "сделки", "сделок", "сделки"),
    "item": ("дело", "дела", "дел", "дела"),
    "lead": ("лид", "лида", "лидов", "лида"),
    "issue": ("нарушение", "нарушения", "нарушений", "нарушения"),
    "manager": ("менеджер", "менеджера", "менеджеров", "менеджера"),
    "day": ("день", "дня", "дней", "дня"),
}
CATEGORY = {"one": 0, "few": 1, "many": 2, "other": 3}


def plural(n: int, word: str) -> str:
    """`plural(5, "deal")` -> «5 сделок» (Babel's Russian plural rule picks the form; the number as
    number() writes it: «6 374 нарушения»)."""
    return f"{number(n)} {FORMS[word][CATEGORY[RU.plural_form(n)]]}"


def number(value: float | int | None) -> str:
    """100000 -> «100 000» (a no-break space between groups, as Russian writes it)."""
    return "0" if value is None else format_decimal(round(float(value)), format="#,##0", locale=RU)


def money(value: float | int | None, currency: str) -> str:
    return f"{number(value)} {'₽' if currency == 'RUB' else currency}"


def day_words(day: date) -> str:
    """«20 ноября»."""
    return format_date(day, "d MMMM", locale=RU)


def signed(change: int | float | None) -> str:
    """A change since the day before: «+2», «−1», «±0»; «» when unknown."""
    if change is None:
        return ""
    change = int(change)
    return f"+{change}" if change > 0 else (f"−{-change}" if change < 0 else "±0")
