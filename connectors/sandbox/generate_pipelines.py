"""Pipelines, stages, directories, currencies and deal user fields of the sandbox portal.

Three deal pipelines (the default one, id 0, `C3:` and `C12:`), each with an invoice stage, one success
stage and several failure stages whose names carry the loss reason; one smart-invoice pipeline
(DT31_1:). Custom stages get random UC_XXXXXX codes, as stages a portal user adds do.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass

INVOICE_CATEGORY = 1
INVOICE_PREFIX = f"DT31_{INVOICE_CATEGORY}:"
INVOICE_STAGES = (  # STATUS_ID suffix, name, sort, semantics
    ("N", "Новый", 100, None),
    ("S", "Отправлен клиенту", 110, None),
    ("P", "Оплачен", 130, "S"),
    ("D", "Отказ", 140, "F"),
)

LOSS_REASONS = ("Дорого", "Выбрал конкурента", "Нет бюджета", "Не выходит на связь", "Потребность отпала")
LOSS_REASON_BASE_ID = 3151  # enumeration option ids, as a portal numbers them


@dataclass(frozen=True)
class Stage:
    status_id: str
    name: str
    sort: int
    semantics: str | None  # None in progress, "S", "F"
    extra: str  # process / success / failure / apology
    invoice: bool = False  # a stage where the deal waits for the client's payment
    loss_kind: str = ""  # rules / declined / silent for failure stages
    proposal: bool = False  # the commercial proposal («КП») was sent: the manager calls back in a few days


@dataclass(frozen=True)
class Pipeline:
    id: int
    name: str
    sort: int
    stages: tuple[Stage, ...]

    @property
    def process(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.semantics is None)

    @property
    def won(self) -> Stage:
        return next(s for s in self.stages if s.semantics == "S")

    @property
    def failures(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.semantics == "F")

    @property
    def entity_id(self) -> str:
        return "DEAL_STAGE" if self.id == 0 else f"DEAL_STAGE_{self.id}"


def _uc(rng: random.Random) -> str:
    return "UC_" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def make_pipelines(rng: random.Random) -> list[Pipeline]:
    default = Pipeline(
        0,
        "Общая",
        100,
        (
            Stage("NEW", "Новая", 10, None, "process"),
            Stage("PREPARATION", "Подготовка документов", 20, None, "process"),
            Stage("PREPAYMENT_INVOICE", "Счёт на предоплату", 30, None, "process", invoice=True),
            Stage("EXECUTING", "В работе", 40, None, "process"),
            Stage("FINAL_INVOICE", "Финальный счёт", 50, None, "process", invoice=True),
            Stage("WON", "Сделка успешна", 60, "S", "success"),
            Stage("LOSE", "Закрыта менеджером по регламенту", 70, "F", "failure", loss_kind="rules"),
            Stage("APOLOGY", "Отказ клиента", 80, "F", "apology", loss_kind="declined"),
            Stage(_uc(rng), "Клиент пропал", 90, "F", "apology", loss_kind="silent"),
        ),
    )
    tenders = Pipeline(
        3,
        "Оптовые продажи",
        200,
        (
            Stage("C3:NEW", "Заявка", 10, None, "process"),
            Stage("C3:PREPARATION", "Подготовка КП", 20, None, "process", proposal=True),
            Stage("C3:" + _uc(rng), "Согласование условий", 30, None, "process"),
            Stage("C3:PREPAYMENT_INVOICE", "Счёт выставлен", 40, None, "process", invoice=True),
            Stage("C3:EXECUTING", "Отгрузка", 50, None, "process"),
            Stage("C3:WON", "Оплачено и отгружено", 60, "S", "success"),
            Stage(
                "C3:LOSE", "Закрыта по регламенту: нет ответа 30 дней", 70, "F", "failure", loss_kind="rules"
            ),
            Stage("C3:APOLOGY", "Отказ клиента: дорого", 80, "F", "apology", loss_kind="declined"),
            Stage(
                "C3:" + _uc(rng), "Отказ клиента: выбрал конкурента", 90, "F", "apology", loss_kind="declined"
            ),
            Stage("C3:" + _uc(rng), "Клиент пропал", 100, "F", "apology", loss_kind="silent"),
        ),
    )
    # A two-digit pipeline id: default stage ids are cut at 21 characters (C12:PREPAYMENT_INVOIC).
    service = Pipeline(
        12,
        "Сервисные договоры",
        300,
        (
            Stage("C12:NEW", "Заявка на сервис", 10, None, "process"),
            Stage("C12:PREPAYMENT_INVOIC", "Счёт на предоплату", 20, None, "process", invoice=True),
            Stage("C12:EXECUTING", "Выполнение работ", 30, None, "process"),
            Stage("C12:WON", "Работы приняты", 40, "S", "success"),
            Stage("C12:LOSE", "Закрыта менеджером по регламенту", 50, "F", "failure", loss_kind="rules"),
            Stage("C12:" + _uc(rng), "Клиент пропал", 60, "F", "apology", loss_kind="silent"),
        ),
    )
    return [default, tenders, service]


_COLORS = {None: "#39A8EF", "S": "#7BD500", "F": "#FF5752"}


def category_rows(pipelines: list[Pipeline]) -> list[tuple]:
    rows = [(p.id, 2, p.name, p.sort, "Y" if p.id == 0 else "N") for p in pipelines]
    rows.append((INVOICE_CATEGORY, 31, "Счета", 100, "Y"))
    return rows


def status_rows(pipelines: list[Pipeline]) -> list[tuple]:
    """crm.status.list rows: (ID, ENTITY_ID, STATUS_ID, NAME, NAME_INIT, SORT, SYSTEM, CATEGORY_ID, COLOR,
    SEMANTICS, EXTRA_SEMANTICS)."""
    rows: list[tuple] = []

    def add(entity, status_id, name, sort, system, category, semantics, extra):
        rows.append(
            (
                len(rows) + 1,
                entity,
                status_id,
                name,
                name if system == "Y" else "",
                sort,
                system,
                category,
                _COLORS.get(semantics, "#39A8EF"),
                semantics,
                extra,
            )
        )

    for p in pipelines:
        for s in p.stages:
            system = "N" if "UC_" in s.status_id else "Y"
            add(
                p.entity_id,
                s.status_id,
                s.name,
                s.sort,
                system,
                None if p.id == 0 else p.id,
                s.semantics,
                s.extra,
            )
    for code, name, sort, semantics in INVOICE_STAGES:
        add(
            f"SMART_INVOICE_STAGE_{INVOICE_CATEGORY}",
            INVOICE_PREFIX + code,
            name,
            sort,
            "N" if code == "S" else "Y",
            INVOICE_CATEGORY,
            semantics,
            None,
        )
    for sort, (code, name) in enumerate(
        (
            ("SALE", "Продажа"),
            ("COMPLEX", "Комплексная продажа"),
            ("GOODS", "Продажа товара"),
            ("SERVICES", "Продажа услуги"),
            ("SERVICE", "Сервисное обслуживание"),
        ),
        1,
    ):
        add("DEAL_TYPE", code, name, sort * 10, "Y", None, None, None)
    for sort, (code, name) in enumerate(SOURCES, 1):
        add("SOURCE", code, name, sort * 10, "Y", None, None, None)
    return rows


SOURCES = (
    ("CALL", "Звонок"),
    ("EMAIL", "Электронная почта"),
    ("WEB", "Веб-сайт"),
    ("ADVERTISING", "Реклама"),
    ("PARTNER", "Существующий клиент"),
    ("RECOMMENDATION", "По рекомендации"),
    ("WEBFORM", "CRM-форма"),
    ("OTHER", "Другое"),
)

CURRENCY_ROWS = (  # CURRENCY, AMOUNT_CNT, AMOUNT, SORT, BASE, FULL_NAME
    ("RUB", 1, "1.0000", 100, "Y", "Российский рубль"),
    ("USD", 1, "92.5000", 200, "N", "Доллар США"),
)


def userfield_rows() -> list[tuple]:
    """crm.deal.userfield.list rows: (ID, ENTITY_ID, FIELD_NAME, USER_TYPE_ID, XML_ID, SORT, MULTIPLE,
    MANDATORY, SHOW_FILTER, EDIT_FORM_LABEL, LIST_JSON)."""
    options = [
        {
            "ID": str(LOSS_REASON_BASE_ID + i),
            "VALUE": v,
            "SORT": str(10 * (i + 1)),
            "DEF": "N",
            "XML_ID": f"loss_{i + 1}",
        }
        for i, v in enumerate(LOSS_REASONS)
    ]
    return [
        (
            201,
            "CRM_DEAL",
            "UF_CRM_LOSS_REASON",
            "enumeration",
            "LOSS_REASON",
            100,
            "N",
            "N",
            "E",
            "Причина проигрыша",
            json.dumps(options, ensure_ascii=False),
        ),
        (202, "CRM_DEAL", "UF_CRM_CITY", "string", "CITY", 110, "N", "N", "E", "Город", None),
    ]


# Deal user field columns and their SQLite types.
DEAL_USERFIELD_COLUMNS = (("UF_CRM_LOSS_REASON", "integer"), ("UF_CRM_CITY", "text"))
