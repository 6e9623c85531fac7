-- forecast_summary: the forecast's headline: open deals, plain and weighted, and the close dates to doubt
-- grain: one row
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: open_deals, open_amount, weighted_amount, past_close_deals, past_close_amount, default_close_deals,
-- no_close_date_deals, history_days
-- rule: as forecast, over every open deal in view: past_close = expected close date before T's day (the
-- meeting should move or close them); default_close = close date = creation + forecast.default_close_days
-- (Bitrix24's default, nobody set it); history_days = days of deal_snapshots at or before T's day
-- (close-date pushes need at least 2: fewer means "not enough history yet", never "all good").
with

deals as (
    select *
    from v_forecast_deal
    where in_scope(manager_id, pipeline_id, department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

history as (
    select count(*) as history_days
    from d_snapshot_day as s  -- the distinct days of deal_snapshots
    cross join ctx
    where s.snapshot_date <= ctx.today
),

totals as (
    select
        count(*) as open_deals,
        -- to the kopeck (kopecks), so the order of summation cannot show
        kopecks(sum(amount_base)) as open_amount,
        kopecks(sum(weighted_amount)) as weighted_amount,
        count(*) filter (where is_past_close) as past_close_deals,
        kopecks(sum(amount_base) filter (where is_past_close)) as past_close_amount,
        count(*) filter (where is_default_close) as default_close_deals,
        count(*) filter (where closedate is null) as no_close_date_deals
    from deals
),

final as (
    select t.*, h.history_days
    from totals as t
    cross join history as h
)

select * from final
