-- overaged_deals: open deals older than max_deal_age_days
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, manager_active,
-- date_create, last_touch_at
-- rule: open (stage semantic P) and created more than max_deal_age_days x 24 h before T (per-pipeline
-- threshold).
with

params as (
    select
        $manager_id::bigint as manager_id,
        $pipeline_id::bigint as pipeline_id,
        $department_id::bigint as department_id
),

open_deals as (
    select * from v_open_deal
),

final as (
    select
        o.deal_id,
        o.deal_title,
        o.deal_url,
        o.manager_id,
        o.manager_name,
        o.pipeline_id,
        o.pipeline_name,
        o.stage_id,
        o.stage_name,
        o.opportunity,
        o.currency_id,
        o.amount_base,
        o.deal_age_days,
        o.days_since_touch,
        'older_than_' || o.max_deal_age_days || '_days' as reason,
        o.manager_active,
        o.date_create,
        o.last_touch_at
    from open_deals as o
    cross join params as p
    where o.is_overaged
      and (p.manager_id is null or o.manager_id = p.manager_id)
      and (p.pipeline_id is null or o.pipeline_id = p.pipeline_id)
      and (p.department_id is null or list_contains(o.department_ids, p.department_id))
)

select * from final
order by deal_age_days desc, deal_id
