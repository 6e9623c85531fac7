"""The small directories, re-read whole on every run in a handful of requests: the portal clock,
pipelines, stages, currencies, lead statuses, sources, deal user fields, users and departments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.bitrix24 import parse, streams
from connectors.bitrix24.batch import BatchReply
from connectors.bitrix24.errors import BatchCommandError, Bitrix24Error, classify
from connectors.bitrix24.paginate import iter_fast, iter_offset


@dataclass
class Directories:
    portal_now: datetime  # aware, in the portal's own offset
    tables: dict[str, list[dict]] = field(default_factory=dict)  # table -> parsed rows
    rejected: dict[str, list[dict]] = field(default_factory=dict)  # sync_runs.rejected entries

    @property
    def utc_offset(self) -> str:
        return parse.utc_offset_of(self.portal_now.isoformat()) or "+00:00"

    @property
    def base_currency(self) -> str | None:
        return next((c["currency"] for c in self.tables.get("currencies", []) if c["base"]), None)


def check_batch(reply: BatchReply, methods: dict[str, str]) -> None:
    """A failed command inside a batch (HTTP 200) is as fatal as a failed call: raise it."""
    for key, error in reply.errors.items():
        cause = classify(200, error, method=methods.get(key, ""))
        if isinstance(cause, Bitrix24Error):
            raise BatchCommandError(cause.user_message, key=key, cause=cause, code=cause.code,
                                    method=methods.get(key, ""))


def _portal_now(reply: BatchReply) -> datetime:
    """server.time's answer, or the batch's own date_start: both carry the portal's offset."""
    for text in (reply.result.get("time"), reply.batch_time.get("date_start")):
        try:
            parsed = datetime.fromisoformat(str(text))
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            return parsed
    raise Bitrix24Error("the portal sent no usable server time; try again later")


def _parse_rows(rows: list[dict], parser: Callable[[dict], dict], id_key: str, out: Directories,
                table: str) -> list[dict]:
    parsed = []
    for raw in rows:
        record_id = raw.get(id_key) if isinstance(raw, dict) else None
        try:
            parsed.append(parser(raw))
        except parse.RecordError as error:
            out.rejected.setdefault(table, []).append(parse.rejection(record_id, error))
        except Exception as error:  # noqa: BLE001 (a directory row of an unexpected shape: skip that row)
            bad = parse.RecordError("*", raw, str(error) if isinstance(error, ValueError) else
                                    type(error).__name__)
            out.rejected.setdefault(table, []).append(parse.rejection(record_id, bad))
    return parsed


def _categories(result: Any) -> list[dict]:
    if isinstance(result, dict):
        result = result.get("categories", [])
    return result if isinstance(result, list) else []


def read_directories(client) -> Directories:
    """Three to five requests for everything except the big streams."""
    commands = {
        "time": ("server.time", {}),
        "deal_pipelines": ("crm.category.list", {"entityTypeId": 2}),
        "invoice_pipelines": ("crm.category.list", {"entityTypeId": 31}),
        "currencies": ("crm.currency.list", {}),
        # lead statuses and sources: two more commands of the same request [docs: api-reference/crm/status/
        # crm-status-list.md]
        "lead_statuses": ("crm.status.list", {"filter": {"ENTITY_ID": "STATUS"}, "order": {"SORT": "ASC"}}),
        "sources": ("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}, "order": {"SORT": "ASC"}}),
    }
    reply = client.batch(commands, stream="meta")
    check_batch(reply, {k: m for k, (m, _) in commands.items()})
    out = Directories(portal_now=_portal_now(reply))
    pipelines = _parse_rows(_categories(reply.result.get("deal_pipelines")),
                            lambda r: streams.parse_pipeline(r, 2), "id", out, "pipelines")
    pipelines += _parse_rows(_categories(reply.result.get("invoice_pipelines")),
                             lambda r: streams.parse_pipeline(r, 31), "id", out, "pipelines")
    if not any(p["entity_type_id"] == 2 and p["id"] == 0 for p in pipelines):
        pipelines.append({"entity_type_id": 2, "id": 0, "name": None, "sort": 0, "is_default": True})
    out.tables["pipelines"] = pipelines
    currencies = reply.result.get("currencies") or []
    parse_currency = lambda r: parse.parse_record(r, streams.CURRENCIES_COLUMNS)  # noqa: E731
    out.tables["currencies"] = _parse_rows(currencies, parse_currency, "CURRENCY", out, "currencies")
    for table, parser in (("lead_statuses", streams.parse_lead_status), ("sources", streams.parse_source)):
        rows = _status_rows(reply.result.get(table))
        out.tables[table] = list({r["id"]: r for r in _parse_rows(rows, parser, "ID", out, table)}.values())
    out.tables["stages"] = _stages(client, pipelines, out)
    user_fields = [row for page in iter_offset(client, "crm.deal.userfield.list", {"order": {"ID": "ASC"}},
                                               stream="meta") for row in page]
    out.tables["deal_user_fields"] = _parse_rows(user_fields, streams.parse_user_field, "ID", out,
                                                 "deal_user_fields")
    users = [row for page in iter_fast(client, "user.get", {}, stream="users", order_style="sort")
             for row in page]
    out.tables["users"] = _parse_rows(users, lambda r: parse.parse_record(r, streams.USERS_COLUMNS), "ID",
                                      out, "users")
    departments = [row for page in iter_offset(client, "department.get", {},
                                               stream="departments") for row in page]
    out.tables["departments"] = _parse_rows(
        departments, lambda r: parse.parse_record(r, streams.DEPARTMENTS_COLUMNS), "ID", out, "departments")
    return out


def _status_rows(result: Any) -> list[dict]:
    if isinstance(result, dict):
        result = list(result.values())
    return result if isinstance(result, list) else []


def _stages(client, pipelines: list[dict], out: Directories) -> list[dict]:
    """crm.status.list per stage directory, 50 directories per batch."""
    entity_ids = streams.stage_directories(pipelines)
    rows: list[dict] = []
    for start in range(0, len(entity_ids), 50):
        chunk = entity_ids[start:start + 50]
        commands = {f"s{i}": ("crm.status.list", {"filter": {"ENTITY_ID": e}, "order": {"SORT": "ASC"}})
                    for i, e in enumerate(chunk)}
        reply = client.batch(commands, stream="meta")
        check_batch(reply, {k: m for k, (m, _) in commands.items()})
        for key in commands:
            result = reply.result.get(key) or []
            rows.extend(result if isinstance(result, list) else list(result.values()))
    return _parse_rows(rows, streams.parse_stage, "ID", out, "stages")
