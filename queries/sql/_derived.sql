-- _derived: what every metric needs that depends on neither the as-of moment nor the rules, in two wide
-- tables. queries.history.record_day (run by the scheduled job, python -m jobs sync, after each good sync)
-- stores them in the snapshot as q_deal / q_deal_activity; when they are missing or older than the
-- snapshot's last sync the runner creates the same queries as temp views (d_deal / d_deal_activity) over
-- the raw tables instead: same numbers, only slower. The runner fills in "{create} d_" and "{ref}"
-- (queries/derived.py).

-- users' display names and every department they belong to, ancestors included
{create} d_user as
with recursive dept_up(user_id, department_id) as (
    select u.id, unnest(u.uf_department) from users as u
    union
    select up.user_id, d.parent
    from dept_up as up
    inner join departments as d on d.id = up.department_id
    where d.parent is not null
)
select
    u.id as user_id,
    coalesce(nullif(trim(concat_ws(' ', u.name, u.last_name)), ''), 'User ' || u.id) as user_name,
    coalesce(u.active, true) as user_active,
    u.uf_department[1] as department_id,
    coalesce((select list(distinct up.department_id) from dept_up as up where up.user_id = u.id), [])
        as department_ids
from users as u;

-- every real deal (recurring templates excluded everywhere) with names, base amount, the moment it
-- entered its current stage, its final move and the in-progress stage before it
{create} d_deal as
with pipelines_2 as (
    select id, any_value(name) as name from pipelines where entity_type_id = 2 group by id
),
stage_names as (
    select status_id, any_value(name) as name, any_value(coalesce(semantics, 'P')) as semantics
    from stages where entity_type_id = 2 group by status_id
),
portal as (
    select coalesce(any_value(value), '') as url from meta where key = 'portal_url'
),
entered as (  -- the latest stage-history entry into the deal's current stage
    select h.owner_id as deal_id, max(h.created_time) as entered_at
    from stage_history as h
    inner join deals as d on d.id = h.owner_id and d.stage_id = h.stage_id
    group by h.owner_id
),
final_move as (
    select owner_id as deal_id, max(created_time) as final_at
    from stage_history where type_id = 3 group by owner_id
),
base as (
    select
        d.*,
        coalesce(d.stage_semantic_id, s.semantics, 'P') as semantic,
        case when coalesce(d.stage_semantic_id, s.semantics, 'P') in ('S', 'F')
            then coalesce(fm.final_at, d.moved_time) end as closed_at,
        coalesce(e.entered_at, d.moved_time) as stage_entered_at,
        s.name as stage_label
    from deals as d
    left join stage_names as s on s.status_id = d.stage_id
    left join entered as e on e.deal_id = d.id
    left join final_move as fm on fm.deal_id = d.id
    where not coalesce(d.is_recurring, false)
),
before_final as (  -- the last in-progress stage entered before the final move
    select b.id as deal_id, arg_max(h.stage_id, h.created_time) as prev_stage_id
    from base as b
    inner join stage_history as h on h.owner_id = b.id
    where b.closed_at is not null
      and h.created_time < b.closed_at
      and coalesce(h.stage_semantic_id, 'P') = 'P'
    group by b.id
)
select
    b.id as deal_id,
    b.title as deal_title,
    rtrim(portal.url, '/') || '/crm/deal/details/' || b.id || '/' as deal_url,
    b.assigned_by_id as manager_id,
    coalesce(u.user_name, 'User ' || b.assigned_by_id) as manager_name,
    coalesce(u.user_active, false) as manager_active,
    coalesce(u.department_ids, []) as department_ids,
    b.category_id as pipeline_id,
    coalesce(p.name, 'Pipeline ' || b.category_id) as pipeline_name,
    b.stage_id,
    coalesce(b.stage_label, b.stage_id) as stage_name,
    b.semantic,
    b.semantic = 'P' as is_open,
    b.opportunity,
    b.currency_id,
    round(cast(b.opportunity as double) * cast(c.amount as double) / nullif(c.amount_cnt, 0), 2)
        as amount_base,
    b.probability,
    b.closedate,
    b.date_create,
    b.moved_time,
    b.stage_entered_at,
    b.closed_at,
    bf.prev_stage_id
from base as b
cross join portal
left join {ref}user as u on u.user_id = b.assigned_by_id
left join pipelines_2 as p on p.id = b.category_id
left join currencies as c on c.currency = b.currency_id
left join before_final as bf on bf.deal_id = b.id;

-- activity <-> deal pairs for activities bound to a real deal (a binding to a deleted deal or to a
-- recurring template drops out), with the activity facts every rule reads (stored sorted by deal)
{create} d_deal_activity as
select
    b.deal_id,
    a.id as activity_id,
    a.subject as activity_subject,
    a.type_id as activity_type,
    a.provider_id,
    a.deadline,
    a.created,
    coalesce(a.completed, false) as completed,
    coalesce(a.is_incoming_channel, false) or coalesce(a.direction, 0) = 1 as is_incoming,
    coalesce(a.end_time, a.start_time, a.last_updated) as touch_time,
    d.is_open as deal_open  -- most rules read open deals only: lets them skip the closed deals' rows
from activity_bindings as b
inner join activities as a on a.id = b.activity_id
inner join {ref}deal as d on d.deal_id = b.deal_id;

-- per deal, the activity facts that do not depend on T: the latest touch of all, planned activities (not
-- completed, not incoming, real deadline) and the earliest open deadline. The runner recomputes the last
-- touch only for deals touched after T.
{create} d_deal_summary as
select
    deal_id,
    max(touch_time) filter (where completed) as last_touch_all,
    count(*) filter (where not completed and not is_incoming and deadline is not null) as planned_count,
    min(deadline) filter (where not completed and not is_incoming) as next_deadline
from {ref}deal_activity
group by deal_id;

-- close-date pushes: a daily snapshot whose expected close date is later than the previous snapshot's
{create} d_close_date_push as
with seq as (
    select
        s.id as deal_id,
        s.snapshot_date,
        s.closedate,
        lag(s.closedate) over (partition by s.id order by s.snapshot_date) as previous_closedate
    from deal_snapshots as s
)
select deal_id, snapshot_date, previous_closedate, closedate, closedate - previous_closedate as pushed_days
from seq
where closedate > previous_closedate;
