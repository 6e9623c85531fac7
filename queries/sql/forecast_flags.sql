-- forecast_flags: the open deals whose expected close date is doubtful: still the default one, or passed
-- grain: one row per open deal with a default or past close date (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, closedate,
-- close_month, is_default_close, is_past_close, probability, weight_source, weight, weighted_amount,
-- close_date_pushes, pushed_days
-- rule: the rows of forecast_deals with is_default_close or is_past_close, in its order (the forecast page's
-- list of close dates to fix: asked for on its own, so the page never carries every open deal to show these)
with

deals as (
    select *
    from v_forecast_deal
    where (is_default_close or is_past_close)
      and in_scope(manager_id, pipeline_id, department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

sorted as (  -- sorted before forecast_list makes the rows' text; its SELECT keeps this order
    select *
    from deals
    order by close_month_order(closedate) nulls last, amount_base desc nulls last, deal_id
)

select * from forecast_list('sorted')  -- _base.sql
