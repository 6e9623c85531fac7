-- scorecard_team: the scorecard's team line: every count over the managers in view, the team's win rate
-- grain: one row
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- columns: managers, managers_below_minimum, dismissed_with_deals, active_deals, overaged_deals, stale_deals,
-- no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, won_deals, won_amount,
-- lost_deals, win_rate
-- rule: the scorecard's rows summed (the same managers, counts from manager_rule_counts and
-- manager_month_closed in queries/sql/_base.sql); managers_below_minimum = managers with active_deals <
-- min_active_deals; dismissed_with_deals = dismissed managers still owning open deals; win_rate = won /
-- (won + lost) of the team, NULL when none closed. A filter that selects nobody gives managers = 0.
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, $manager_id, $department_id)
),

rule_counts as (
    select * from manager_rule_counts($pipeline_id)
),

closed_month as (
    select * from manager_month_closed($pipeline_id)
),

per_manager as (
    select
        m.manager_id,
        m.manager_active,
        coalesce(rc.active_deals, 0) as active_deals,
        rc.overaged_deals,
        rc.stale_deals,
        rc.no_next_activity,
        rc.overdue_activities,
        rc.unprocessed_incoming,
        rc.invoice_stuck,
        cm.won_deals,
        cm.won_amount,
        cm.lost_deals
    from managers as m
    left join rule_counts as rc on rc.manager_id = m.manager_id
    left join closed_month as cm on cm.manager_id = m.manager_id
),

totals as (
    select
        count(*) as managers,
        count(*) filter (where pm.active_deals < ctx.min_active_deals) as managers_below_minimum,
        count(*) filter (where not pm.manager_active and pm.active_deals > 0) as dismissed_with_deals,
        cast(coalesce(sum(pm.active_deals), 0) as bigint) as active_deals,
        cast(coalesce(sum(pm.overaged_deals), 0) as bigint) as overaged_deals,
        cast(coalesce(sum(pm.stale_deals), 0) as bigint) as stale_deals,
        cast(coalesce(sum(pm.no_next_activity), 0) as bigint) as no_next_activity,
        cast(coalesce(sum(pm.overdue_activities), 0) as bigint) as overdue_activities,
        cast(coalesce(sum(pm.unprocessed_incoming), 0) as bigint) as unprocessed_incoming,
        cast(coalesce(sum(pm.invoice_stuck), 0) as bigint) as invoice_stuck,
        cast(coalesce(sum(pm.won_deals), 0) as bigint) as won_deals,
        cast(coalesce(sum(pm.won_amount), 0) as double) as won_amount,
        cast(coalesce(sum(pm.lost_deals), 0) as bigint) as lost_deals
    from per_manager as pm
    cross join ctx
),

final as (
    select
        t.*,
        t.won_deals / nullif(t.won_deals + t.lost_deals, 0) as win_rate
    from totals as t
)

select * from final
