-- no_next_activity: open deals with no planned activity
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, manager_active,
-- date_create, last_touch_at
-- rule: open and no planned activity bound (planned = not completed, not incoming, real deadline; an overdue
-- one still counts).
with

unplanned as (
    select *
    from deal_simple_flags($manager_id, $pipeline_id, $department_id, $viewer_id)  -- the deals in scope
    where is_open and is_no_next_activity
),

final as (
    select
        unnest(o.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'no_planned_activity' as reason,
        o.manager_active,
        o.date_create,
        o.last_touch_at
    from unplanned as o
)

select * from final
order by days_since_touch desc, deal_id
