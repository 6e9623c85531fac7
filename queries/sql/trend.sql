-- trend: the scorecard per manager per day as it was recorded that day, with the change from the day before
-- grain: one row per manager and day (manager_id, snapshot_date)
-- params: $manager_id, $department_id, $viewer_id (NULL = all); no pipeline filter (history is all pipelines)
-- columns: manager_id, manager_name, snapshot_date, active_deals, below_minimum, overaged_deals, stale_deals,
-- no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, missed_followups, won_deals,
-- won_amount, lost_deals, win_rate, previous_date, active_deals_change, overaged_deals_change,
-- stale_deals_change, no_next_activity_change, overdue_activities_change, unprocessed_incoming_change,
-- invoice_stuck_change, missed_followups_change, won_deals_change, won_amount_change, lost_deals_change,
-- manager_active, recorded_as_of
-- rule: reads scorecard_history (queries.history.record_scorecard after each successful sync; the last sync
-- of a portal day wins). Days: the given period, else the 30 days up to T's day. *_change = this day's value
-- minus the manager's previous recorded day (NULL on the first day). missed_followups is NULL on days
-- recorded before the follow-up rules existed. Days and managers: history_in_scope (_base.sql).
with

history as (  -- the series whose day-over-day change with_day_change works out: the manager
    select h.*, h.manager_id as series
    from history_in_scope('scorecard_history', $manager_id, $department_id, $viewer_id) as h  -- _base.sql
),

with_change as (
    select * from with_day_change('history')  -- _base.sql
),

final as (
    select
        c.manager_id,
        c.manager_name,
        c.snapshot_date,
        c.active_deals,
        c.below_minimum,
        c.overaged_deals,
        c.stale_deals,
        c.no_next_activity,
        c.overdue_activities,
        c.unprocessed_incoming,
        c.invoice_stuck,
        c.missed_followups,
        c.won_deals,
        c.won_amount,
        c.lost_deals,
        c.win_rate,
        c.previous_date,
        c.active_deals_change,
        c.overaged_deals_change,
        c.stale_deals_change,
        c.no_next_activity_change,
        c.overdue_activities_change,
        c.unprocessed_incoming_change,
        c.invoice_stuck_change,
        c.missed_followups_change,
        c.won_deals_change,
        c.won_amount_change,
        c.lost_deals_change,
        c.manager_active,
        c.as_of as recorded_as_of
    from with_change as c
    where c.in_window
)

select * from final
order by manager_name, manager_id, snapshot_date
