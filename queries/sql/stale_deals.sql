-- stale_deals: open deals without a touch for more than touch_interval_days
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, manager_active,
-- date_create, last_touch_at
-- rule: open and the last touch (completed activity bound to the deal, at or before T), or creation when
-- never touched, is more than touch_interval_days x 24 h before T.
with

stale as (
    select *
    from deal_simple_flags($manager_id, $pipeline_id, $department_id, $viewer_id)  -- the deals in scope
    where is_open and is_stale
),

final as (
    select
        unnest(o.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        case
            when o.never_touched then 'never_touched'
            else 'no_touch_' || o.touch_interval_days || '_days'
        end as reason,
        o.manager_active,
        o.date_create,
        o.last_touch_at
    from stale as o
)

select * from final
order by days_since_touch desc, deal_id
