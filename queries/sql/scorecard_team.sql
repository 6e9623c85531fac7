-- scorecard_team: the scorecard's team line: every count over the managers in view, the team's win rate
-- grain: one row
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: managers, managers_below_minimum, dismissed_with_deals, active_deals, overaged_deals, stale_deals,
-- no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, missed_followups, won_deals,
-- won_amount, lost_deals, win_rate
-- rule: the scorecard's managers and definitions (v_manager, manager_counts, v_closed_deal in
-- queries/sql/_base.sql), counted over the whole team: the scorecard's rows summed. managers_below_minimum
-- = managers with fewer open deals than min_active_deals; dismissed_with_deals = dismissed managers still
-- owning open deals; win_rate = won / (won + lost) in T's month up to T, NULL when none closed. A filter
-- that selects nobody gives managers = 0.
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, $manager_id, $department_id, $viewer_id)
),

team_closed as (  -- won and lost in T's month
    select c.*
    from v_closed_deal as c
    cross join ctx
    semi join managers as m on m.manager_id = c.manager_id
    where c.closed_at >= ctx.month_start and c.closed_at < ctx.month_end
      and pipeline_in_scope(c.pipeline_id, $pipeline_id)
),

per_manager as (  -- the scorecard's rows: every count per manager in view
    select
        m.manager_id,
        m.manager_active,
        coalesce(rc.active_deals, 0) as active_deals,  -- a manager with no deal in scope has no row
        rc.* exclude (manager_id, active_deals)
    from managers as m
    left join manager_counts($manager_id, $pipeline_id, $department_id, $viewer_id) as rc
        on rc.manager_id = m.manager_id
),

headcount as (
    select
        count(*) as managers,
        count(*) filter (where pm.active_deals < ctx.min_active_deals) as managers_below_minimum,
        count(*) filter (where not pm.manager_active and pm.active_deals > 0) as dismissed_with_deals
    from per_manager as pm
    cross join ctx
),

rule_counts as (  -- the managers' rows summed
    select
        cast(coalesce(sum(active_deals), 0) as bigint) as active_deals,
        cast(coalesce(sum(overaged_deals), 0) as bigint) as overaged_deals,
        cast(coalesce(sum(stale_deals), 0) as bigint) as stale_deals,
        cast(coalesce(sum(no_next_activity), 0) as bigint) as no_next_activity,
        cast(coalesce(sum(overdue_activities), 0) as bigint) as overdue_activities,
        cast(coalesce(sum(unprocessed_incoming), 0) as bigint) as unprocessed_incoming,
        cast(coalesce(sum(invoice_stuck), 0) as bigint) as invoice_stuck,
        cast(coalesce(sum(missed_followups), 0) as bigint) as missed_followups
    from per_manager
),

closed_month as (
    select
        count(*) filter (where is_won) as won_deals,
        kopecks(sum(amount_base) filter (where is_won)) as won_amount,
        count(*) filter (where not is_won) as lost_deals
    from team_closed
),

final as (
    select
        h.*,
        rc.*,
        cm.*,
        cm.won_deals / nullif(cm.won_deals + cm.lost_deals, 0) as win_rate
    from headcount as h
    cross join rule_counts as rc
    cross join closed_month as cm
)

select * from final
