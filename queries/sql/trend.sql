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
-- recorded before the follow-up rules existed.
with

history as (
    select h.*
    from scorecard_history as h
    cross join ctx
    left join v_user as u on u.user_id = h.manager_id
    where h.snapshot_date <= ctx.today
      and manager_in_scope(h.manager_id, coalesce(u.department_ids, []), $manager_id, $department_id,
                           $viewer_id)
),

with_change as (
    select
        h.*,
        lag(h.snapshot_date) over w as previous_date,
        h.active_deals - lag(h.active_deals) over w as active_deals_change,
        h.overaged_deals - lag(h.overaged_deals) over w as overaged_deals_change,
        h.stale_deals - lag(h.stale_deals) over w as stale_deals_change,
        h.no_next_activity - lag(h.no_next_activity) over w as no_next_activity_change,
        h.overdue_activities - lag(h.overdue_activities) over w as overdue_activities_change,
        h.unprocessed_incoming - lag(h.unprocessed_incoming) over w as unprocessed_incoming_change,
        h.invoice_stuck - lag(h.invoice_stuck) over w as invoice_stuck_change,
        h.missed_followups - lag(h.missed_followups) over w as missed_followups_change,
        h.won_deals - lag(h.won_deals) over w as won_deals_change,
        h.won_amount - lag(h.won_amount) over w as won_amount_change,
        h.lost_deals - lag(h.lost_deals) over w as lost_deals_change
    from history as h
    window w as (partition by h.manager_id order by h.snapshot_date)
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
    cross join ctx
    where (ctx.period_explicit and c.snapshot_date between ctx.period_first and ctx.period_last)
       or (not ctx.period_explicit and c.snapshot_date > ctx.today - 30)
)

select * from final
order by manager_name, manager_id, snapshot_date
