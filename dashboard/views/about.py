"""About the data: the portal, the rules in effect (from the rules file), sync history, errors and the records
the last sync had to skip, and the export audit. The admin parts (the database path, the rules' [access]
section, syncs, rejected records, exports) are for admins and the operator only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, data, followups, formatting, plain
from dashboard.data import Context
from dashboard.i18n import count_of, has, lang, t

SYNC_COLUMNS = ["run_id", "started_at", "finished_at", "duration_s", "mode", "status", "rows_total",
                "requests_total", "rejected_total", "error"]
REJECTED_COLUMNS = ["stream", "record_id", "field", "error"]
EXPORT_COLUMNS = ["at", "user_name", "user_id", "role", "what", "format", "rows", "filters"]
# queries.derived.state -> its words (snapshot_info.stored_layer)
LAYER_WORDS = {"current": "layer_current", "stale": "layer_stale_short", "none": "layer_none"}
# queries.Rules field -> its key in rules.toml (the file groups them in tables); the same name when absent
FILE_KEYS = {
    "timezone": "calendar.timezone", "working_days": "calendar.working_days", "holidays": "calendar.holidays",
    "country": "calendar.country",
    "invoice_stage_patterns": "invoice_stages.name_patterns", "invoice_stage_ids": "invoice_stages.stage_ids",
    "loss_reason_field": "loss_reasons.field", "loss_reason_groups": "loss_reasons",
    "manager_ids": "managers.user_ids", "exclude_manager_ids": "managers.exclude_user_ids",
    "attention_window_days": "attention.window_days",
    "attention_touches_per_week": "attention.touches_per_week",
    "default_close_days": "forecast.default_close_days",
    "win_rate_lookback_months": "forecast.win_rate_lookback_months",
}


def _facts(ctx: Context) -> None:
    info = ctx.info
    lg = lang()
    last = getattr(info, "last_ok_sync_at", None)
    rows = [  # st.table reads its cells as Markdown: values from the portal go through plain.md
        (t("about_portal"), ctx.portal_url or "—"),
        *([(t("about_db"), ctx.db)] if ctx.sees_everything else []),  # a server path is the admin's business
        (t("about_tz"), plain.md(ctx.rules.timezone or getattr(info, "utc_offset", None) or "UTC")),
        (t("about_currency"), plain.md(ctx.base_currency)),
        (t("about_version"), str(ctx.version if ctx.version is not None else "—")),
        (t("about_last_ok"), formatting.moment(last, ctx.tz, lg) if last is not None else "—"),
        (t("about_layer"), t(LAYER_WORDS.get(getattr(info, "stored_layer", None), "layer_none"))),
    ]
    st.table(pd.DataFrame(rows, columns=[t("rule_key"), t("rule_value")]).set_index(t("rule_key")))


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    """Rules as (`key`, value) pairs, nested tables flattened with dots (as in the rules file); a pipeline's
    unset override (None: the global value applies) is left out."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, sub in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if not (name.startswith("pipelines.") and sub is None):
                out += _flat(name, sub)
        return out
    return [(prefix, value)]


def file_key(key: str) -> str:
    """`loss_reason_groups.client_silent` -> `loss_reasons.client_silent`, as written in rules.toml."""
    head, dot, rest = key.partition(".")
    return FILE_KEYS.get(head, head) + dot + rest


def rule_label(key: str) -> str:
    """A rules-file key in words: `touch_interval_days` -> «Касание не реже чем раз в, дней»."""
    parts = key.split(".")
    if parts[:2] == ["access", "heads"]:  # [access.heads] "15" = [3, 4]
        return t("rk_access.heads", id=parts[2] if len(parts) == 3 else "")
    if parts[0] == "pipelines" and len(parts) == 3:
        return t("rk_pipeline", id=parts[1], what=rule_label(parts[2]))
    if parts[0] == "loss_reason_groups" and len(parts) == 2:
        group = t(f"rg_{parts[1]}") if has(f"rg_{parts[1]}") else parts[1]
        return t("rk_loss_reason_group", group=group)
    return t(f"rk_{key}") if has(f"rk_{key}") else key


def rule_value(key: str, value: Any) -> str:
    """A rule's value in words: weekdays by name, dates as the page shows them, an empty list as «—»."""
    leaf = key.rsplit(".", 1)[-1]
    if value is None:
        return t("rv_timezone_portal") if leaf == "timezone" else "—"
    if isinstance(value, list | tuple):
        if leaf == "working_days":
            names = t("rv_weekdays").split(",")
            value = [names[d - 1] if isinstance(d, int) and 1 <= d <= 7 else d for d in value]
        elif leaf == "holidays":
            value = [formatting.day(d, lang()) for d in value]
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _rules(ctx: Context) -> None:
    st.subheader(t("about_rules"))
    path = ctx.settings.rules_path
    st.caption(t("about_rules_file", path=path) if path else t("about_rules_default"))
    # the follow-up rules are sentences of their own (_followups), not rows of settings; `source` is the
    # file's path, shown in the caption above
    # digest: shown by _digests; who is admin: admins' business
    hidden = ("followups", "source", "digest") + (() if ctx.sees_everything else ("access",))
    pairs = _flat("", {k: v for k, v in asdict(ctx.rules).items() if k not in hidden})
    # rows named in words; the file's key beside the value, for whoever edits the rules file
    frame = pd.DataFrame({t("rule_file_key"): [file_key(key) for key, _ in pairs],
                          t("rule_value"): [rule_value(key, value) for key, value in pairs]},
                         index=pd.Index([rule_label(key) for key, _ in pairs], name=t("rule_key")))
    st.dataframe(frame, key="rules_table", column_order=[t("rule_value"), t("rule_file_key")])


