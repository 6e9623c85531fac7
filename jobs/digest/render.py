"""A digest as text: BB-code for Bitrix24 (its messages take no Markdown), HTML and plain text for e-mail.

One list of lines (segments: text, bold, link) is built once and written out three ways, so the three say the
same. A Bitrix24 message stays within IM_MAX_CHARS: items are dropped from the end of the lists (the least
urgent) and replaced by "…и ещё N" with the link to the dashboard until it fits.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from jobs.digest import words
from jobs.digest.compose import Digest, Item

# Our own budget for one notification: well under the portal's limit (the docs state none for MESSAGE; the
# sandbox refuses above 20,000) and about what a notification panel shows without endless scrolling.
IM_MAX_CHARS = 4000

Segment = tuple[str, str] | tuple[str, str, str]  # ("text", s) | ("bold", s) | ("link", title, url)
Line = list[Segment]


@dataclass(frozen=True)
class Message:
    subject: str
    bbcode: str
    html: str
    plain: str
    items: int  # items shown in the message


def _t(text: str) -> Segment:
    return ("text", text)


def _b(text: str) -> Segment:
    return ("bold", text)


def _link(title: str, url: str) -> Segment:
    return ("link", title, url) if url else ("text", title)


def _more(count: int, digest: Digest) -> Line:
    tail: Line = [_t(f"…и ещё {count}")]
    if digest.dashboard_url:
        tail += [_t(": "), _link("весь список в дашборде", digest.dashboard_url)]
    return tail


def _item_line(n: int, item: Item) -> Line:
    line: Line = [_t(f"{n}. "), _link(item.title, item.url), _t(f" — {item.action}")]
    if item.detail:
        line.append(_t(f" ({item.detail})"))
    if item.new:
        line += [_t(" "), _b("новое")]
    return line


def subject(digest: Digest) -> str:
    day = words.day_words(digest.day)
    if digest.kind == "stale":
        return f"Дожим, {day}: данные устарели"
    if digest.kind == "all_clear":
        return f"Дожим, {day}: всё в порядке"
    if digest.kind == "head":
        own = f"; ваших — {words.plural(len(digest.items), 'item')}" if digest.items else ""
        return f"Дожим, {day}: команда — {words.plural(digest.item_count, 'issue')}{own}"
    return f"Дожим, {day}: {words.plural(len(digest.items), 'item')} на сегодня"


def _stale_lines(digest: Digest) -> list[Line]:
    since = digest.stale_since
    when = f"{words.day_words(since.date())}, {since:%H:%M}" if isinstance(since, datetime) else "никогда"
    return [
        [_b(subject(digest))],
        [
            _t(
                f"Данные устарели: последняя успешная синхронизация — {when}. "
                "Цифр сегодня не будет: проверьте синхронизацию."
            )
        ],
    ]


def _manager_lines(digest: Digest, shown: int) -> list[Line]:
    return [[_b(subject(digest))], *_own_lines(digest, shown)]


def _own_lines(digest: Digest, shown: int) -> list[Line]:
    """The recipient's own list (a manager's digest, and a head's who owns deals or leads)."""
    changed = ""
    if digest.fixed is not None:
        changed = f" С прошлого рабочего дня: исправлено {digest.fixed}, новых {digest.new}."
    lines: list[Line] = [
        [_t(f"Ваш список: {words.plural(len(digest.items), 'item')}, самое срочное сверху.{changed}")],
        [],
    ]
    lines += [_item_line(n, item) for n, item in enumerate(digest.items[:shown], start=1)]
    if len(digest.items) > shown:
        lines.append(_more(len(digest.items) - shown, digest))
    return lines


def _all_clear_lines(digest: Digest) -> list[Line]:
    text = "Нарушений нет: по вашим сделкам сегодня всё в порядке."
    if digest.recipient.kind == "head":
        text = "Нарушений нет: у команды сегодня всё в порядке."
    if digest.fixed:
        text += f" С прошлого рабочего дня исправлено: {digest.fixed}."
    return [[_b(subject(digest))], [_t(text)]]


def _manager_summary(line) -> str:
    change = f" ({words.signed(line.change)})" if line.change is not None else ""
    counts = ", ".join(f"{words.RULES[rule]} {n}" for rule, n in line.counts.items())
    leads = ""
    if line.leads:
        unprocessed, hanging = line.lead_counts
        leads = f"; лиды: не обработаны {unprocessed}, зависли {hanging}"
    gone = " (уволен: передайте сделки)" if not line.active else ""
    body = f": {counts}" if counts else ""
    return f"{line.name}{gone} — {words.plural(line.issues, 'issue')}{change}{body}{leads}"


