"""The accountability rules: thresholds, calendar, invoice stages, loss-reason groups, who is a manager.

`load_rules()` reads `rules.toml` (documented defaults at the repo root). Every key is checked: an unknown
key or a bad value raises `RulesError("rules.toml: <key>: <reason>")`, so a typo never silently falls
back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from snapshot.secrets_file import SECRETS, SecretsFileError, read_secrets

LOSS_GROUPS = ("manager_closed", "client_declined", "client_silent")
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7, "monday": 1, "tuesday": 2,
            "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
MAX_DAYS = 36500  # a hundred years: any longer threshold is a typo
MAX_ID = 2**63 - 1  # ids are BIGINT in the snapshot
ENV_VAR = "DOZHIM_RULES"
DEFAULT_FILE = Path("rules.toml")
OFFSET_RE = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
THRESHOLD_KEYS = ("max_deal_age_days", "touch_interval_days", "invoice_followup_business_days",
                  "min_active_deals")
# invoice follow-up in working days: the calendar runs 800 days past T, so a year is plenty
THRESHOLD_MAX = {"max_deal_age_days": MAX_DAYS, "touch_interval_days": MAX_DAYS,
                 "invoice_followup_business_days": 365, "min_active_deals": 1_000_000}
# leads and clients (issue 10): top-level keys beside the thresholds, not per pipeline (leads have none)
LEAD_KEYS = ("lead_idle_days", "reactivation_days")
FOLLOWUP_TRIGGERS = ("stage", "meeting")
FOLLOWUP_KEYS = {"name", "trigger", "name_patterns", "stage_ids", "business_days"}
RULE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file, the key and the reason."""


@dataclass(frozen=True)
class PipelineRules:
    """Per-pipeline overrides; None means "use the global value"."""

    max_deal_age_days: int | None = None
    touch_interval_days: int | None = None
    invoice_followup_business_days: int | None = None
    min_active_deals: int | None = None
    invoice_stage_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FollowupRule:
    """A follow-up rule ([followups.<key>]): after the trigger at E the deal needs a touch within
    business_days working days. trigger "stage": entering a stage (stage_ids, else in-progress stages whose
    name contains a pattern); "meeting": the end of a completed meeting bound to the deal."""

    key: str
    name: str
    trigger: str
    business_days: int
    name_patterns: tuple[str, ...] = ()
    stage_ids: tuple[str, ...] = ()


DEFAULT_FOLLOWUPS = (
    FollowupRule("proposal", "После КП", "stage", 3,
                 ("кп", "коммерческое предложение", "предложение", "proposal")),
    FollowupRule("meeting", "После встречи", "meeting", 2),
)


# -- [digest] (the morning digest's settings; jobs/digest reads them) ---------------------------------------
SEND_AFTER_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DIGEST_KEYS = {"send_after", "all_clear", "opt_out", "email", "max_items", "fresh_hours"}


@dataclass(frozen=True)
class DigestRules:
    send_after: str = "08:30"  # portal-local time before which nothing is sent
    all_clear: bool = True  # send "nothing to fix" to a person with nothing to fix (else stay silent)
    opt_out: tuple[int, ...] = ()  # user ids who get no digest
    email: bool = False  # also send by e-mail (DOZHIM_SMTP_* settings)
    max_items: int = 20  # items per list before "and N more"
    fresh_hours: int = 2  # the last good sync older than this: only the stale note


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _err(key, f"expected true or false, got {value!r}")
    return value


