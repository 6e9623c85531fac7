-- scorecard: every rule's count per manager, the won and lost deals of T's month, worst first
-- grain: one row per manager (manager_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: manager_id, manager_name, active_deals, below_minimum, overaged_deals, stale_deals,
-- no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, missed_followups, won_deals,
-- won_amount, lost_deals, win_rate, manager_active, department_id, issues_total, dismissed_with_deals
-- rule: counts from manager_counts (deal_flags and followup_windows over the open deals; closed ones only add
-- unprocessed incoming) and v_closed_deal (queries/sql/_base.sql), attributed to the deal's assigned_by_id;
-- below_minimum = active_deals < min_active_deals; won/lost = final move inside T's calendar month up to T;
-- win_rate = won / (won + lost); missed_followups = (deal, follow-up rule) pairs broken (the rows of
-- missed_followups); issues_total = the sum of the seven rule counts; dismissed_with_deals = a dismissed
-- manager who still owns open deals (reassign them). Every count is findable item by item in the manager's
-- backlog.
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, $manager_id, $department_id, $viewer_id)
),

closed_month as (
    select
        c.manager_id,
        count(*) filter (where c.is_won) as won_deals,
        kopecks(sum(c.amount_base) filter (where c.is_won)) as won_amount,
        count(*) filter (where not c.is_won) as lost_deals
    from v_closed_deal as c
    cross join ctx
    where c.closed_at >= ctx.month_start and c.closed_at < ctx.month_end
      and pipeline_in_scope(c.pipeline_id, $pipeline_id)
    group by c.manager_id
),

counted as (
    select
        m.manager_id,
        m.manager_name,
        coalesce(rc.active_deals, 0) as active_deals,
        coalesce(rc.active_deals, 0) < ctx.min_active_deals as below_minimum,
        coalesce(rc.overaged_deals, 0) as overaged_deals,
        coalesce(rc.stale_deals, 0) as stale_deals,
        coalesce(rc.no_next_activity, 0) as no_next_activity,
        coalesce(rc.overdue_activities, 0) as overdue_activities,
        coalesce(rc.unprocessed_incoming, 0) as unprocessed_incoming,
        coalesce(rc.invoice_stuck, 0) as invoice_stuck,
        coalesce(rc.missed_followups, 0) as missed_followups,
        coalesce(cm.won_deals, 0) as won_deals,
        coalesce(cm.won_amount, 0) as won_amount,
        coalesce(cm.lost_deals, 0) as lost_deals,
        cm.won_deals / nullif(cm.won_deals + cm.lost_deals, 0) as win_rate,
        m.manager_active,
        m.department_id
    from managers as m
    cross join ctx
    left join manager_counts($manager_id, $pipeline_id, $department_id, $viewer_id) as rc
        on rc.manager_id = m.manager_id
    left join closed_month as cm on cm.manager_id = m.manager_id
),

final as (
    select
        c.*,
        c.overaged_deals + c.stale_deals + c.no_next_activity + c.overdue_activities + c.unprocessed_incoming
            + c.invoice_stuck + c.missed_followups as issues_total,
        not c.manager_active and c.active_deals > 0 as dismissed_with_deals
    from counted as c
)

select * from final
order by issues_total desc, manager_name, manager_id
