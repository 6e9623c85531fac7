-- _base: the shared definitions every metric builds on, created as temp views on each short-lived
-- connection after the runner has created the rule tables (ctx, calendar_work, rule_pipeline,
-- invoice_stage, loss_rule, deal_loss_field). One place for: open, touch, planned, incoming, attribution,
-- base-currency amounts, per-pipeline thresholds, the invoice follow-up deadline, the final move.
-- Times are instants (timestamptz); day boundaries come from ctx (portal time zone).

-- deal stages, one row per stage id (stage ids are unique across deal pipelines)
create or replace temp view v_stage as
select
    s.status_id as stage_id,
    s.name as stage_name,
    s.category_id as pipeline_id,
    coalesce(s.semantics, 'P') as semantics,
    s.sort
from stages as s
where s.entity_type_id = 2
qualify row_number() over (partition by s.status_id order by s.id) = 1;

-- users with every department they belong to, ancestors included (a filter on a department covers
-- its sub-departments)
create or replace temp view v_user as
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

-- every real deal (recurring templates excluded everywhere), with pipeline thresholds and base amount
create or replace temp view v_deal as
with pipelines_2 as (
    select id, any_value(name) as name from pipelines where entity_type_id = 2 group by id
)
select
    d.id as deal_id,
    d.title as deal_title,
    rtrim(ctx.portal_url, '/') || '/crm/deal/details/' || d.id || '/' as deal_url,
    d.assigned_by_id as manager_id,
    coalesce(u.user_name, 'User ' || d.assigned_by_id) as manager_name,
    coalesce(u.user_active, false) as manager_active,
    coalesce(u.department_ids, []) as department_ids,
    d.category_id as pipeline_id,
    coalesce(p.name, 'Pipeline ' || d.category_id) as pipeline_name,
    d.stage_id,
    coalesce(s.stage_name, d.stage_id) as stage_name,
    coalesce(d.stage_semantic_id, s.semantics, 'P') as semantic,
    coalesce(d.stage_semantic_id, s.semantics, 'P') = 'P' as is_open,
    d.opportunity,
    d.currency_id,
    round(cast(d.opportunity as double) * cast(c.amount as double) / nullif(c.amount_cnt, 0), 2)
        as amount_base,
    d.probability,
    d.closedate,
    d.date_create,
    d.moved_time,
    cast(floor(epoch(ctx.as_of - d.date_create) / 86400) as integer) as deal_age_days,
    coalesce(rp.max_deal_age_days, ctx.max_deal_age_days) as max_deal_age_days,
    coalesce(rp.touch_interval_days, ctx.touch_interval_days) as touch_interval_days,
    coalesce(rp.invoice_followup_business_days, ctx.invoice_followup_business_days)
        as invoice_followup_business_days,
    inv.stage_id is not null as in_invoice_stage
from deals as d
cross join ctx
left join v_user as u on u.user_id = d.assigned_by_id
left join pipelines_2 as p on p.id = d.category_id
left join v_stage as s on s.stage_id = d.stage_id
left join currencies as c on c.currency = d.currency_id
left join rule_pipeline as rp on rp.pipeline_id = d.category_id
left join invoice_stage as inv on inv.stage_id = d.stage_id
where not coalesce(d.is_recurring, false);

-- activity <-> deal pairs for activities bound to a real deal (a binding to a deleted deal drops out)
create or replace temp view v_deal_activity as
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
    coalesce(a.end_time, a.start_time, a.last_updated) as touch_time
from (select distinct activity_id, deal_id from activity_bindings) as b
inner join activities as a on a.id = b.activity_id
inner join v_deal as d on d.deal_id = b.deal_id;

-- touches: completed activities bound to the deal, timed end, else start, else last update, at or before T
create or replace temp view v_touch as
select da.deal_id, da.activity_id, da.touch_time
from v_deal_activity as da
cross join ctx
where da.completed and da.touch_time <= ctx.as_of;

-- planned activities: not completed, not incoming, with a real deadline (NULL = the 9999 "no deadline")
create or replace temp view v_planned as
select da.*
from v_deal_activity as da
where not da.completed and not da.is_incoming and da.deadline is not null;

-- the moment each deal entered its current stage: the latest stage-history entry into it, else moved_time
create or replace temp view v_stage_entry as
select
    d.deal_id,
    coalesce(
        (select max(h.created_time) from stage_history as h
         where h.owner_id = d.deal_id and h.stage_id = d.stage_id),
        d.moved_time
    ) as entered_at
from v_deal as d
where d.is_open and d.in_invoice_stage;

