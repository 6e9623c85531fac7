"""Which columns of which metric each page shows or reads, in one place.

The metrics state their columns once (`-- columns:` in queries/sql/<metric>.sql, queries.metric_columns);
tests/dashboard/test_columns.py holds every list here to them, so a page never names a column a metric does
not return and never guesses among several.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Uses:
    """A page's use of one metric: `shown` are its table's columns in order, `read` the others it reads."""

    metric: str
    shown: tuple[str, ...] = ()
    read: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return list(self.shown)


# The scorecard's rule columns and tiles, in the order of the rules issue (a display order, not a priority:
# the backlog's priority lives in backlog.sql and reaches the app as the order of its `rules` list).
SCORE_RULES = ("overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
               "unprocessed_incoming", "invoice_stuck", "missed_followups")


# daily review
SCORECARD = Uses("scorecard", shown=("manager_name", "active_deals", *SCORE_RULES, "issues_total"),
                 read=("manager_id", "below_minimum", "dismissed_with_deals"))
RESULTS = Uses("scorecard", shown=("manager_name", "won_deals", "won_amount", "lost_deals", "win_rate"),
               read=("manager_id",))
TEAM = Uses("scorecard_team", read=("active_deals", *SCORE_RULES, "won_deals", "won_amount", "lost_deals",
                                    "win_rate", "dismissed_with_deals"))
# the tiles' change: every count tile's and the won amount's, from the team's last two recorded days
TEAM_CHANGE = Uses("trend_team", read=("snapshot_date", "previous_date", *(
    f"{c}_change" for c in ("active_deals", *SCORE_RULES, "won_deals", "won_amount", "lost_deals"))))
ATTENTION = Uses("attention", shown=("manager_name", "open_deals", "untouched_deals", "untouched_share",
                                     "hammered_deals", "touches"), read=("manager_id",))
# the drill-down: per rule, the deal, then the columns that justify the row (so they show at 1440 px without
# scrolling sideways), then who owns it and where it stands
OWNER = ("manager_name", "stage_name", "amount_base")
DRILL = {
    "overaged_deals": Uses("overaged_deals", shown=("deal_title", "deal_url", "deal_age_days", "date_create",
                                                    "reason", *OWNER), read=("manager_id",)),
    "stale_deals": Uses("stale_deals", shown=("deal_title", "deal_url", "days_since_touch", "last_touch_at",
                                              "reason", *OWNER), read=("manager_id",)),
    "no_next_activity": Uses("no_next_activity", shown=("deal_title", "deal_url", "days_since_touch",
                                                        "last_touch_at", "reason", *OWNER),
                             read=("manager_id",)),
    "overdue_activities": Uses("overdue_activities", shown=("deal_title", "deal_url", "activity_subject",
                                                            "deadline", "since_last_workday", "reason",
                                                            *OWNER), read=("manager_id",)),
    "unprocessed_incoming": Uses("unprocessed_incoming", shown=("deal_title", "deal_url", "activity_subject",
                                                                "created", "since_last_workday", "deal_open",
                                                                "reason", *OWNER), read=("manager_id",)),
    "invoice_stuck": Uses("invoice_stuck", shown=("deal_title", "deal_url", "invoice_entered_at",
                                                  "last_touch_at", "invoice_no_followup", "invoice_stale",
                                                  "reason", *OWNER), read=("manager_id",)),
    "missed_followups": Uses("missed_followups", shown=("deal_title", "deal_url", "rule_name", "trigger_at",
                                                        "due_at", "days_since_touch", "reason", *OWNER),
                             read=("manager_id",)),
}

# filters and the dismissed managers' mark
MANAGERS = Uses("managers", read=("manager_id", "manager_name", "dismissed_with_deals", "active_deals"))
PIPELINES = Uses("pipelines", read=("pipeline_id", "pipeline_name"))
DEPARTMENTS = Uses("departments", read=("department_id", "department_name"))

# my backlog (`action` and `rules` are shown in words)
BACKLOG = Uses("backlog", shown=("deal_title", "deal_url", "action", "since_last_workday", "latest_item_at",
                                 "stage_name", "days_since_touch", "amount_base", "rules"),
               read=("manager_id", "followup_rule_name", "followup_trigger_at"))

# forecast
FORECAST = Uses("forecast", shown=("close_month", "deals", "amount", "weighted_amount", "default_close_dates",
                                   "past_close_dates", "unweighted_deals", "close_date_pushes"))
FORECAST_SUMMARY = Uses("forecast_summary", read=("open_deals", "open_amount", "weighted_amount",
                                                  "past_close_deals", "past_close_amount",
                                                  "no_close_date_deals", "history_days"))
FORECAST_MANAGERS = Uses("forecast_by_manager", shown=("manager_name", "deals", "amount", "weighted_amount",
                                                       "default_close_dates", "past_close_dates"),
                         read=("manager_id", "close_month"))
FORECAST_RATES = Uses("conversion", shown=("won_deals", "lost_deals", "win_rate"),
                      read=("manager_id", "manager_name"))
FORECAST_FLAGS = Uses("forecast_flags", shown=("deal_title", "deal_url", "closedate", "reason",
                                               "close_date_pushes", "deal_age_days", *OWNER),
                      read=("manager_id",))
PUSHES = Uses("close_date_pushes", shown=("deal_title", "deal_url", "manager_name", "snapshot_date",
                                          "previous_closedate", "closedate", "pushed_days", "amount_base"),
              read=("manager_id",))
WON_PACE = Uses("won_pace", read=("won_deals", "won_amount", "won_deals_last_month", "won_amount_last_month"))
MONTH_CONVERSION = Uses("conversion_team", read=("won_deals", "won_amount", "lost_deals"))

# conversion
CONVERSION_TEAM = Uses("conversion_team", read=("won_deals", "lost_deals", "win_rate",
                                                "lost_at_invoice_share"))
CONVERSION = Uses("conversion", shown=("manager_name", "won_deals", "won_amount", "lost_deals", "lost_amount",
                                       "win_rate", "lost_manager_closed", "lost_client_declined",
                                       "lost_client_silent", "lost_unspecified", "lost_at_invoice",
                                       "lost_at_invoice_share", "median_days_to_close", "median_days_to_win"),
                  read=("manager_id",))
LOSS_REASONS = Uses("loss_reasons", shown=("manager_name", "pipeline_name", "reason_group", "reason_name",
                                           "lost_deals", "lost_amount"), read=("manager_id",))
LOST_STAGE = Uses("lost_stage", shown=("manager_name", "stage_name", "at_invoice_stage", "lost_deals",
                                       "lost_amount", "share"), read=("manager_id",))
FOLLOWUP_OUTCOMES = Uses("followup_outcomes", shown=("rule_name", "on_time", "closed_deals", "won_deals",
                                                    "win_rate"), read=("rule_key",))
BY_MONTH = Uses("conversion_by_month", shown=("month", "manager_name", "won_deals", "won_amount",
                                              "lost_deals", "win_rate", "median_days_to_close"),
                read=("manager_id",))

# trends: the picked rule's value and change are renamed to `value` and `change`
TREND_RULES = (*SCORE_RULES, "active_deals", "won_deals", "lost_deals")
TREND = Uses("trend", shown=("snapshot_date", "manager_name"),
             read=("manager_id", *TREND_RULES, *(f"{r}_change" for r in TREND_RULES)))
TREND_TEAM = Uses("trend_team", read=("snapshot_date", *TREND_RULES))


# leads (issue 10): the QC desk's and the sales head's page; `responsible_*` is the lead's responsible
LEAD_SCORECARD = Uses("lead_scorecard", shown=("responsible_name", "in_progress_leads", "unprocessed_leads",
                                               "hanging_leads", "leads_created", "leads_untouched",
                                               "speed_to_lead_hours"),
                      read=("responsible_id", "responsible_active"))
LEADS_UNPROCESSED = Uses("leads_unprocessed", shown=("lead_title", "lead_url", "hours_waiting", "date_create",
                                                     "status_name", "source_name", "responsible_name"),
                         read=("lead_id", "responsible_id", "responsible_active"))
LEADS_HANGING = Uses("leads_hanging", shown=("lead_title", "lead_url", "days_idle", "last_touch_at",
                                             "never_touched", "status_name", "source_name",
                                             "responsible_name"),
                     read=("lead_id", "responsible_id", "responsible_active", "date_create"))
FUNNEL_COUNTS = ("leads_created", "in_progress", "converted", "junk", "to_deal", "to_won_deal")
LEAD_FUNNEL = Uses("lead_funnel", shown=("source_name", *FUNNEL_COUNTS), read=("source_id",))
LEAD_FUNNEL_MANAGERS = Uses("lead_funnel_by_manager", shown=("responsible_name", *FUNNEL_COUNTS),
                            read=("responsible_id",))
# a group's records, the owning one first; `match` and `route_to` are the page's (from these columns:
# route_to is the metric's route_to_name, marked by route_to_active)
DUPLICATES = Uses("duplicates", shown=("entity_type", "title", "entity_url", "owner_name", "lead_in_progress",
                                       "date_create"),
                  read=("match_kind", "match_value", "entity_id", "owner_active", "route_to_name",
                        "route_to_active"))
DUPLICATES_SUMMARY = Uses("duplicates_summary", read=("duplicate_groups", "duplicate_records",
                                                      "leads_in_progress"))
PLANNED_DEALS = Uses("planned_deals", shown=("deal_title", "deal_url", "client_name", "manager_name",
                                             "amount_base", "closedate", "stage_name", "pipeline_name",
                                             "date_create", "lead_title", "lead_url"),
                     read=("deal_id", "manager_id", "client_type", "client_id", "lead_id", "opportunity",
                           "currency_id"))

# clients (issue 10)
REACTIVATION = Uses("reactivation", shown=("client_name", "client_url", "planned", "days_overdue",
                                           "last_won_at", "interval_days", "won_deals", "won_amount",
                                           "owner_name"),
                    read=("client_type", "client_id", "owner_id", "owner_active", "due_at"))
CLIENT_SEARCH = Uses("client_search", shown=("client_name", "client_type", "matched_on", "matched_value",
                                             "owner_name"),
                     read=("client_id", "client_url", "owner_id"))
CLIENT_CARD = Uses("client_card", read=("client_type", "client_id", "client_name", "client_url", "owner_id",
                                        "owner_name", "contacts", "open_deals", "won_deals", "lost_deals",
                                        "won_amount", "avg_won_amount", "last_won_at", "last_activity_at",
                                        "last_activity_subject", "next_activity_at", "next_activity_subject",
                                        "next_activity_overdue"))
CLIENT_HISTORY = Uses("client_history", shown=("deal_title", "deal_url", "outcome", "stage_name",
                                               "amount_base", "date_create", "closed_at", "manager_name"),
                      read=("deal_id", "manager_id", "opportunity", "currency_id"))

# the daily review's line for leads, and a manager's leads and clients on My backlog
LEADS_LINE = Uses("lead_scorecard", read=("unprocessed_leads", "hanging_leads"))
BACKLOG_LEADS = Uses("lead_backlog", read=("lead_id", "lead_title", "lead_url", "date_create", "reason",
                                          "hours_waiting", "last_touch_at", "days_idle", "never_touched",
                                          "status_name", "source_name"))
BACKLOG_CLIENTS = Uses("reactivation", shown=("client_name", "client_url", "days_overdue", "last_won_at",
                                              "won_amount"),
                       read=("client_type", "client_id", "planned"))


def everything() -> list[Uses]:
    """Every use above, for the test."""
    found: list[Uses] = []
    for value in globals().values():
        if isinstance(value, Uses):
            found.append(value)
        elif isinstance(value, dict):
            found.extend(v for v in value.values() if isinstance(v, Uses))
    return found
