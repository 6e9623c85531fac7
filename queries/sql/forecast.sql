-- forecast: open deals by expected close month, plain and weighted, with the dubious close dates
-- grain: one row per close month, 'none' for deals without a close date (close_month)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: close_month, deals, amount, weighted_amount, default_close_dates, past_close_dates,
-- unweighted_deals, close_date_pushes
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
        close_month,
        count(*) as deals,
        kopecks(sum(amount_base)) as amount,
        kopecks(sum(weighted_amount)) as weighted_amount,
        count(*) filter (where is_default_close) as default_close_dates,
        count(*) filter (where is_past_close) as past_close_dates,
        count(*) filter (where weight_source = 'none') as unweighted_deals,
        cast(sum(close_date_pushes) as bigint) as close_date_pushes
    from deals
    group by close_month
)

select * from final
order by close_month = 'none', close_month
