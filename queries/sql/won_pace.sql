-- won_pace: won so far this month against the same moment last month, per manager
-- grain: one row per manager (manager_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: manager_id, manager_name, won_deals, won_amount, won_deals_last_month, won_amount_last_month,
-- won_amount_change, manager_active
-- rule: this month = [start of T's month, T]; last month = [start of the previous month, the same day and
-- time one month before T]; won = final move with semantic S; amounts in the base currency.
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, $manager_id, $department_id, $viewer_id)
),

won as (
    select
        c.manager_id,
        count(*) filter (where c.closed_at >= ctx.month_start) as won_deals,
        sum(c.amount_base) filter (where c.closed_at >= ctx.month_start) as won_amount,
        count(*) filter (where c.closed_at < ctx.month_start) as won_deals_last_month,
        sum(c.amount_base) filter (where c.closed_at < ctx.month_start) as won_amount_last_month
    from v_closed_deal as c
    cross join ctx
    where c.is_won
      and ((c.closed_at >= ctx.month_start and c.closed_at <= ctx.as_of)
        or (c.closed_at >= ctx.prev_month_start and c.closed_at <= ctx.prev_month_same_moment))
      and pipeline_in_scope(c.pipeline_id, $pipeline_id)
    group by c.manager_id
),

final as (
    select
        m.manager_id,
        m.manager_name,
        coalesce(w.won_deals, 0) as won_deals,
        kopecks(w.won_amount) as won_amount,
        coalesce(w.won_deals_last_month, 0) as won_deals_last_month,
        kopecks(w.won_amount_last_month) as won_amount_last_month,
        kopecks(coalesce(w.won_amount, 0) - coalesce(w.won_amount_last_month, 0)) as won_amount_change,
        m.manager_active
    from managers as m
    left join won as w on w.manager_id = m.manager_id
)

select * from final
order by manager_name, manager_id