-- invoice follow-up deadline: E plus N working days (portal calendar). E on a non-working day counts from
-- the start of the next working day; otherwise the deadline keeps E's time of day.
create or replace temp view v_invoice_due as
with entry as (
    select
        e.deal_id,
        e.entered_at,
        d.invoice_followup_business_days as n,
        timezone(ctx.tz, e.entered_at) as e_local,
        cast(timezone(ctx.tz, e.entered_at) as date) as e_day
    from v_stage_entry as e
    inner join v_deal as d on d.deal_id = e.deal_id
    cross join ctx
),
positioned as (
    select
        entry.*,
        cal.day is not null as e_is_working,
        (select max(cw.work_idx) from calendar_work as cw where cw.day <= entry.e_day) as idx_le
    from entry
    left join calendar_work as cal on cal.day = entry.e_day
)
select
    p.deal_id,
    p.entered_at,
    timezone(ctx.tz, case
        when p.e_is_working then cast(target.day as timestamp) + (p.e_local - cast(p.e_day as timestamp))
        else cast(target.day as timestamp)
    end) as due_at
from positioned as p
cross join ctx
left join calendar_work as target
    on target.work_idx = coalesce(p.idx_le, 0) + p.n + case when p.e_is_working then 0 else 1 end;

-- every deal with its last touch and the days since (creation when never touched)
create or replace temp view v_deal_row as
with last_touch as (
    select deal_id, max(touch_time) as last_touch_at from v_touch group by deal_id
)
select
    d.*,
    lt.last_touch_at,
    lt.last_touch_at is null as never_touched,
    cast(floor(epoch(ctx.as_of - coalesce(lt.last_touch_at, d.date_create)) / 86400) as integer)
        as days_since_touch
from v_deal as d
cross join ctx
left join last_touch as lt on lt.deal_id = d.deal_id;

-- one row per open deal with every rule's verdict (the single source for scorecard, lists and backlog)
create or replace temp view v_open_deal as
with planned as (
    select
        pl.deal_id,
        count(*) as planned_count,
        count(*) filter (where pl.deadline < ctx.day_start) as overdue_count,
        min(pl.deadline) as next_deadline
    from v_planned as pl
    cross join ctx
    group by pl.deal_id
),
incoming as (
    select da.deal_id, count(*) as incoming_count
    from v_deal_activity as da
    cross join ctx
    where da.is_incoming and not da.completed and da.created < ctx.day_start
    group by da.deal_id
),
invoice_touch as (
    select distinct t.deal_id
    from v_touch as t
    inner join v_invoice_due as inv on inv.deal_id = t.deal_id
    where t.touch_time >= inv.entered_at
)
select
    d.*,
    d.date_create < ctx.as_of - to_hours(24 * d.max_deal_age_days) as is_overaged,
    coalesce(d.last_touch_at, d.date_create) < ctx.as_of - to_hours(24 * d.touch_interval_days) as is_stale,
    coalesce(pl.planned_count, 0) = 0 as is_no_next_activity,
    coalesce(pl.overdue_count, 0) as overdue_count,
    pl.next_deadline,
    coalesce(inc.incoming_count, 0) as incoming_count,
    inv.entered_at as invoice_entered_at,
    inv.due_at as invoice_due_at,
    d.in_invoice_stage
    and coalesce(inv.due_at, inv.entered_at) < ctx.as_of
    and it.deal_id is null as is_invoice_stuck
from v_deal_row as d
cross join ctx
left join planned as pl on pl.deal_id = d.deal_id
left join incoming as inc on inc.deal_id = d.deal_id
left join v_invoice_due as inv on inv.deal_id = d.deal_id
left join invoice_touch as it on it.deal_id = d.deal_id
where d.is_open;

-- planned activities on open deals whose deadline is before the start of T's day: one row per
-- (activity, deal)
create or replace temp view v_overdue_activity as
select pl.*
from v_planned as pl
inner join v_deal as d on d.deal_id = pl.deal_id
cross join ctx
where d.is_open and pl.deadline < ctx.day_start;

-- incoming activities still not completed that were created before the start of T's day, on any deal
create or replace temp view v_unprocessed_incoming as
select da.*
from v_deal_activity as da
cross join ctx
where da.is_incoming and not da.completed and da.created < ctx.day_start;

-- managers: owners of open deals (dismissed ones flagged, never dropped), or the configured list
create or replace temp view v_manager as
with candidates as (
    select distinct d.manager_id from v_deal as d cross join ctx
    where d.is_open and len(ctx.manager_ids) = 0 and d.manager_id is not null
    union
    select unnest(ctx.manager_ids) from ctx
)
select
    c.manager_id,
    coalesce(u.user_name, 'User ' || c.manager_id) as manager_name,
    coalesce(u.user_active, false) as manager_active,
    u.department_id,
    coalesce(u.department_ids, []) as department_ids
from candidates as c
cross join ctx
left join v_user as u on u.user_id = c.manager_id
where not list_contains(ctx.exclude_manager_ids, c.manager_id);

