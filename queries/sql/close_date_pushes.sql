-- close_date_pushes: each time an open deal's expected close date moved later, from the daily snapshots
-- grain: one row per deal and snapshot day with a push (deal_id, snapshot_date)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); $head_rows (bound by the
-- runner for a team list's head: only the first rows in the list's order; NULL = every row)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, snapshot_date,
-- previous_closedate, closedate, pushed_days
-- rule: deal_snapshots keeps each open deal's close date once per portal day; a push is a day whose
-- close date is later than the previous snapshot's. Only deals still open are listed.
with

pushes as (  -- the pushes of the open deals in scope: their keys only, no deal's columns read yet
    select p.*
    from v_close_date_push as p
    inner join v_deal as o on o.deal_id = p.deal_id
    where o.is_open
      and in_scope(o.manager_id, o.pipeline_id, o.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
      -- the push's stored manager is the deal's: one manager's call reads only their blocks of the pushes
      and ($manager_id is null or p.manager_id = cast($manager_id as bigint))
),

listed as (  -- every push, or the head's first $head_rows in the list's order (its sort on the keys alone)
    select * from pushes where $head_rows is null
    union all
    (
        select * from pushes where $head_rows is not null
        order by snapshot_date desc, deal_id
        limit $head_rows
    )
),

final as (
    select
        unnest(o.deal_columns),  -- deal_id ... days_since_touch (_base.sql), for the listed pushes only
        'pushed_' || p.pushed_days || '_days' as reason,
        p.snapshot_date,
        p.previous_closedate,
        p.closedate,
        p.pushed_days
    from listed as p
    inner join v_deal_row as o on o.deal_id = p.deal_id
)

select * from final
order by snapshot_date desc, deal_id
