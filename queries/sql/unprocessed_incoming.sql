-- unprocessed_incoming: incoming activities nobody processed before the day ended
-- grain: one row per activity and deal it is bound to (activity_id, deal_id)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, activity_id,
-- activity_subject, activity_type, deadline, created, manager_active, deal_open
-- rule: incoming (is_incoming_channel or direction = 1), not completed, created before the start of T's day,
-- bound to any deal (open or closed).
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
        d.days_since_touch,
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
    cross join params as p
    cross join ctx
    where (p.manager_id is null or d.manager_id = p.manager_id)
      and (p.pipeline_id is null or d.pipeline_id = p.pipeline_id)
      and (p.department_id is null or list_contains(d.department_ids, p.department_id))
)

select * from final
order by created, activity_id, deal_id