-- closed deals with their final move (latest final-stage history entry, else moved_time), loss reason and
-- the in-progress stage they were in before the final move
create or replace temp view v_closed_deal as
with final_move as (
    select owner_id as deal_id, max(created_time) as final_at
    from stage_history where type_id = 3 group by owner_id
),
closed as (
    select d.*, coalesce(fm.final_at, d.moved_time) as closed_at
    from v_deal as d
    left join final_move as fm on fm.deal_id = d.deal_id
    where d.semantic in ('S', 'F')
),
before_final as (
    select c.deal_id, arg_max(h.stage_id, h.created_time) as prev_stage_id
    from closed as c
    inner join stage_history as h on h.owner_id = c.deal_id
    where h.created_time < c.closed_at and coalesce(h.stage_semantic_id, 'P') = 'P'
    group by c.deal_id
),
reason as (
    select
        c.deal_id,
        coalesce(lf.reason_key, c.stage_id) as reason_key,
        coalesce(lf.reason_name, c.stage_name) as reason_name
    from closed as c
    left join deal_loss_field as lf on lf.deal_id = c.deal_id
    where c.semantic = 'F'
),
grouped as (
    select r.deal_id, arg_min(lr.grp, lr.ord) as reason_group
    from reason as r
    inner join loss_rule as lr
        on (lr.kind = 'id' and lower(r.reason_key) = lr.value)
        or (lr.kind = 'name' and contains(lower(r.reason_name), lr.value))
    group by r.deal_id
)
select
    c.*,
    c.semantic = 'S' as is_won,
    epoch(c.closed_at - c.date_create) / 86400 as days_to_close,
    r.reason_key,
    r.reason_name,
    case when c.semantic = 'F' then coalesce(g.reason_group, 'unspecified') end as reason_group,
    bf.prev_stage_id,
    coalesce(ps.stage_name, bf.prev_stage_id) as prev_stage_name,
    pinv.stage_id is not null as lost_at_invoice
from closed as c
left join before_final as bf on bf.deal_id = c.deal_id
left join v_stage as ps on ps.stage_id = bf.prev_stage_id
left join invoice_stage as pinv on pinv.stage_id = bf.prev_stage_id
left join reason as r on r.deal_id = c.deal_id
left join grouped as g on g.deal_id = c.deal_id;

-- stage win rates: of the deals that passed through an in-progress stage and closed in the look-back
-- window (rules: forecast.win_rate_lookback_months), the share won
create or replace temp view v_stage_win_rate as
select
    h.stage_id,
    count(distinct c.deal_id) as closed_deals,
    count(distinct c.deal_id) filter (where c.is_won) as won_deals,
    count(distinct c.deal_id) filter (where c.is_won) / count(distinct c.deal_id) as win_rate
from v_closed_deal as c
inner join stage_history as h on h.owner_id = c.deal_id
cross join ctx
where c.closed_at >= ctx.lookback_start and c.closed_at <= ctx.as_of
  and coalesce(h.stage_semantic_id, 'P') = 'P'
group by h.stage_id;

-- close-date pushes: a daily snapshot whose expected close date is later than the day before's
create or replace temp view v_close_date_push as
with seq as (
    select
        s.id as deal_id,
        s.snapshot_date,
        s.closedate,
        lag(s.closedate) over (partition by s.id order by s.snapshot_date) as previous_closedate
    from deal_snapshots as s
    cross join ctx
    where s.snapshot_date <= ctx.today
)
select *, closedate - previous_closedate as pushed_days
from seq
where closedate > previous_closedate;

-- open deals with their expected close month, flags and weight (probability when set and > 0, else the
-- stage's win rate; deals with neither weigh 0 and are counted as unweighted)
create or replace temp view v_forecast_deal as
with pushes as (
    select deal_id, count(*) as close_date_pushes, sum(pushed_days) as pushed_days
    from v_close_date_push group by deal_id
)
select
    o.*,
    coalesce(strftime(o.closedate, '%Y-%m'), 'none') as close_month,
    o.closedate = cast(timezone(ctx.tz, o.date_create) as date) + ctx.default_close_days as is_default_close,
    o.closedate < ctx.today as is_past_close,
    case when o.probability > 0 then 'deal' when wr.win_rate is not null then 'stage' else 'none' end
        as weight_source,
    case when o.probability > 0 then o.probability / 100 else wr.win_rate end as weight,
    round(coalesce(o.amount_base, 0)
        * coalesce(case when o.probability > 0 then o.probability / 100 else wr.win_rate end, 0), 2)
        as weighted_amount,
    coalesce(p.close_date_pushes, 0) as close_date_pushes,
    cast(coalesce(p.pushed_days, 0) as integer) as pushed_days
from v_open_deal as o
cross join ctx
left join v_stage_win_rate as wr on wr.stage_id = o.stage_id
left join pushes as p on p.deal_id = o.deal_id;
