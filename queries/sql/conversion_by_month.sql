-- conversion_by_month: won and lost per manager per calendar month, the 12 months up to T's month
-- grain: one row per manager and month with a closed deal (manager_id, month)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: manager_id, manager_name, month, won_deals, won_amount, lost_deals, win_rate, median_days_to_close
-- rule: as conversion, bucketed by the final move's month in the portal time zone.
with

closed as (
    select c.*, cast(date_trunc('month', local_ts(c.closed_at)) as date) as month
    from v_closed_deal as c
    cross join ctx
    where c.closed_at <= ctx.as_of
      and c.closed_at >= timezone(ctx.tz, date_trunc('month', ctx.as_of_local) - interval 11 month)
      and in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

final as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        month,
        count(*) filter (where is_won) as won_deals,
        kopecks(sum(amount_base) filter (where is_won)) as won_amount,
        count(*) filter (where not is_won) as lost_deals,
        count(*) filter (where is_won) / count(*) as win_rate,
        round(median(days_to_close), 2) as median_days_to_close
    from closed
    group by manager_id, month
)

select * from final
order by manager_name, manager_id, month