def _head_lines(digest: Digest, per_rule: int, managers: int, own: int) -> list[Line]:
    lines: list[Line] = [[_b(subject(digest))]]
    if digest.items:  # the head's own deals and leads: only they can do these
        lines += [[], [_b("Ваши дела")], *_own_lines(digest, own), []]
    if digest.won is not None:
        won = digest.won
        lines.append(
            [
                _t(
                    f"Выиграно в этом месяце: {words.plural(won.deals, 'deal')} на "
                    f"{words.money(won.amount, digest.currency)} (к этому дню прошлого месяца: "
                    f"{words.money(won.amount_last_month, digest.currency)})."
                )
            ]
        )
    if digest.team_leads is not None:
        unprocessed, hanging = digest.team_leads
        lines.append([_t(f"Лиды команды: не обработаны {words.number(unprocessed)}, "
                         f"зависли {words.number(hanging)}.")])
    lines += [[], [_b("Менеджеры")], [_t("В скобках — изменение с прошлого сохранённого дня.")]]
    lines += [[_t(_manager_summary(line))] for line in digest.lines[:managers]]
    if len(digest.lines) > managers:
        lines.append(_more(len(digest.lines) - managers, digest))
    for rule, items in digest.worst.items():
        if per_rule == 0:
            break
        lines += [[], [_b(f"{words.RULES[rule].capitalize()}: {digest.worst_total[rule]}")]]
        lines += [_item_line(n, item) for n, item in enumerate(items[:per_rule], start=1)]
        if digest.worst_total[rule] > min(per_rule, len(items)):
            lines.append(_more(digest.worst_total[rule] - min(per_rule, len(items)), digest))
    return lines


def _footer(digest: Digest) -> list[Line]:
    return [[], [_link("Открыть Дожим", digest.dashboard_url)]] if digest.dashboard_url else []


def lines_for(digest: Digest, max_items: int, budget: int | None = IM_MAX_CHARS) -> tuple[list[Line], int]:
    """The digest's lines, cut to `budget` characters of BB-code; and how many items they show."""
    if digest.kind == "stale":
        return _stale_lines(digest) + _footer(digest), 0
    if digest.kind == "all_clear":
        return _all_clear_lines(digest) + _footer(digest), 0
    if digest.kind == "manager":
        for shown in range(min(max_items, len(digest.items)), -1, -1):
            lines = _manager_lines(digest, shown) + _footer(digest)
            if budget is None or len(bbcode(lines)) <= budget:
                return lines, shown
        return lines, 0
    # cut first the worst deals per rule, then the head's own list, then the manager lines: the most managers
    # that fit, then the most own items, then the most deals per rule. More of any makes the text longer, so
    # a count that does not fit with nothing of the later parts is skipped without trying them.
    def fitting(managers: int, own: int, per_rule: int) -> list[Line] | None:
        lines = _head_lines(digest, per_rule, managers, own) + _footer(digest)
        return lines if budget is None or len(bbcode(lines)) <= budget else None

    per_rule_max = min(max_items, max((len(v) for v in digest.worst.values()), default=0))
    for managers in range(len(digest.lines), -1, -1):
        if fitting(managers, 0, 0) is None:
            continue
        for own in range(min(max_items, len(digest.items)), -1, -1):
            if fitting(managers, own, 0) is None:
                continue
            for per_rule in range(per_rule_max, -1, -1):
                lines = fitting(managers, own, per_rule)
                if lines is not None:
                    return lines, own + sum(min(per_rule, len(v)) for v in digest.worst.values())
    return _head_lines(digest, 0, 0, 0) + _footer(digest), 0


def _bb_safe(text: str) -> str:
    """Square brackets in a title would open BB-code: shown as round ones."""
    return text.replace("[", "(").replace("]", ")")


def bbcode(lines: list[Line]) -> str:
    out = []
    for line in lines:
        parts = []
        for seg in line:
            if seg[0] == "bold":
                parts.append(f"[B]{_bb_safe(seg[1])}[/B]")
            elif seg[0] == "link":
                parts.append(f"[URL={seg[2]}]{_bb_safe(seg[1])}[/URL]")
            else:
                parts.append(_bb_safe(seg[1]))
        out.append("".join(parts))
    return "\n".join(out).strip()


def plain(lines: list[Line]) -> str:
    out = []
    for line in lines:
        out.append("".join(f"{seg[1]} <{seg[2]}>" if seg[0] == "link" else seg[1] for seg in line))
    return "\n".join(out).strip() + "\n"


def html_page(lines: list[Line], title: str) -> str:
    body = []
    for line in lines:
        if not line:
            body.append("<br>")
            continue
        parts = []
        for seg in line:
            if seg[0] == "bold":
                parts.append(f"<b>{html.escape(seg[1])}</b>")
            elif seg[0] == "link":
                parts.append(f'<a href="{html.escape(seg[2], quote=True)}">{html.escape(seg[1])}</a>')
            else:
                parts.append(html.escape(seg[1]))
        body.append(f"<div>{''.join(parts)}</div>")
    return (
        f'<!doctype html>\n<html lang="ru"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'</head>\n<body style="font-family: sans-serif; font-size: 14px">\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render(digest: Digest, max_items: int) -> Message:
    """The message for both channels: BB-code cut to IM_MAX_CHARS; e-mail with the same max_items cut."""
    im_lines, shown = lines_for(digest, max_items)
    mail_lines, _ = lines_for(digest, max_items, budget=None)
    title = subject(digest)
    return Message(title, bbcode(im_lines), html_page(mail_lines, title), plain(mail_lines), shown)
