-- forecast_deals: the open deals behind the forecast, with their weight and close-date flags
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, closedate,
-- close_month, is_default_close, is_past_close, probability, weight_source, weight, weighted_amount,
-- close_date_pushes, pushed_days
-- rule: as forecast; reason = default_close_date / past_close_date / no_close_date / pushed / ok.
with

deals as (
    select *
    from v_forecast_deal
    where in_scope(manager_id, pipeline_id, department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

sorted as (  -- sorted before forecast_list makes the rows' text; its SELECT keeps this order
    select *
    from deals
    order by close_month_order(closedate) nulls last, amount_base desc nulls last, deal_id
)

select * from forecast_list('sorted')  -- _base.sql
