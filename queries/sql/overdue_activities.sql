-- overdue_activities: planned activities past their deadline on open deals
-- grain: one row per activity and deal it is bound to (activity_id, deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, activity_id,
-- activity_subject, activity_type, deadline, created, manager_active, deal_open, since_last_workday
-- rule: planned (not completed, not incoming, real deadline) activity bound to an open deal whose deadline
-- is before the start of T's day in the portal time zone. since_last_workday = the deadline is at or after
-- the start of the last working day before T's day (left undone at the end of it); those come first, then
-- the older backlog, newest first.
with

overdue as (
    select
        a.*,
        d.deal_columns,
        d.manager_active,
        d.is_open,
        a.deadline >= lw.last_workday_start as since_last_workday
    from v_overdue_activity as a
    inner join v_deal_row as d on d.deal_id = a.deal_id
    cross join v_last_workday as lw
    where in_scope(d.manager_id, d.pipeline_id, d.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

final as (
    select
        unnest(a.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'overdue_' || (ctx.today - cast(local_ts(a.deadline) as date)) || '_days' as reason,
        a.activity_id,
        a.activity_subject,
        a.activity_type,
        a.deadline,
        a.created,
        a.manager_active,
        a.is_open as deal_open,
        a.since_last_workday
    from overdue as a
    cross join ctx
)

select * from final
order by since_last_workday desc, deadline desc, activity_id desc, deal_id
