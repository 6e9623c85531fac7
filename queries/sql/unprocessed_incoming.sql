-- unprocessed_incoming: incoming activities nobody processed before the day ended
-- grain: one row per activity and deal it is bound to (activity_id, deal_id)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- rule: incoming (is_incoming_channel or direction = 1), not completed, created before the start of T's day, bound to any deal (open or closed).
with

params as (
    select
        $manager_id::bigint as manager_id,
        $pipeline_id::bigint as pipeline_id,
        $department_id::bigint as department_id
),

flagged as (
    select * from v_unprocessed_incoming
),

deal_rows as (
    select * from v_deal_row
),

touched as (  -- last touch of the listed deals (v_deal_row keeps it for open deals only)
    select t.deal_id, max(t.touch_time) as last_touch_at
    from v_touch as t
    where t.deal_id in (select deal_id from flagged)
    group by t.deal_id
),

final as (
    select
        d.deal_id,
        d.deal_title,
        d.deal_url,
        d.manager_id,
        d.manager_name,
        d.pipeline_id,
        d.pipeline_name,
        d.stage_id,
        d.stage_name,
        d.opportunity,
        d.currency_id,
        d.amount_base,
        d.deal_age_days,
        cast(floor((epoch(ctx.as_of) - epoch(coalesce(tt.last_touch_at, d.date_create))) / 86400) as integer)
            as days_since_touch,
        'incoming_waiting_since_' || strftime(local_ts(a.created), '%Y-%m-%d') as reason,
        a.activity_id,
        a.activity_subject,
        a.activity_type,
        a.deadline,
        a.created,
        d.manager_active,
        d.is_open as deal_open
    from flagged as a
    inner join deal_rows as d on d.deal_id = a.deal_id
    left join touched as tt on tt.deal_id = a.deal_id
    cross join params as p
    cross join ctx
    where (p.manager_id is null or d.manager_id = p.manager_id)
      and (p.pipeline_id is null or d.pipeline_id = p.pipeline_id)
      and (p.department_id is null or list_contains(d.department_ids, p.department_id))
)

select * from final
order by created, activity_id, deal_id
