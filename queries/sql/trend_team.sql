-- trend_team: the team's scorecard per day as it was recorded that day, with the change from the day before
-- grain: one row per day (snapshot_date)
-- params: $manager_id, $department_id, $viewer_id (NULL = all); no pipeline filter (history is all pipelines)
-- columns: snapshot_date, managers, active_deals, overaged_deals, stale_deals, no_next_activity,
-- overdue_activities, unprocessed_incoming, invoice_stuck, missed_followups, won_deals, won_amount,
-- lost_deals, previous_date, active_deals_change, overaged_deals_change, stale_deals_change,
-- no_next_activity_change, overdue_activities_change, unprocessed_incoming_change, invoice_stuck_change,
-- missed_followups_change, won_deals_change, won_amount_change, lost_deals_change
-- rule: the days and managers of trend (history_in_scope in _base.sql, from scorecard_history); a day's
-- count is the sum of the counts recorded that day for the managers in scope (a deal has one manager, so it
-- is the team's count); managers = how many were recorded that day. *_change = this day's count minus the
-- previous recorded day's (NULL on the first day): a manager recorded on one of the two days only counts
-- on that day, as the team's total did. missed_followups is NULL on days recorded before the follow-up
-- rules existed.
with

team as (  -- one series: the team
    select
        0 as series,
        h.snapshot_date,
        any_value(h.in_window) as in_window,
        count(*) as managers,
        sum(h.active_deals)::bigint as active_deals,
        sum(h.overaged_deals)::bigint as overaged_deals,
        sum(h.stale_deals)::bigint as stale_deals,
        sum(h.no_next_activity)::bigint as no_next_activity,
        sum(h.overdue_activities)::bigint as overdue_activities,
        sum(h.unprocessed_incoming)::bigint as unprocessed_incoming,
        sum(h.invoice_stuck)::bigint as invoice_stuck,
        sum(h.missed_followups)::bigint as missed_followups,
        sum(h.won_deals)::bigint as won_deals,
        kopecks(sum(h.won_amount)) as won_amount,
        sum(h.lost_deals)::bigint as lost_deals
    from history_in_scope('scorecard_history', $manager_id, $department_id, $viewer_id) as h  -- _base.sql
    group by h.snapshot_date
),

with_change as (
    select * from with_day_change('team')  -- _base.sql
)

select * exclude (series, in_window)
from with_change
where in_window
order by snapshot_date
