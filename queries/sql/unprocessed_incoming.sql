-- unprocessed_incoming: incoming activities nobody processed before the day ended
-- grain: one row per activity and deal it is bound to (activity_id, deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, activity_id,
-- activity_subject, activity_type, deadline, created, manager_active, deal_open, since_last_workday
-- rule: incoming (is_incoming_channel or direction = 1), not completed, created before the start of T's day,
-- bound to any deal (open or closed: a client who wrote is waiting, whatever the stage). since_last_workday
-- = created at or after the start of the last working day before T's day; those come first, then the
-- older backlog, newest first.
with

incoming as (
    select
        a.*,
        d.deal_columns,
        d.manager_active,
        d.is_open,
        a.created >= lw.last_workday_start as since_last_workday
    from v_unprocessed_incoming as a
    inner join v_deal_row as d on d.deal_id = a.deal_id
    cross join v_last_workday as lw
    where in_scope(d.manager_id, d.pipeline_id, d.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

final as (
    select
        unnest(a.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'incoming_waiting_since_' || strftime(local_ts(a.created), '%Y-%m-%d') as reason,
        a.activity_id,
        a.activity_subject,
        a.activity_type,
        a.deadline,
        a.created,
        a.manager_active,
        a.is_open as deal_open,
        a.since_last_workday
    from incoming as a
)

select * from final
order by since_last_workday desc, created desc, activity_id desc, deal_id
