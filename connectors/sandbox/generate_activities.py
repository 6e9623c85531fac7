"""Activities of one deal: the completed touches of its life, its planned next step, and what was left open.

What a deal gets depends on its manager's profile: a disciplined manager touches every few days and always
has a future to-do; a sloppy one leaves overdue to-dos, missed incoming calls and unanswered emails. All
times are epoch seconds until the row is written; nothing completed lies after the portal's now.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from connectors.sandbox.clock import DAY, HOUR, Clock

NO_DEADLINE = -1  # marker for "9999-12-31", formatted by the writer


@dataclass
class DealLife:
    """What the activity generator needs to know about a deal."""

    id: int
    manager: int
    profile: str
    contact_id: int | None
    created: int
    touch_end: int  # the last completed touch happens here
    open: bool
    closed_at: int | None
    dismissed: int | None  # the manager left the company then: no touches after
    planned: bool  # has a planned next step (open deals)
    overdue: bool  # ... which is overdue
    missed: bool  # a missed incoming call / unanswered email is left open
    colleagues: tuple[int, ...] = ()
    meeting_last: bool = False  # the last completed touch is a meeting nobody followed up
    rows: list[tuple] = field(default_factory=list)  # activity rows
    bindings: list[tuple] = field(default_factory=list)  # (ACTIVITY_ID, OWNER_TYPE_ID, OWNER_ID)
    last_activity: tuple[int, int] | None = None  # (time, user) of the latest timeline entry


# Completed touch kinds and their weights.
_TOUCHES = (
    ("call_out", 35),
    ("call_in", 12),
    ("email_out", 15),
    ("email_in", 10),
    ("meeting", 8),
    ("todo", 12),
    ("chat", 8),
)
_TOUCH_KINDS = tuple(k for k, _ in _TOUCHES)
_TOUCH_WEIGHTS = tuple(w for _, w in _TOUCHES)

_TODO_SUBJECTS = (
    "Перезвонить клиенту",
    "Отправить КП",
    "Уточнить сроки оплаты",
    "Согласовать договор",
    "Напомнить о счёте",
    "Подготовить спецификацию",
    "Назначить встречу",
)
_MEETING_SUBJECTS = ("Встреча в офисе клиента", "Презентация продукта", "Переговоры по договору")
_EMAIL_OUT = ("Коммерческое предложение", "Счёт на оплату", "Договор на согласование", "Ответ на запрос")
_EMAIL_IN = ("Re: Коммерческое предложение", "Запрос цены", "Вопрос по договору", "Re: Счёт на оплату")


class ActivityWriter:
    """Builds activity rows for deals, numbering them from a shared counter."""

    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        next_id: int,
        max_touches: int,
        density: float,
        contact_share: float,
    ):
        self.rng = rng
        self.clock = clock
        self.next_id = next_id
        self.max_touches = max_touches
        self.density = density  # touches per profile gap
        self.contact_share = contact_share  # activities main-owned by the contact but bound to the deal

    # --- one deal -------------------------------------------------------------------------------------
    def fill(self, deal: DealLife) -> None:
        rng, now = self.rng, self.clock.now
        young = now - deal.created < 2 * HOUR  # no room for a finished call or meeting yet
        times = self._touch_times(deal)
        for i, t in enumerate(times):
            kind = (
                rng.choice(("email_out", "todo")) if young else rng.choices(_TOUCH_KINDS, _TOUCH_WEIGHTS)[0]
            )
            if deal.meeting_last and not young and i == len(times) - 1:
                kind = "meeting"
            self._completed(deal, kind, min(t, now))
        today = self.clock.day_start(now)
        if deal.open:
            self._open_steps(deal, today)
        else:
            closed = max(deal.created + 1, deal.closed_at or now)
            if rng.random() < 0.4 * deal.missed:
                # a closed deal can still carry an incoming nobody processed
                self._incoming_open(deal, rng.randrange(deal.created, closed))
            if deal.profile in ("sloppy", "average") and rng.random() < 0.08:
                # a to-do left open when the deal was closed: planned, but on a closed deal
                self._planned(deal, closed + rng.randrange(-3 * DAY, 5 * DAY))
        if rng.random() < 0.04 and now - today > HOUR and deal.created < today:
            # something came in this morning: not yet "unprocessed" by the rules (created today)
            self._incoming_open(deal, now - rng.randrange(1, min(now - today, 3 * HOUR)))

    def _touch_times(self, deal: DealLife) -> list[int]:
        rng = self.rng
        span = max(0, deal.touch_end - deal.created)
        gap = {"disciplined": 2.5, "head": 3.0, "average": 5.0, "newbie": 4.0, "sloppy": 9.0}.get(
            deal.profile, 6.0
        ) * DAY
        n = min(self.max_touches, 1 + int(span / gap * self.density * rng.uniform(0.6, 1.2)))
        if span < HOUR:
            return [deal.created + rng.randrange(60, 1800)]
        business, end = self.clock.business, deal.touch_end
        inner = (business(deal.created + rng.randrange(span), rng) for _ in range(max(0, n - 1)))
        return sorted([*(max(deal.created, min(end, t)) for t in inner), end])

    def _open_steps(self, deal: DealLife, today: int) -> None:
        rng, now = self.rng, self.clock.now
        stop = deal.dismissed or now
        if deal.planned:
            if deal.dismissed:
                # planned before leaving, now overdue since nobody took over
                self._planned(deal, deal.dismissed + rng.randrange(DAY, 10 * DAY))
            elif deal.overdue and deal.created < today - DAY:
                self._planned(deal, rng.randrange(max(deal.created + HOUR, today - 20 * DAY), today - HOUR))
            elif rng.random() < 0.1 and now - today > 2 * HOUR:
                self._planned(deal, rng.randrange(today + HOUR, now))  # due earlier today: not yet overdue
            else:
                self._planned(deal, now + rng.randrange(HOUR, 10 * DAY))
        if deal.profile == "sloppy" and rng.random() < 0.2 and deal.created < today - 2 * DAY:
            self._planned(deal, rng.randrange(deal.created + HOUR, today - HOUR))  # a forgotten older to-do
        if deal.profile in ("sloppy", "average") and rng.random() < 0.03:
            self._todo_without_deadline(deal, rng.randrange(deal.created, min(stop, now)))
        if deal.missed:
            lo = max(deal.created + HOUR, deal.dismissed or today - 14 * DAY)
            hi = today - HOUR
            self._incoming_open(deal, rng.randrange(lo, hi) if lo < hi else deal.created + 60)

    # --- row builders ---------------------------------------------------------------------------------
    def _completed(self, deal: DealLife, kind: str, t: int) -> None:
        rng, now = self.rng, self.clock.now
        who = deal.manager
        if kind in ("call_out", "call_in"):
            dur = rng.randrange(40, 900)
            start = min(t, now - dur)
            incoming = kind == "call_in"
            self._add(
                deal,
                2,
                "VOXIMPLANT_CALL",
                "CALL",
                ("Входящий звонок" if incoming else "Исходящий звонок"),
                start,
                start + dur,
                NO_DEADLINE if incoming else start,
                True,
                who,
                1 if incoming else 2,
                start,
                start + dur,
                incoming,
            )
        elif kind in ("email_out", "email_in"):
            incoming = kind == "email_in"
            subject = rng.choice(_EMAIL_IN if incoming else _EMAIL_OUT)
            done = min(now, t + (rng.randrange(600, 6 * HOUR) if incoming else 0))
            self._add(
                deal,
                4,
                "CRM_EMAIL",
                "EMAIL",
                subject,
                t,
                t,
                NO_DEADLINE if incoming else t,
                True,
                who,
                1 if incoming else 2,
                t,
                done,
                incoming,
            )
        elif kind == "meeting":
            start = min(t, now - HOUR)
            created = max(deal.created, start - rng.randrange(HOUR, 5 * DAY))
            self._add(
                deal,
                1,
                "CRM_MEETING",
                "MEETING",
                rng.choice(_MEETING_SUBJECTS),
                start,
                start + HOUR,
                start,
                True,
                who,
                0,
                created,
                start + HOUR,
                False,
            )
        elif kind == "todo":
            created = max(deal.created, t - rng.randrange(HOUR, 5 * DAY))
            self._add(
                deal,
                6,
                "CRM_TODO",
                "TODO",
                rng.choice(_TODO_SUBJECTS),
                t,
                t,
                t,
                True,
                who,
                0,
                created,
                t,
                False,
            )
        else:  # an open-line chat the manager answered
            dur = rng.randrange(300, 3600)
            start = min(t, now - dur)
            self._add(
                deal,
                6,
                "IMOPENLINES_SESSION",
                "1",
                "Обращение из онлайн-чата",
                start,
                start + dur,
                NO_DEADLINE,
                True,
                who,
                1,
                start,
                start + dur,
                True,
            )

    def _planned(self, deal: DealLife, deadline: int) -> None:
        rng = self.rng
        deadline = max(deal.created + 60, self.clock.business(deadline, rng))
        created = max(deal.created, min(self.clock.now, deadline) - rng.randrange(HOUR, 7 * DAY))
        if deal.dismissed:
            created = min(created, deal.dismissed)
        if rng.random() < 0.8:
            kind = (6, "CRM_TODO", "TODO", rng.choice(_TODO_SUBJECTS), deadline)
        else:
            kind = (1, "CRM_MEETING", "MEETING", rng.choice(_MEETING_SUBJECTS), deadline + HOUR)
        type_id, provider, provider_type, subject, end = kind
        self._add(deal, type_id, provider, provider_type, subject, deadline, end, deadline, False,
                  deal.manager, 0, created, created, False)

    def _todo_without_deadline(self, deal: DealLife, created: int) -> None:
        self._add(
            deal,
            6,
            "CRM_TODO",
            "TODO",
            "Разобраться с клиентом",
            created,
            created,
            NO_DEADLINE,
            False,
            deal.manager,
            0,
            created,
            created,
            False,
        )

    def _incoming_open(self, deal: DealLife, created: int) -> None:
        """A missed call, an unanswered email or a chat nobody picked up: incoming, never completed."""
        now = self.clock.now
        created = min(now, max(deal.created + 60, self.clock.business(min(created, now), self.rng)))
        r = self.rng.random()
        if r < 0.5:
            kind = (2, "VOXIMPLANT_CALL", "CALL", "Пропущенный звонок")
        elif r < 0.8:
            kind = (4, "CRM_EMAIL", "EMAIL", self.rng.choice(_EMAIL_IN))
        else:
            kind = (6, "IMOPENLINES_SESSION", "1", "Обращение из онлайн-чата")
        type_id, provider, provider_type, subject = kind
        self._add(deal, type_id, provider, provider_type, subject, created, created, NO_DEADLINE, False,
                  deal.manager, 1, created, created, True)

    def _add(
        self,
        deal: DealLife,
        type_id: int,
        provider: str,
        provider_type: str,
        subject: str,
        start: int,
        end: int,
        deadline: int,
        completed: bool,
        who: int,
        direction: int,
        created: int,
        updated: int,
        incoming: bool,
    ) -> None:
        rng, clock = self.rng, self.clock
        aid = self.next_id
        self.next_id += 1
        if deal.colleagues and rng.random() < 0.05:
            who = rng.choice(deal.colleagues)  # a colleague covered this one
        by_contact = deal.contact_id is not None and rng.random() < self.contact_share
        owner_type, owner_id = (3, deal.contact_id) if by_contact else (2, deal.id)
        deal.bindings.append((aid, owner_type, owner_id))
        if by_contact:
            deal.bindings.append((aid, 2, deal.id))
        elif deal.contact_id is not None and rng.random() < 0.25:
            deal.bindings.append((aid, 3, deal.contact_id))
        dl = clock.no_deadline if deadline == NO_DEADLINE else clock.dt(deadline)
        is_chat = provider == "IMOPENLINES_SESSION"
        deal.rows.append(
            (
                aid,
                owner_id,
                owner_type,
                type_id,
                provider,
                provider_type,
                "",
                aid if is_chat else 0,
                subject,
                clock.dt(start),
                clock.dt(end),
                dl,
                "Y" if completed else "N",
                2 if completed else 1,
                who,
                2,
                0 if incoming else 1,
                0 if incoming else 15,
                "",
                1,
                direction,
                "",
                clock.dt(created),
                who,
                clock.dt(updated),
                who,
                "IMOL" if is_chat else "",
                f"imol|{aid}" if is_chat else "",
                "",
                "Y" if incoming else "N",
            )
        )
        seen = updated if completed else created
        if seen <= clock.now and (deal.last_activity is None or seen > deal.last_activity[0]):
            deal.last_activity = (seen, who)