def _digest(value: Any) -> DigestRules:
    data = _table("digest", value)
    _check_keys("digest.", data, DIGEST_KEYS)
    v: dict[str, Any] = {}
    if "send_after" in data:
        if not isinstance(data["send_after"], str) or not SEND_AFTER_RE.match(data["send_after"].strip()):
            raise _err("digest.send_after", f"expected a time such as \"08:30\", got {data['send_after']!r}")
        v["send_after"] = data["send_after"].strip()
    for key in ("all_clear", "email"):
        if key in data:
            v[key] = _bool(f"digest.{key}", data[key])
    if "opt_out" in data:
        v["opt_out"] = _ints("digest.opt_out", data["opt_out"])
    if "max_items" in data:
        v["max_items"] = _int("digest.max_items", data["max_items"], 1, 200)
    if "fresh_hours" in data:
        v["fresh_hours"] = _int("digest.fresh_hours", data["fresh_hours"], 1, 24 * 14)
    return DigestRules(**v)
# -- end of [digest] ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may see and export what ([access]); the role map itself comes from the snapshot (queries.roles)."""

    admins: tuple[int, ...] = ()  # every right, besides the connector webhook's owner (meta.webhook_user_id)
    export: tuple[int, ...] = ()  # may export besides admins and heads
    no_export: tuple[int, ...] = ()  # may not export, heads included (admins always may)
    managers: tuple[int, ...] = ()  # plain managers even when a department names them UF_HEAD
    heads: dict[int, tuple[int, ...]] = field(default_factory=dict)  # user -> the departments they head


@dataclass(frozen=True)
class Rules:
    max_deal_age_days: int = 90
    touch_interval_days: int = 14
    invoice_followup_business_days: int = 2
    min_active_deals: int = 50
    # Calendar. timezone None = the offset the portal's dates carry (meta.portal_utc_offset).
    timezone: str | None = None
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekday numbers, Monday = 1
    # Public holidays and transferred working days of this country (ISO code, the `holidays` package);
    # "" = none. `holidays` adds extra days off.
    country: str = "RU"
    holidays: tuple[date, ...] = ()
    # Invoice stages: explicit stage ids win; else in-progress stages whose name contains a pattern.
    invoice_stage_patterns: tuple[str, ...] = ("счёт", "счет", "invoice")
    invoice_stage_ids: tuple[str, ...] = ()
    # Loss reasons: reason = the configured user field's value (option value for enumerations), else the
    # failure stage's name. Each group lists "id:<stage id or option id>" entries and name substrings.
    loss_reason_field: str | None = None
    loss_reason_groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "manager_closed": ("регламент", "закрыта менеджером", "дубл", "ошибоч", "per the rules",
                           "closed by manager", "duplicate", "by mistake"),
        "client_declined": ("отказ", "дорого", "конкурент", "declined", "refused", "price", "competitor"),
        "client_silent": ("не отвеча", "не выходит на связь", "пропал", "no response", "not responding",
                          "silent", "ghost"),
    })
    # Managers: explicit ids replace the default (owners of open deals); excluded ids are dropped.
    manager_ids: tuple[int, ...] = ()
    exclude_manager_ids: tuple[int, ...] = ()
    # attention / forecast knobs
    attention_window_days: int = 21
    attention_touches_per_week: int = 3
    default_close_days: int = 7
    win_rate_lookback_months: int = 12
    # a lead in progress whose last touch (its creation when never touched) is older than this is hanging
    lead_idle_days: int = 3
    # the interval a client who bought once is given before reactivation is due (more wins: their own)
    reactivation_days: int = 90
    pipelines: dict[int, PipelineRules] = field(default_factory=dict)
    # follow-up rules (not the invoice rule, which keeps its own keys and column)
    followups: tuple[FollowupRule, ...] = DEFAULT_FOLLOWUPS
    access: Access = field(default_factory=Access)  # [access]: admins, the export right, role overrides
    digest: DigestRules = field(default_factory=DigestRules)  # [digest]
    # where they came from, for errors found only against a snapshot (a loss-reason field it lacks)
    source: str = field(default="rules.toml", compare=False, repr=False)

    def __hash__(self) -> int:  # dict fields: hash by value so callers can use Rules as a cache key
        return hash(repr(self))

    def for_pipeline(self, pipeline_id: int | None) -> Rules:
        """These rules with one pipeline's threshold overrides applied (for a pipeline-filtered view)."""
        over = self.pipelines.get(pipeline_id) if pipeline_id is not None else None
        if over is None:
            return self
        changes = {k: getattr(over, k) for k in THRESHOLD_KEYS if getattr(over, k) is not None}
        return replace(self, **changes)


