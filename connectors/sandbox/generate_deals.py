"""One deal's whole life: outcome, path through the stages (with its history), invoices and the deal row.

The deal row is written last, so that MOVED_TIME, LAST_ACTIVITY_TIME and DATE_MODIFY agree with the stage
history and the activities generated for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from connectors.sandbox.clock import DAY, HOUR, Clock, sooner
from connectors.sandbox.generate_activities import ActivityWriter, DealLife
from connectors.sandbox.generate_invoices import InvoiceWriter
from connectors.sandbox.generate_people import Manager
from connectors.sandbox.generate_pipelines import (
    LOSS_REASON_BASE_ID,
    LOSS_REASONS,
    SOURCES,
    Pipeline,
    Stage,
)

_GOODS = (
    "Поставка оборудования",
    "Внедрение CRM",
    "Сервисный контракт",
    "Поставка расходников",
    "Монтаж системы вентиляции",
    "Лицензии ПО",
    "Обучение персонала",
    "Аренда спецтехники",
    "Разработка сайта",
    "Аудит безопасности",
    "Комплектующие",
    "Годовое обслуживание",
)
_COMPANIES = (
    "ТехноСтрой",
    "Альфа-Логистик",
    "СеверМет",
    "Вектор",
    "ПромИнвест",
    "ГорТорг",
    "МедЛайн",
    "АгроХолдинг",
    "Стройресурс",
    "ИнфоСистемы",
    "Балтпорт",
    "Уралхим",
    "Сибирский двор",
    "Волга-Авто",
    "Фармацевт",
    "Энергосбыт",
    "Гарант",
    "Мегаполис",
    "Северный ветер",
    "Дельта",
)
_CITIES = ("Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "")
_DEAL_TYPES = ("SALE", "COMPLEX", "GOODS", "SERVICES", "SERVICE")
_SOURCE_IDS = tuple(code for code, _ in SOURCES)


@dataclass
class DealParts:
    """Rows produced for one deal."""

    deal: tuple
    history: list[tuple] = field(default_factory=list)
    invoices: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)
    bindings: list[tuple] = field(default_factory=list)


class DealWriter:
    """Builds deals with their history, invoices and activities; owns the id counters except activities'."""

    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        pipelines: list[Pipeline],
        managers: list[Manager],
        activities: ActivityWriter,
    ):
        self.rng = rng
        self.clock = clock
        self.default, self.other, self.service = pipelines[0], pipelines[1], pipelines[2]
        self.managers = managers
        self.activities = activities
        self.next_history = 1
        self.invoices = InvoiceWriter(rng, clock)
        self.next_contact = 1
        self.proposal_missed = False  # whether some deal already waits for its call after a proposal

    # --- public ---------------------------------------------------------------------------------------
    def deal(self, deal_id: int, created: int, manager: Manager) -> DealParts:
        rng, now = self.rng, self.clock.now
        profile = manager.profile
        end_of_work = manager.dismissed or now
        outcome = self._outcome(now - created, profile.old_open_share)
        closed_at = None
        if outcome != "open":
            drawn = created + int(rng.expovariate(1 / (25 * DAY))) + HOUR
            # before the end of work, a minute at least; never after it (one created in its last minute)
            closed_at = sooner(rng, created, drawn, end_of_work - 60)
            closed_at = min(max(self.clock.business(closed_at, rng), created + 60), end_of_work)
        path = self._path(outcome)
        parts = DealParts(deal=())
        moves = self._history(parts, deal_id, path, created, closed_at, end_of_work)
        contact, company, returning = self._client(parts)
        life = self._life(deal_id, manager, contact, created, closed_at, end_of_work)
        self._skip_followup(life, path[-1][1], moves[-1], profile.followup_miss_share)
        self.activities.fill(life)
        parts.activities, parts.bindings = life.rows, life.bindings
        amount, currency = self._amount()
        last_pipeline, last_stage = path[-1]
        parts.invoices = self.invoices.for_deal(
            deal_id,
            manager.id,
            path,
            moves,
            outcome,
            amount,
            currency,
            contact,
            company,
            parts.history,
            self._history_id,
        )
        parts.deal = self._deal_row(
            deal_id,
            manager,
            created,
            closed_at,
            last_pipeline,
            last_stage,
            moves[-1],
            life,
            amount,
            currency,
            contact,
            company,
            returning,
            outcome,
        )
        return parts

    def recurring_template(self, deal_id: int, created: int, manager: Manager) -> DealParts:
        """A recurring-deal template (IS_RECURRING Y): hidden from lists, excluded from every metric."""
        stage = self.default.process[0]
        parts = DealParts(deal=())
        self._history(parts, deal_id, [(self.default, stage)], created, None, created)
        life = DealLife(
            deal_id, manager.id, "template", None, created, created, True, None, None, False, False, False
        )
        row = self._deal_row(
            deal_id,
            manager,
            created,
            None,
            self.default,
            stage,
            created,
            life,
            15000.0,
            "RUB",
            None,
            0,
            False,
            "open",
        )
        parts.deal = row[:1] + ("Ежемесячное обслуживание (шаблон)",) + row[2:7] + ("Y",) + row[8:]
        return parts

    def _history_id(self) -> int:
        self.next_history += 1
        return self.next_history - 1

    # --- the life ------------------------------------------------------------------------------------
    def _outcome(self, age: int, old_open_share: float) -> str:
        days = age / DAY
        p_open = 0.9 if days < 14 else 0.6 if days < 45 else 0.35 if days < 90 else old_open_share
        r = self.rng.random()
        if r < p_open:
            return "open"
        return "won" if self.rng.random() < 0.4 else "lost"

    def _path(self, outcome: str) -> list[tuple[Pipeline, Stage]]:
        """The stages the deal went through, in order; a pipeline move starts anew in the other pipeline."""
        rng = self.rng
        r = rng.random()
        path: list[tuple[Pipeline, Stage]] = []
        if r < 0.05:  # started in the default pipeline, then moved (TYPE_ID 5)
            path += [(self.default, s) for s in self.default.process[: rng.randrange(1, 3)]]
            pipeline = self.other
        else:
            pipeline = self.other if r < 0.27 else self.service if r < 0.37 else self.default
        process = pipeline.process
        if outcome == "won":
            stages = [s for i, s in enumerate(process) if i == 0 or rng.random() < 0.8] + [pipeline.won]
        elif outcome == "lost":
            reached = process[: 1 + min(len(process) - 1, int(rng.expovariate(0.8)))]
            failures = pipeline.failures
            weights = [0.4 if s.loss_kind == "rules" else 0.6 / (len(failures) - 1) for s in failures]
            stages = [*reached, rng.choices(failures, weights)[0]]
        else:
            stages = list(process[: 1 + min(len(process) - 1, int(rng.expovariate(0.6)))])
        return path + [(pipeline, s) for s in stages]

    def _history(
        self,
        parts: DealParts,
        deal_id: int,
        path: list[tuple[Pipeline, Stage]],
        created: int,
        closed_at: int | None,
        end_of_work: int,
    ) -> list[int]:
        """Stage history rows (TYPE_ID 1 created, 2 intermediate, 3 final, 5 pipeline change); returns the
        time of every path entry."""
        rng, now = self.rng, self.clock.now
        business = self.clock.business
        last = closed_at or created + int((min(end_of_work, now) - created) * rng.uniform(0.05, 0.9))
        last = max(created + 1, business(last, rng)) if closed_at is None else last
        inner = sorted(
            min(last, max(created + 1, business(rng.randrange(created + 1, max(created + 2, last)), rng)))
            for _ in range(len(path) - 2)
        )
        times = [created, *inner, last][: len(path)] if len(path) > 1 else [created]
        for i, ((pipeline, stage), t) in enumerate(zip(path, times, strict=True)):
            if i == 0:
                type_id = 1
            elif pipeline is not path[i - 1][0]:
                type_id = 5
            else:
                type_id = 3 if stage.semantics else 2
            semantic = stage.semantics or "P"
            parts.history.append(
                (
                    self.next_history,
                    type_id,
                    deal_id,
                    self.clock.dt(t),
                    pipeline.id,
                    semantic,
                    stage.status_id,
                    2,
                )
            )
            self.next_history += 1
        return times

    def _skip_followup(self, life: DealLife, stage: Stage, entered: int, share: float) -> None:
        """Some open deals of careless managers get no call after the last step: in a proposal stage, every
        touch before the proposal was sent; else the last touch is a meeting with nothing after it."""
        if not life.open or life.dismissed is not None:
            return
        # the first open deal of a careless manager whose proposal went out over a week ago misses its call
        # in any case: a store of a few hundred deals holds only a handful in the proposal stage, and the
        # rule's case must not depend on the draws
        sent_long_ago = self.clock.now - entered > 7 * DAY
        first = stage.proposal and share > 0 and sent_long_ago and not self.proposal_missed
        if self.rng.random() >= share and not first:
            return
        if stage.proposal:
            self.proposal_missed = True
            sent_before = entered - self.rng.randrange(HOUR, 2 * DAY)
            life.touch_end = max(life.created, min(life.touch_end, sent_before))
        else:
            life.meeting_last = True

    def _client(self, parts: DealParts) -> tuple[int | None, int, bool]:
        """The deal's contact (new, or a returning one) and company (0 = none)."""
        rng = self.rng
        if rng.random() < 0.04:
            return None, 0, False
        returning = self.next_contact > 20 and rng.random() < 0.15
        if returning:
            contact = rng.randrange(1, self.next_contact)
        else:
            contact = self.next_contact
            self.next_contact += 1
            parts.contacts.append(_contact_row(rng, contact))
        company = rng.randrange(1, 1 + len(_COMPANIES)) if rng.random() < 0.6 else 0
        return contact, company, returning

    def _life(
        self,
        deal_id: int,
        manager: Manager,
        contact: int | None,
        created: int,
        closed_at: int | None,
        end_of_work: int,
    ) -> DealLife:
        rng, now, p = self.rng, self.clock.now, manager.profile
        is_open = closed_at is None
        if not is_open:
            touch_end = closed_at
        elif manager.dismissed is not None:
            touch_end = max(created, manager.dismissed - rng.randrange(0, 10 * DAY))
        elif rng.random() < p.stale_share:
            touch_end = max(created, now - rng.randrange(15 * DAY, 60 * DAY))
        else:
            touch_end = max(created, now - rng.randrange(0, max(HOUR, int(p.touch_gap_days * DAY))))
        planned = rng.random() < p.planned_share
        colleagues = tuple(m.id for m in rng.sample(self.managers, 2) if m.id != manager.id)
        return DealLife(
            deal_id,
            manager.id,
            p.name,
            contact,
            created,
            min(touch_end, end_of_work),
            is_open,
            closed_at,
            manager.dismissed,
            planned,
            rng.random() < p.overdue_share,
            rng.random() < p.missed_share,
            colleagues,
        )

    def _amount(self) -> tuple[float, str]:
        rng = self.rng
        if rng.random() < 0.03:
            return 0.0, "RUB"  # the manager never filled the amount in
        rub = round(rng.lognormvariate(11.8, 1.0), -2)
        if rng.random() < 0.1:
            return round(rub / 92.5, 2), "USD"
        return rub, "RUB"

    # --- the deal row ----------------------------------------------------------------------------------
    def _deal_row(
        self,
        deal_id: int,
        manager: Manager,
        created: int,
        closed_at: int | None,
        pipeline: Pipeline,
        stage: Stage,
        moved: int,
        life: DealLife,
        amount: float,
        currency: str,
        contact: int | None,
        company: int,
        returning: bool,
        outcome: str,
    ) -> tuple:
        rng, c = self.rng, self.clock
        last_act_time, last_act_by = life.last_activity or (created, manager.id)
        modified = max(moved, created)
        if rng.random() < 0.5:  # someone edited a field later (amount, comment...)
            modified = max(modified, rng.randrange(created, max(created + 1, min(c.now, life.touch_end + 1))))
        if closed_at is not None:
            closedate = c.date(closed_at)
        elif rng.random() < 0.2:
            closedate = c.date(created + 7 * DAY)  # the portal's default close date
        else:
            closedate = c.date(created + rng.randrange(10, 60) * DAY)
        semantic = stage.semantics or "P"
        loss = ""
        if semantic == "F" and rng.random() < 0.6:
            loss = LOSS_REASON_BASE_ID + rng.randrange(len(LOSS_REASONS))
        source = rng.choice(_SOURCE_IDS)
        web = source in ("WEB", "ADVERTISING")
        probability = (
            None
            if rng.random() < 0.2
            else {"P": rng.choice((10, 20, 30, 50, 70, 90)), "S": 100, "F": 0}[semantic]
        )
        title = f"{rng.choice(_GOODS)} — {_COMPANIES[company - 1] if company else 'частное лицо'}"
        return (
            deal_id,
            title,
            rng.choice(_DEAL_TYPES),
            pipeline.id,
            stage.status_id,
            semantic,
            "Y" if stage is pipeline.process[0] and semantic == "P" else "N",
            "N",
            "Y" if returning else "N",
            "Y" if rng.random() < 0.03 else "N",
            probability,
            currency,
            f"{amount:.2f}",
            "Y" if rng.random() < 0.3 else "N",
            "0.00",
            company,
            contact,
            None,
            c.date(created),
            closedate,
            "Y",
            "N" if semantic == "P" else "Y",
            "" if rng.random() < 0.8 else "Клиент просил перезвонить",
            manager.id,
            manager.id,
            manager.id,
            manager.id,
            c.dt(created),
            c.dt(modified),
            c.dt(moved),
            source,
            "",
            None,
            "",
            "",
            "",
            "",
            "yandex" if web else "",
            "cpc" if web else "",
            "autumn_sale" if web else "",
            "",
            "",
            c.dt(last_act_time),
            last_act_by,
            loss or None,
            rng.choice(_CITIES),
        )


def _contact_row(rng: random.Random, contact_id: int) -> tuple:
    from connectors.sandbox.generate_people import _FEMALE_FIRST, _LAST, _MALE_FIRST

    female = rng.random() < 0.5
    first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
    return contact_id, first, rng.choice(_LAST) + ("а" if female else "")
