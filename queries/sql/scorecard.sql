-- scorecard: every rule's count per manager, the won and lost deals of T's month
-- grain: one row per manager (manager_id)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- columns: manager_id, manager_name, active_deals, below_minimum, overaged_deals, stale_deals,
-- no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, won_deals, won_amount,
-- lost_deals, win_rate, manager_active, department_id
-- rule: counts come from v_deal_flags (one pass over the activities) and v_closed_deal
-- (queries/sql/_base.sql), attributed to the deal's assigned_by_id; below_minimum = active_deals <
-- min_active_deals; won/lost = final move inside T's calendar month up to T; win_rate = won / (won + lost).
with

params as (
    select
        $manager_id::bigint as manager_id,
        $pipeline_id::bigint as pipeline_id,
        $department_id::bigint as department_id
),

managers as (
    select m.*
    from v_manager as m
    cross join params as p
    where (p.manager_id is null or m.manager_id = p.manager_id)
      and (p.department_id is null or list_contains(m.department_ids, p.department_id))
),

deal_flags as (  -- open and closed deals in one pass (closed deals only add unprocessed incoming)
    select f.*
    from v_deal_flags as f
    cross join params as p
    where p.pipeline_id is null or f.pipeline_id = p.pipeline_id
),

deal_counts as (
    select
        manager_id,
        count(*) filter (where is_open) as active_deals,
        count(*) filter (where is_overaged) as overaged_deals,
        count(*) filter (where is_stale) as stale_deals,
        count(*) filter (where is_no_next_activity) as no_next_activity,
        count(*) filter (where is_invoice_stuck) as invoice_stuck,
        sum(overdue_count) filter (where is_open) as overdue_activities,
        sum(incoming_count) as unprocessed_incoming  -- on any deal, open or closed
    from deal_flags
    group by manager_id
),

closed_month as (
    select
        c.manager_id,
        count(*) filter (where c.is_won) as won_deals,
        coalesce(sum(c.amount_base) filter (where c.is_won), 0) as won_amount,
        count(*) filter (where not c.is_won) as lost_deals
    from v_closed_deal as c
    cross join ctx
    cross join params as p
    where c.closed_at >= ctx.month_start and c.closed_at < ctx.month_end
      and (p.pipeline_id is null or c.pipeline_id = p.pipeline_id)
    group by c.manager_id
),

final as (
    select
        m.manager_id,
        m.manager_name,
        coalesce(oc.active_deals, 0) as active_deals,
        coalesce(oc.active_deals, 0) < ctx.min_active_deals as below_minimum,
        coalesce(oc.overaged_deals, 0) as overaged_deals,
        coalesce(oc.stale_deals, 0) as stale_deals,
        coalesce(oc.no_next_activity, 0) as no_next_activity,
        cast(coalesce(oc.overdue_activities, 0) as bigint) as overdue_activities,
        cast(coalesce(oc.unprocessed_incoming, 0) as bigint) as unprocessed_incoming,
        coalesce(oc.invoice_stuck, 0) as invoice_stuck,
        coalesce(cm.won_deals, 0) as won_deals,
        cast(coalesce(cm.won_amount, 0) as double) as won_amount,
        coalesce(cm.lost_deals, 0) as lost_deals,
        cm.won_deals / nullif(cm.won_deals + cm.lost_deals, 0) as win_rate,
        m.manager_active,
        m.department_id
    from managers as m
    cross join ctx
    left join deal_counts as oc on oc.manager_id = m.manager_id
    left join closed_month as cm on cm.manager_id = m.manager_id
)

select * from final
order by manager_name, manager_id