KEY_PREFIX = "rules.toml: "


def _err(key: str, reason: str) -> RulesError:
    return RulesError(f"{KEY_PREFIX}{key}: {reason}")


def _int(key: str, value: Any, minimum: int = 0, maximum: int = MAX_DAYS) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(key, f"expected a whole number, got {value!r}")
    if value < minimum:
        raise _err(key, f"must be >= {minimum}, got {value}")
    if value > maximum:
        raise _err(key, f"must be <= {maximum}, got {value}")
    return value


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _err(key, "expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _ints(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise _err(key, "expected a list of whole numbers")
    return tuple(_int(key, v, 1, MAX_ID) for v in value)


def _timezone(key: str, value: Any) -> str | None:
    if not isinstance(value, str):
        raise _err(key, "expected a string such as \"+03:00\" or \"Europe/Moscow\"")
    value = value.strip()
    if not value:
        return None
    if OFFSET_RE.match(value):
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _err(key, f"unknown time zone {value!r} (use \"+03:00\" or an IANA name)") from None
    return value


def _working_days(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _err(key, "expected a non-empty list such as [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]")
    days = []
    for v in value:
        day = WEEKDAYS.get(v.strip().lower()) if isinstance(v, str) else None
        if day is None:
            raise _err(key, f"unknown weekday {v!r} (use mon, tue, wed, thu, fri, sat, sun)")
        days.append(day)
    return tuple(sorted(set(days)))


def _country(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _err(key, "expected a country code such as \"RU\" (\"\" = no public holidays)")
    code = value.strip().upper()
    if code and code not in holidays.list_supported_countries():
        raise _err(key, f"no public-holiday calendar for {value!r} (an ISO code such as \"RU\", or \"\")")
    return code


def _holidays(key: str, value: Any) -> tuple[date, ...]:
    if not isinstance(value, list):
        raise _err(key, "expected a list of dates (2026-01-01)")
    out = []
    for v in value:
        if isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise _err(key, f"not a date: {v!r}") from None
    return tuple(out)


def _table(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(key, "expected a table")
    return value


def _check_keys(prefix: str, data: dict[str, Any], allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            raise _err(f"{prefix}{key}", "unknown key")


def _pipeline(prefix: str, data: dict[str, Any]) -> PipelineRules:
    _check_keys(prefix, data, set(THRESHOLD_KEYS) | {"invoice_stage_ids"})
    values: dict[str, Any] = {k: _int(prefix + k, data[k], 0, THRESHOLD_MAX[k])
                              for k in THRESHOLD_KEYS if k in data}
    if "invoice_stage_ids" in data:
        values["invoice_stage_ids"] = _strings(prefix + "invoice_stage_ids", data["invoice_stage_ids"])
    return PipelineRules(**values)


def _followup(key: str, data: dict[str, Any]) -> FollowupRule:
    """One [followups.<key>] table; a default rule's missing keys keep that rule's defaults."""
    prefix = f"followups.{key}."
    if not RULE_KEY_RE.match(key):
        raise _err(f"followups.{key}", "a rule key is lowercase latin letters, digits and _ (proposal)")
    _check_keys(prefix, data, FOLLOWUP_KEYS)
    base = next((r for r in DEFAULT_FOLLOWUPS if r.key == key), None)
    if base is None and "trigger" not in data:
        raise _err(prefix + "trigger", "missing (\"stage\" or \"meeting\")")
    trigger = data.get("trigger", base.trigger if base else "")
    if trigger not in FOLLOWUP_TRIGGERS:
        raise _err(prefix + "trigger", f"expected \"stage\" or \"meeting\", got {trigger!r}")
    name = data.get("name", base.name if base else key)
    if not isinstance(name, str) or not name.strip():
        raise _err(prefix + "name", "expected a non-empty string")
    days = _int(prefix + "business_days", data.get("business_days", base.business_days if base else 2),
                0, 365)
    patterns = (_strings(prefix + "name_patterns", data["name_patterns"]) if "name_patterns" in data
                else base.name_patterns if base else ())
    stage_ids = _strings(prefix + "stage_ids", data["stage_ids"]) if "stage_ids" in data else ()
    if trigger == "meeting" and ({"name_patterns", "stage_ids"} & set(data)):
        key_name = "name_patterns" if "name_patterns" in data else "stage_ids"
        raise _err(prefix + key_name, "only a \"stage\" trigger has stages")
    if trigger == "stage" and not patterns and not stage_ids:
        raise _err(prefix + "name_patterns", "a \"stage\" trigger needs name_patterns or stage_ids")
    if trigger == "meeting":
        patterns = ()
    return FollowupRule(key, name.strip(), trigger, days, patterns, stage_ids)


def _followups(value: Any) -> tuple[FollowupRule, ...]:
    """[followups] present: exactly the rules it lists (an empty table switches them all off)."""
    rules = _table("followups", value)
    return tuple(_followup(str(key), _table(f"followups.{key}", sub)) for key, sub in rules.items())


def _access(value: Any) -> Access:
    data = _table("access", value)
    _check_keys("access.", data, {"admins", "export", "no_export", "managers", "heads"})
    lists = {k: _ints(f"access.{k}", data[k])
             for k in ("admins", "export", "no_export", "managers") if k in data}
    heads: dict[int, tuple[int, ...]] = {}
    for key, departments in _table("access.heads", data.get("heads", {})).items():
        if not re.fullmatch(r"[0-9]{1,18}", str(key)) or not 1 <= int(key) <= MAX_ID:
            raise _err(f"access.heads.{key}", "user ids are whole numbers (\"15\" = [3, 4])")
        heads[int(key)] = _ints(f"access.heads.{key}", departments)
    return Access(**lists, heads=heads)


def rules_from_dict(data: dict[str, Any]) -> Rules:
    """Validate a parsed rules document; see rules.toml for every key."""
    digest, data = data.get("digest"), {k: val for k, val in data.items() if k != "digest"}  # [digest]
    top = set(THRESHOLD_KEYS) | {"calendar", "invoice_stages", "loss_reasons", "managers", "attention",
                                 "forecast", "pipelines", "followups", "access"}
    top |= set(LEAD_KEYS)
    _check_keys("", data, top)
    v: dict[str, Any] = {}
    for key in THRESHOLD_KEYS:
        if key in data:
            v[key] = _int(key, data[key], 0, THRESHOLD_MAX[key])
    for key in LEAD_KEYS:
        if key in data:
            v[key] = _int(key, data[key], 1)
    cal = _table("calendar", data.get("calendar", {}))
    _check_keys("calendar.", cal, {"timezone", "working_days", "country", "holidays"})
    if "timezone" in cal:
        v["timezone"] = _timezone("calendar.timezone", cal["timezone"])
    if "working_days" in cal:
        v["working_days"] = _working_days("calendar.working_days", cal["working_days"])
    if "country" in cal:
        v["country"] = _country("calendar.country", cal["country"])
    if "holidays" in cal:
        v["holidays"] = _holidays("calendar.holidays", cal["holidays"])
    inv = _table("invoice_stages", data.get("invoice_stages", {}))
    _check_keys("invoice_stages.", inv, {"name_patterns", "stage_ids"})
    if "name_patterns" in inv:
        v["invoice_stage_patterns"] = _strings("invoice_stages.name_patterns", inv["name_patterns"])
    if "stage_ids" in inv:
        v["invoice_stage_ids"] = _strings("invoice_stages.stage_ids", inv["stage_ids"])
    loss = _table("loss_reasons", data.get("loss_reasons", {}))
    _check_keys("loss_reasons.", loss, {"field", *LOSS_GROUPS})
    if "field" in loss:
        fld = loss["field"]
        if not isinstance(fld, str) or (fld.strip() and not re.fullmatch(r"(?i)uf_crm_\w+", fld.strip())):
            raise _err("loss_reasons.field", "expected a deal user field name such as \"UF_CRM_LOSS_REASON\"")
        v["loss_reason_field"] = fld.strip().lower() or None
    groups = dict(Rules().loss_reason_groups)
    for grp in LOSS_GROUPS:
        if grp in loss:
            groups[grp] = _strings(f"loss_reasons.{grp}", loss[grp]) if loss[grp] else ()
    v["loss_reason_groups"] = groups
    man = _table("managers", data.get("managers", {}))
    _check_keys("managers.", man, {"user_ids", "exclude_user_ids"})
    if "user_ids" in man:
        v["manager_ids"] = _ints("managers.user_ids", man["user_ids"])
    if "exclude_user_ids" in man:
        v["exclude_manager_ids"] = _ints("managers.exclude_user_ids", man["exclude_user_ids"])
    att = _table("attention", data.get("attention", {}))
    _check_keys("attention.", att, {"window_days", "touches_per_week"})
    if "window_days" in att:
        v["attention_window_days"] = _int("attention.window_days", att["window_days"], 1)
    if "touches_per_week" in att:
        v["attention_touches_per_week"] = _int("attention.touches_per_week", att["touches_per_week"], 1,
                                               10_000)
    fc = _table("forecast", data.get("forecast", {}))
    _check_keys("forecast.", fc, {"default_close_days", "win_rate_lookback_months"})
    if "default_close_days" in fc:
        v["default_close_days"] = _int("forecast.default_close_days", fc["default_close_days"])
    if "win_rate_lookback_months" in fc:
        v["win_rate_lookback_months"] = _int("forecast.win_rate_lookback_months",
                                             fc["win_rate_lookback_months"], 1, 1200)
    pipes: dict[int, PipelineRules] = {}
    for key, sub in _table("pipelines", data.get("pipelines", {})).items():
        if not re.fullmatch(r"[0-9]{1,18}", str(key)):  # ASCII digits only: "²".isdigit() is True
            raise _err(f"pipelines.{key}", "pipeline ids are whole numbers ([pipelines.3])")
        pipes[int(key)] = _pipeline(f"pipelines.{key}.", _table(f"pipelines.{key}", sub))
    v["pipelines"] = pipes
    if "followups" in data:
        v["followups"] = _followups(data["followups"])
    if "access" in data:
        v["access"] = _access(data["access"])
    if digest is not None:
        v["digest"] = _digest(digest)
    return Rules(**v)


def rules_path(secrets: Path = SECRETS) -> Path | None:
    """The rules file in force for every consumer (dashboard, CLI, scheduled job): $DOZHIM_RULES, else
    DOZHIM_RULES in .streamlit/secrets.toml, else ./rules.toml when present, else None (the defaults)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    try:
        value = read_secrets(secrets).get(ENV_VAR)
    except SecretsFileError as exc:
        raise RulesError(str(exc)) from None
    if value:
        return Path(str(value))
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else None


def load_rules(path: str | Path | None = None) -> Rules:
    """Rules from `path`; None = the file in force (rules_path()), else the built-in defaults."""
    if path is None:
        path = rules_path()
        if path is None:
            return Rules()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML ({exc})") from None
    try:
        return replace(rules_from_dict(data), source=str(path))
    except RulesError as exc:  # name the file in force, wherever it lives, not "rules.toml"
        raise RulesError(f"{path}: {str(exc).removeprefix(KEY_PREFIX)}") from None
