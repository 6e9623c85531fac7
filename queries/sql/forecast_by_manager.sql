-- forecast_by_manager: the forecast per manager and expected close month
-- grain: one row per manager and close month (manager_id, close_month)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: manager_id, manager_name, close_month, deals, amount, weighted_amount, default_close_dates,
-- past_close_dates, unweighted_deals, close_date_pushes
-- rule: amounts in the base currency, to the kopeck; weighted = amount x the deal's probability when set
-- (> 0), else the stage's win rate over the last 12 months of stage history; default_close_dates = close date
-- equal to creation + 7 days (Bitrix24's default); past_close_dates = close date before T's day.
with

deals as (
    select *
    from v_forecast_deal
    where in_scope(manager_id, pipeline_id, department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

final as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        close_month,
        count(*) as deals,
        kopecks(sum(amount_base)) as amount,
        kopecks(sum(weighted_amount)) as weighted_amount,
        count(*) filter (where is_default_close) as default_close_dates,
        count(*) filter (where is_past_close) as past_close_dates,
        count(*) filter (where weight_source = 'none') as unweighted_deals,
        cast(sum(close_date_pushes) as bigint) as close_date_pushes
    from deals
    group by manager_id, close_month
)

select * from final
order by close_month = 'none', close_month, weighted_amount desc, manager_name, manager_id
