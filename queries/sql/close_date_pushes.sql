-- close_date_pushes: each time an open deal's expected close date moved later, from the daily snapshots
-- grain: one row per deal and snapshot day with a push (deal_id, snapshot_date)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, snapshot_date,
-- previous_closedate, closedate, pushed_days
-- rule: deal_snapshots keeps each open deal's close date once per portal day; a push is a day whose
-- close date is later than the previous snapshot's. Only deals still open are listed.
with

params as (
    select
        $manager_id::bigint as manager_id,
        $pipeline_id::bigint as pipeline_id,
        $department_id::bigint as department_id
),

pushes as (
    select * from v_close_date_push
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
        'pushed_' || p.pushed_days || '_days' as reason,
        p.snapshot_date,
        p.previous_closedate,
        p.closedate,
        p.pushed_days
    from pushes as p
    inner join v_open_deal as o on o.deal_id = p.deal_id
    cross join params as pr
    where (pr.manager_id is null or o.manager_id = pr.manager_id)
      and (pr.pipeline_id is null or o.pipeline_id = pr.pipeline_id)
      and (pr.department_id is null or list_contains(o.department_ids, pr.department_id))
)

select * from final
order by snapshot_date desc, deal_id
