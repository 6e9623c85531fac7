-- overaged_deals: open deals older than max_deal_age_days
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, manager_active,
-- date_create, last_touch_at
-- rule: open (stage semantic P) and created more than max_deal_age_days x 24 h before T (per-pipeline
-- threshold).
with

overaged as (
    select *
    from deal_simple_flags($manager_id, $pipeline_id, $department_id, $viewer_id)  -- the deals in scope
    where is_open and is_overaged
),

final as (
    select
        unnest(o.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'older_than_' || o.max_deal_age_days || '_days' as reason,
        o.manager_active,
        o.date_create,
        o.last_touch_at
    from overaged as o
)

select * from final
order by deal_age_days desc, deal_id