def _followups(ctx: Context) -> None:
    """The follow-up rules in force, one sentence each: name, trigger, window in working days."""
    st.subheader(t("about_followups"))
    st.caption(t("about_followups_caption"))
    rules = ctx.rules.followups
    with st.container(key="about_followups"):
        lines = [followups.described(rule) for rule in rules] or [t("about_followups_none")]
        invoice = count_of(ctx.rules.invoice_followup_business_days, "working_day")
        lines.append(t("about_followup_invoice", window=invoice))
        st.markdown("\n".join(f"- {line}" for line in lines))


def in_words(prefix: str, value: Any) -> Any:
    """A code from the data (`incremental`, `ok`, `deals`) in words when there are words for it."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return t(f"{prefix}_{value}") if has(f"{prefix}_{value}") else value


def _syncs(ctx: Context) -> None:
    st.subheader(t("about_syncs"))
    runs = data.metric("sync_history")
    failed = runs[runs["status"] != "ok"]
    runs = runs.assign(mode=runs["mode"].map(lambda v: in_words("sync_mode", v)),
                       status=runs["status"].map(lambda v: in_words("sync_status", v)))
    components.table(ctx, runs, key="sync_table", columns=SYNC_COLUMNS, file_name="sync_history")
    if not failed.empty:
        st.subheader(t("about_errors"))
        components.table(ctx, failed, key="sync_errors", columns=["run_id", "started_at", "error"],
                         file_name="sync_errors")


def _rejected(ctx: Context) -> None:
    """What the latest sync that skipped anything could not read (a record that does not parse is reported
    and skipped; the rest of the run is published)."""
    st.subheader(t("about_rejected"))
    rows = data.metric("rejected_records")
    if rows.empty:
        st.caption(t("about_rejected_none"))
        return
    first = rows.iloc[0]
    st.caption(t("about_rejected_caption", run=int(first["run_id"]),
                 when=formatting.moment(first["finished_at"], ctx.tz, lang()) or "—"))
    shown = rows.assign(stream=rows["stream"].map(lambda v: in_words("stream", v)))
    components.table(ctx, shown, key="rejected_table", columns=REJECTED_COLUMNS, file_name="rejected_records")


def _exports(ctx: Context) -> None:
    """The export audit (queries.audit), for admins and the operator."""
    st.subheader(t("about_exports"))
    st.caption(t("about_exports_caption"))
    audit = data.exports_audit(ctx)
    if audit.empty:
        st.caption(t("about_exports_none"))
        return
    components.table(ctx, audit, key="exports_table", columns=EXPORT_COLUMNS, file_name="exports")


DIGEST_COLUMNS = ["day", "at", "recipient_id", "recipient_name", "channel", "kind", "status", "items",
                  "chars", "error"]


def _digests(ctx: Context) -> None:
    """The digest log (queries.digest_log), for the operator and admins."""
    st.subheader(t("about_digests"))
    cfg = ctx.rules.digest
    st.caption(t("about_digests_settings", send_after=cfg.send_after,
                 all_clear=t("word_yes" if cfg.all_clear else "word_no"),
                 email=t("word_yes" if cfg.email else "word_no"), max_items=cfg.max_items,
                 fresh_hours=cfg.fresh_hours, opt_out=", ".join(str(u) for u in cfg.opt_out) or "—"))
    log = data.digest_log(ctx)
    if log.empty:
        st.caption(t("about_digests_none"))
        return
    st.caption(t("about_digests_caption"))
    shown = log.assign(**{c: log[c].map(lambda v, c=c: t(f"digest_{c}_{v}") if has(f"digest_{c}_{v}") else v)
                          for c in ("channel", "kind", "status")})
    st.dataframe(shown[DIGEST_COLUMNS].rename(columns={c: t(f"digest_col_{c}") for c in DIGEST_COLUMNS}),
                 key="digest_log", hide_index=True)


def render(ctx: Context) -> None:
    st.title(t("about_title"))
    components.freshness(ctx)
    _facts(ctx)
    _rules(ctx)
    _followups(ctx)
    if ctx.sees_everything:
        _syncs(ctx)
        _rejected(ctx)
        _exports(ctx)
        _digests(ctx)


components.guarded(render)
