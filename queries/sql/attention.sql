-- attention: how a manager's touches spread over the open deals in the last 21 days
-- grain: one row per manager (manager_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: manager_id, manager_name, open_deals, untouched_deals, touched_deals, hammered_deals, touches,
-- untouched_share, manager_active
-- rule: window = [T - attention.window_days, T]; untouched_deals = open deals with no touch in the window;
-- hammered_deals = open deals touched attention.touches_per_week (3) or more times within one calendar week
-- (Monday-Sunday in the portal time zone) of the window. Attention spread thin shows as many untouched
-- deals beside a few hammered ones. Worst first: the largest untouched share, then the most untouched deals.
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, $manager_id, $department_id, $viewer_id)
),

open_deals as (  -- deal_flags' open deals; none of the rules' verdicts is needed
    select deal_id, manager_id
    from d_deal
    where pipeline_in_scope(pipeline_id, $pipeline_id) and is_open
),

window_touches as (  -- d_open_touch is sorted by time: only the window's blocks are read
    select t.deal_id, local_week(t.touch_time) as week, count(*) as touches
    from d_open_touch as t
    cross join ctx
    where t.touch_time >= ctx.attention_start and t.touch_time <= ctx.as_of
    group by t.deal_id, week
),

deal_touches as (
    select deal_id, sum(touches) as touches, max(touches) as max_week_touches
    from window_touches
    group by deal_id
),

per_deal as (
    select
        o.deal_id,
        o.manager_id,
        coalesce(w.touches, 0) as touches,
        coalesce(w.max_week_touches, 0) as max_week_touches
    from open_deals as o
    left join deal_touches as w on w.deal_id = o.deal_id
),

per_manager as (
    select
        d.manager_id,
        count(*) as open_deals,
        count(*) filter (where d.touches = 0) as untouched_deals,
        count(*) filter (where d.touches > 0) as touched_deals,
        count(*) filter (where d.max_week_touches >= ctx.attention_touches_per_week) as hammered_deals,
        cast(sum(d.touches) as bigint) as touches
    from per_deal as d
    cross join ctx
    group by d.manager_id
),

final as (
    select
        m.manager_id,
        m.manager_name,
        coalesce(pm.open_deals, 0) as open_deals,
        coalesce(pm.untouched_deals, 0) as untouched_deals,
        coalesce(pm.touched_deals, 0) as touched_deals,
        coalesce(pm.hammered_deals, 0) as hammered_deals,
        coalesce(pm.touches, 0) as touches,
        pm.untouched_deals / nullif(pm.open_deals, 0) as untouched_share,
        m.manager_active
    from managers as m
    left join per_manager as pm on pm.manager_id = m.manager_id
)

select * from final
order by untouched_share desc nulls last, untouched_deals desc, manager_name, manager_id
