-- _base: the shared definitions every metric builds on, created as temp views on each short-lived
-- connection after the runner has created the rule tables (ctx, calendar_day, calendar_work,
-- rule_pipeline, invoice_stage, followup_rule, followup_stage, loss_rule, deal_loss_field) and the derived
-- layer (d_user, d_deal, d_deal_activity: queries/sql/_derived.sql). One place for: open, touch, planned,
-- incoming, attribution, per-pipeline thresholds, the working-day due moment, the invoice and follow-up
-- rules, the last working day, the loss reason; and the pieces every
-- metric file would repeat (the filter by manager / pipeline / department, the columns every list starts
-- with). Times are instants (timestamptz); day boundaries come from ctx (portal time zone). Each view here
-- is bound on every call (~1-3 ms each): one that only a file or two need belongs in those files.

-- the viewer's scope: $viewer_id NULL sees everything (the operator, an admin); any other id sees the
-- managers and departments the runner put in viewer_scope / viewer_department for it (queries/scope.py),
-- so an id nobody filled sees nothing
create or replace temp macro viewer_sees(row_manager, viewer) as
    viewer is null
    or row_manager in (select s.manager_id from viewer_scope as s where s.viewer_id = cast(viewer as bigint));

create or replace temp macro viewer_sees_department(row_department, viewer) as
    viewer is null
    or row_department in (
        select s.department_id from viewer_department as s where s.viewer_id = cast(viewer as bigint)
    );

-- lists that belong to nobody (pipelines, sync runs): any viewer the runner resolved
create or replace temp macro viewer_known(viewer) as
    viewer is null or exists (select 1 from viewer_scope as s where s.viewer_id = cast(viewer as bigint));

-- admin-only lists (rejected_records): the runner refuses them to anyone else, this is the second lock
create or replace temp macro sees_everything(viewer) as
    viewer is null;

-- the dashboard's filters, NULL = all: a metric calls in_scope(...) with its row's manager, pipeline and
-- departments and the bound $manager_id, $pipeline_id, $department_id (department covers sub-departments)
-- and $viewer_id (the scope above)
create or replace temp macro pipeline_in_scope(row_pipeline, want_pipeline) as
    want_pipeline is null or row_pipeline = cast(want_pipeline as bigint);

create or replace temp macro manager_in_scope(row_manager, row_departments, want_manager, want_department,
                                              viewer) as
    (want_manager is null or row_manager = cast(want_manager as bigint))
    and (want_department is null or list_contains(row_departments, cast(want_department as bigint)))
    and viewer_sees(row_manager, viewer);

create or replace temp macro in_scope(row_manager, row_pipeline, row_departments, want_manager, want_pipeline,
                                      want_department, viewer) as
    manager_in_scope(row_manager, row_departments, want_manager, want_department, viewer)
    and pipeline_in_scope(row_pipeline, want_pipeline);

-- a total of money in the base currency, to the kopeck: a sum of doubles depends on the order DuckDB's threads
-- add them in (the weighted forecast of a million deals differed in its last digits from run to run)
create or replace temp macro kopecks(total) as cast(round(coalesce(total, 0), 2) as double);

-- the backlog's rules in priority order, the one statement of that order (backlog.sql: `rules`, `reason`,
-- `priority`). A macro, not a one-row CTE: a constant list, where a CTE was a join the lambdas ran in.
create or replace temp macro backlog_rule_order() as [
    'unprocessed_incoming', 'overdue_activities', 'invoice_stuck', 'missed_followup', 'no_next_activity',
    'stale_deals', 'overaged_deals'
];

-- the rules a deal breaks as a bit mask: bit i - 1 is the i-th rule of backlog_rule_order(), so the
-- arguments come in that order. backlog.sql looks the mask up in backlog_rule_sets() instead of building a
-- list per deal with a lambda (at 1M deals the lambdas took a tenth of the list's time).
create or replace temp macro backlog_rule_mask(unprocessed_incoming, overdue_activities, invoice_stuck,
                                               missed_followup, no_next_activity, stale_deals,
                                               overaged_deals) as
    cast(unprocessed_incoming as integer) + 2 * cast(overdue_activities as integer)
    + 4 * cast(invoice_stuck as integer) + 8 * cast(missed_followup as integer)
    + 16 * cast(no_next_activity as integer) + 32 * cast(stale_deals as integer)
    + 64 * cast(overaged_deals as integer);

-- every non-empty set of the backlog's rules, one row per mask (backlog_rule_mask): the rules in priority
-- order, the first of them (reason), its rank (priority) and how many (rules_broken)
create or replace temp macro backlog_rule_sets() as table
with sets as (
    select
        cast(m.mask as integer) as mask,
        list_filter(backlog_rule_order(), lambda r, i: (m.mask >> (i - 1)) & 1 = 1) as rules
    from range(1, 1 << len(backlog_rule_order())) as m(mask)
)
select
    s.mask,
    s.rules,
    s.rules[1] as reason,
    cast(list_position(backlog_rule_order(), s.rules[1]) as integer) as priority,
    len(s.rules) as rules_broken
from sets as s;

-- the start (portal time) of the last working day before T's day: what appeared since then is "new since
-- the last working day"; older items are the backlog
create or replace temp view v_last_workday as
select
    timezone(ctx.tz, cast((
        select max(c.day) from calendar_day as c where c.is_working and c.day < ctx.today
    ) as timestamp)) as last_workday_start
from ctx;

create or replace temp view v_user as
select * from d_user;

-- every real deal with the rules that apply to it (its pipeline's thresholds, invoice stage or not)
create or replace temp view v_deal as
select
    d.*,
    cast(floor((epoch(ctx.as_of) - epoch(d.date_create)) / 86400) as integer) as deal_age_days,
    coalesce(rp.max_deal_age_days, ctx.max_deal_age_days) as max_deal_age_days,
    coalesce(rp.touch_interval_days, ctx.touch_interval_days) as touch_interval_days,
    coalesce(rp.invoice_followup_business_days, ctx.invoice_followup_business_days)
        as invoice_followup_business_days,
    inv.stage_id is not null as in_invoice_stage
from d_deal as d
cross join ctx
left join rule_pipeline as rp on rp.pipeline_id = d.pipeline_id
left join invoice_stage as inv on inv.stage_id = d.stage_id;

-- activity <-> deal pairs (bindings to deleted deals and recurring templates already dropped)
create or replace temp view v_deal_activity as
select * from d_deal_activity;

-- touches: completed activities bound to the deal, timed end, else start, else last update, at or before T
create or replace temp view v_touch as
select da.deal_id, da.activity_id, da.touch_time
from d_deal_activity as da
cross join ctx
where da.completed and da.touch_time <= ctx.as_of;

-- planned activities: not completed, not incoming, with a real deadline (NULL = the 9999 "no deadline")
create or replace temp view v_planned as
select da.*
from d_deal_activity as da
where not da.completed and not da.is_incoming and da.deadline is not null;

-- planned activities on open deals whose deadline is before the start of T's day: one row per
-- (activity, deal)
create or replace temp view v_overdue_activity as
select pl.*
from d_open_planned as pl
cross join ctx
where pl.deadline < ctx.day_start;

-- incoming activities still not completed that were created before the start of T's day, on any deal
create or replace temp view v_unprocessed_incoming as
select pi.*
from d_pending_incoming as pi
cross join ctx
where pi.created < ctx.day_start;

-- the last touch at or before T of the deals touched after T as well (d_deal.last_touch_all > T); every
-- other deal's last touch is its last_touch_all. For T at or after the stored moment S (d_moment) that is
-- the last touch up to S or a later one at or before T (d_late_touch: few); for a T before S (an as-of
-- moment in the past) those deals' activities are read again.
create or replace temp view v_touch_before_t as
with touched_after_t as (
    select d.deal_id, d.last_touch_at_s, ctx.as_of >= m.facts_at as after_s
    from d_deal as d
    cross join ctx
    cross join d_moment as m
    where d.last_touch_all > ctx.as_of
)
select a.deal_id, greatest(any_value(a.last_touch_at_s), max(lt.touch_time)) as last_touch_at
from touched_after_t as a
cross join ctx
left join d_late_touch as lt on lt.deal_id = a.deal_id and lt.touch_time <= ctx.as_of
where a.after_s
group by a.deal_id
union all
select da.deal_id, max(da.touch_time)
from d_deal_activity as da
cross join ctx
where da.completed and da.touch_time <= ctx.as_of
  and da.deal_id in (select deal_id from touched_after_t where not after_s)
group by da.deal_id;

-- every deal with its activity facts at T and the days since its last touch (creation when never touched);
-- deal_columns: the columns every list starts with, deal_id ... days_since_touch (lists unnest() them)
create or replace temp view v_deal_row as
with t_facts as (  -- the deal's activity facts (_derived.sql) compared with T
    select
        d.*,
        case when d.last_touch_all <= ctx.as_of then d.last_touch_all else tb.last_touch_at end as last_touch_at,
        -- overdue: planned activities on an open deal with a deadline before T's day (the list is sorted)
        case when d.is_open then list_filter(d.planned_deadlines, lambda x: x < ctx.day_start) else [] end
            as overdue_deadlines,
        -- unprocessed incoming: created before T's day, on any deal (sorted)
        list_filter(d.incoming_created, lambda x: x < ctx.day_start) as waiting_created
    from v_deal as d
    cross join ctx
    left join v_touch_before_t as tb on tb.deal_id = d.deal_id
),
facts as (
    select
        d.* exclude (overdue_deadlines, waiting_created),
        d.last_touch_at is null as never_touched,
        cast(floor((epoch(ctx.as_of) - epoch(coalesce(d.last_touch_at, d.date_create))) / 86400) as integer)
            as days_since_touch,
        len(d.overdue_deadlines) as overdue_count,
        d.overdue_deadlines[-1] as latest_overdue_at,
        len(d.waiting_created) as incoming_count,
        d.waiting_created[-1] as latest_incoming_at
    from t_facts as d
    cross join ctx
)
select
    f.*,
    {
        'deal_id': f.deal_id,
        'deal_title': f.deal_title,
        'deal_url': f.deal_url,
        'manager_id': f.manager_id,
        'manager_name': f.manager_name,
        'pipeline_id': f.pipeline_id,
        'pipeline_name': f.pipeline_name,
        'stage_id': f.stage_id,
        'stage_name': f.stage_name,
        'opportunity': f.opportunity,
        'currency_id': f.currency_id,
        'amount_base': f.amount_base,
        'deal_age_days': f.deal_age_days,
        'days_since_touch': f.days_since_touch
    } as deal_columns
from facts as f;

-- E + N working days (portal calendar), the one computation of a due moment (the invoice rule, the
-- follow-up rules, followup_outcomes): every row of the table or CTE named t, which carries trigger_at (E)
-- and n, with due_at added. E on a working day keeps its time of day on the N-th working day after E's day;
-- E on a non-working day counts from the start of the next working day (due = the start of the N-th
-- working day after E's day then). A table macro: only the queries that call it bind it.
create or replace temp macro with_due(t) as table
with positioned as (
    select
        w.*,
        timezone(ctx.tz, w.trigger_at) as e_local,
        coalesce(cal.is_working, false) as e_is_working,
        coalesce(cal.work_idx_le, 0) as idx_le
    from query_table(t) as w
    cross join ctx
    left join calendar_day as cal on cal.day = cast(timezone(ctx.tz, w.trigger_at) as date)
)
select
    p.* exclude (e_local, e_is_working, idx_le),
    timezone(ctx.tz, case
        when p.e_is_working
            then cast(target.day as timestamp) + (p.e_local - cast(cast(p.e_local as date) as timestamp))
        else cast(target.day as timestamp)
    end) as due_at
from positioned as p
cross join ctx
left join calendar_work as target
    on target.work_idx = p.idx_le + p.n + case when p.e_is_working then 0 else 1 end;

-- invoice follow-up deadline: E (entry into the current invoice stage) plus N working days, for the deals in
-- scope (in_scope's filters and viewer: see deal_flags)
create or replace temp macro invoice_due(want_manager, want_pipeline, want_department, viewer) as table
with invoice_start as (
    select d.deal_id, d.stage_entered_at as trigger_at, d.invoice_followup_business_days as n
    from v_deal as d
    where d.is_open and d.in_invoice_stage
      and in_scope(d.manager_id, d.pipeline_id, d.department_ids, want_manager, want_pipeline,
                   want_department, viewer)
)
select deal_id, trigger_at as entered_at, due_at
from with_due('invoice_start');

-- follow-up rules (rules.toml [followups]) on the open deals in scope (as deal_flags): one row per deal and
-- rule whose window (E + N working days) ended before T. The metrics that show follow-ups join the windows
-- to their deals and keep the missed ones (followup_missed below): manager_counts counts them, the backlog
-- lists them per deal, missed_followups one row each; in deal_flags every metric would pay for them.
-- stage: the deal's CURRENT stage triggers the rule, E = its latest entry into that stage (a deal that
-- moved past the stage is not judged by it); meeting: E = the end (touch time) of the latest completed
-- meeting (activity type 1) bound to the deal, at or before T.
create or replace temp macro followup_windows(want_manager, want_pipeline, want_department, viewer) as table
with deals as (
    select d.*
    from d_deal as d
    where d.is_open
      and in_scope(d.manager_id, d.pipeline_id, d.department_ids, want_manager, want_pipeline,
                   want_department, viewer)
),
windows as (
    select d.deal_id, fr.rule_key, fr.rule_name, fr.ord, fr.business_days as n, d.stage_entered_at as trigger_at
    from deals as d
    inner join followup_stage as fs on fs.stage_id = d.stage_id
    inner join followup_rule as fr on fr.rule_key = fs.rule_key
    union all
    select m.deal_id, fr.rule_key, fr.rule_name, fr.ord, fr.business_days, m.trigger_at
    from (  -- the latest meeting at or before T, as v_touch_before_t finds the latest touch
        select d.deal_id, d.last_meeting_all as trigger_at
        from deals as d
        cross join ctx
        where d.last_meeting_all <= ctx.as_of
        union all
        select d.deal_id, greatest(any_value(d.last_meeting_at_s), max(lt.touch_time))
        from deals as d
        cross join ctx
        cross join d_moment as m
        left join d_late_touch as lt
            on lt.deal_id = d.deal_id and lt.activity_type = 1 and lt.touch_time <= ctx.as_of
        where d.last_meeting_all > ctx.as_of and ctx.as_of >= m.facts_at
        group by d.deal_id
        having greatest(any_value(d.last_meeting_at_s), max(lt.touch_time)) is not null
        union all
        select da.deal_id, max(da.touch_time)
        from d_deal_activity as da
        cross join ctx
        where da.completed and da.activity_type = 1 and da.touch_time <= ctx.as_of
          and da.deal_id in (
              select d.deal_id
              from deals as d
              cross join ctx
              cross join d_moment as m
              where d.last_meeting_all > ctx.as_of and ctx.as_of < m.facts_at
          )
        group by da.deal_id
    ) as m
    inner join followup_rule as fr on fr.trigger = 'meeting'
)
select w.deal_id, w.due_at, w.ord, w.rule_key, w.rule_name, w.trigger_at
from with_due('windows') as w
cross join ctx
where coalesce(w.due_at, w.trigger_at) < ctx.as_of;

-- a window opened at E (trigger_at) is missed when the deal's last touch at or before T is not later than E
create or replace temp macro followup_missed(trigger_at, last_touch_at) as
    coalesce(last_touch_at <= trigger_at, true);

-- the rules that need no deadline, one row per deal in scope: is_overaged, is_stale, is_no_next_activity
-- (false for closed deals). deal_flags adds the invoice rule to these; a list of one of these three rules
-- reads them here (working out every invoice-stage deal's deadline cost a fifth of the overaged list).
-- In scope: in_scope's filters and viewer, as for deal_flags below.
create or replace temp macro deal_simple_flags(want_manager, want_pipeline, want_department,
                                               viewer) as table
select
    d.*,
    -- epoch arithmetic: timestamptz +/- interval goes through ICU's calendar, far too slow per row
    d.is_open and epoch(d.date_create) < epoch(ctx.as_of) - 86400 * d.max_deal_age_days as is_overaged,
    d.is_open
    and epoch(coalesce(d.last_touch_at, d.date_create)) < epoch(ctx.as_of) - 86400 * d.touch_interval_days
        as is_stale,
    d.is_open and d.planned_count = 0 as is_no_next_activity
from v_deal_row as d
cross join ctx
where in_scope(d.manager_id, d.pipeline_id, d.department_ids, want_manager, want_pipeline, want_department,
               viewer);

-- one row per deal in scope with every rule's verdict, false for closed deals (the single source for the
-- scorecards (through manager_counts), invoice_stuck and backlog; the follow-up rules are apart:
-- followup_windows and followup_missed above): deal_simple_flags and the invoice rule.
-- invoice_stuck: an open deal in an invoice stage (entered at E) that either had no touch within N working
-- days of E (invoice_no_followup) or is stale while in it: its last touch since E, else E, is more than the
-- touch interval before T (invoice_stale).
-- In scope: in_scope's filters and viewer, as a metric passes its own ($manager_id, $pipeline_id,
-- $department_id, $viewer_id; NULL = all). They are applied here, not in the metric's WHERE, so that the
-- invoice and follow-up deadlines are worked out for those deals only: DuckDB does not carry a filter into
-- a left join's right side (for one manager at 1M deals, 40-100 ms of each call's 100-250).
create or replace temp macro deal_flags(want_manager, want_pipeline, want_department, viewer) as table
with flags as (
    select
        d.*,
        inv.entered_at as invoice_entered_at,
        inv.due_at as invoice_due_at,
        -- no touch between E and T  <=>  the last touch at or before T is earlier than E
        d.is_open
        and d.in_invoice_stage
        and coalesce(inv.due_at, inv.entered_at) < ctx.as_of
        and coalesce(d.last_touch_at < inv.entered_at, true) as invoice_no_followup,
        d.is_open
        and d.in_invoice_stage
        and epoch(case when d.last_touch_at > inv.entered_at then d.last_touch_at else inv.entered_at end)
            < epoch(ctx.as_of) - 86400 * d.touch_interval_days as invoice_stale
    from deal_simple_flags(want_manager, want_pipeline, want_department, viewer) as d
    cross join ctx
    left join invoice_due(want_manager, want_pipeline, want_department, viewer) as inv
        on inv.deal_id = d.deal_id
)
select
    f.*,
    f.invoice_no_followup or f.invoice_stale as is_invoice_stuck
from flags as f;

-- every rule's count per manager over the deals in scope (deal_flags' scope; the scorecard's counts and
-- the team line's): open deals carry every rule; a closed deal only adds its unprocessed incoming, counted
-- from v_unprocessed_incoming (passing the closed deals through deal_flags, every flag false, cost about a
-- sixth of the scorecard at 1M deals). One row per manager with a deal in scope.
create or replace temp macro manager_counts(want_manager, want_pipeline, want_department, viewer) as table
with open_counts as (
    select
        f.manager_id,
        count(*) as active_deals,
        count(*) filter (where f.is_overaged) as overaged_deals,
        count(*) filter (where f.is_stale) as stale_deals,
        count(*) filter (where f.is_no_next_activity) as no_next_activity,
        sum(f.overdue_count) as overdue_activities,
        sum(f.incoming_count) as incoming_open,
        count(*) filter (where f.is_invoice_stuck) as invoice_stuck,
        sum(len(list_filter(fu.triggers, lambda e: followup_missed(e, f.last_touch_at)))) as missed_followups
    from deal_flags(want_manager, want_pipeline, want_department, viewer) as f
    left join (  -- only counted: the windows' E, no names, no order (6-11% of the scorecard's time)
        select w.deal_id, list(w.trigger_at) as triggers
        from followup_windows(want_manager, want_pipeline, want_department, viewer) as w
        group by w.deal_id
    ) as fu
        on fu.deal_id = f.deal_id
    where f.is_open
    group by f.manager_id
),
closed_incoming as (
    select d.manager_id, count(*) as incoming_closed
    from v_unprocessed_incoming as a
    inner join d_deal as d on d.deal_id = a.deal_id
    where not d.is_open
      and in_scope(d.manager_id, d.pipeline_id, d.department_ids, want_manager, want_pipeline,
                   want_department, viewer)
    group by d.manager_id
)
select
    coalesce(o.manager_id, c.manager_id) as manager_id,
    coalesce(o.active_deals, 0) as active_deals,
    coalesce(o.overaged_deals, 0) as overaged_deals,
    coalesce(o.stale_deals, 0) as stale_deals,
    coalesce(o.no_next_activity, 0) as no_next_activity,
    cast(coalesce(o.overdue_activities, 0) as bigint) as overdue_activities,
    cast(coalesce(o.incoming_open, 0) + coalesce(c.incoming_closed, 0) as bigint) as unprocessed_incoming,
    coalesce(o.invoice_stuck, 0) as invoice_stuck,
    cast(coalesce(o.missed_followups, 0) as bigint) as missed_followups
from open_counts as o
full join closed_incoming as c on c.manager_id = o.manager_id;

-- managers: owners of open deals (dismissed ones flagged, never dropped), or the configured list
create or replace temp view v_manager as
with candidates as (
    select distinct d.manager_id from d_deal as d cross join ctx
    where d.is_open and len(ctx.manager_ids) = 0 and d.manager_id is not null
    union
    select unnest(ctx.manager_ids) from ctx
)
select
    c.manager_id,
    user_label(u.user_name, c.manager_id) as manager_name,
    coalesce(u.user_active, false) as manager_active,
    u.department_id,
    coalesce(u.department_ids, []) as department_ids
from candidates as c
cross join ctx
left join d_user as u on u.user_id = c.manager_id
where not list_contains(ctx.exclude_manager_ids, c.manager_id);

-- closed deals (final move: latest final-stage history entry, else moved_time) with the in-progress stage
-- they were in before the final move (excluded managers' deals left out); their loss reason: with_loss_reason
create or replace temp view v_closed_deal as
select
    c.*,
    c.semantic = 'S' as is_won,
    (epoch(c.closed_at) - epoch(c.date_create)) / 86400 as days_to_close,
    pinv.stage_id is not null as lost_at_invoice
from d_deal as c
cross join ctx
left join invoice_stage as pinv on pinv.stage_id = c.prev_stage_id
-- managers.exclude_user_ids are left out of every won / lost figure
where c.semantic in ('S', 'F') and not list_contains(ctx.exclude_manager_ids, c.manager_id);

-- the loss reason of each row of the table or CTE named t (closed deals, v_closed_deal's columns):
-- reason_key / reason_name = the configured loss-reason field's value (deal_loss_field), else the failure
-- stage; reason_group = the first group of rules.toml [loss_reasons] that matches, else 'unspecified'; all
-- three NULL for a won deal. A table macro: only the metrics that show reasons pay for it, on their rows.
create or replace temp macro with_loss_reason(t) as table
with reason as (
    select
        c.*,
        case when c.semantic = 'F' then coalesce(lf.reason_key, c.stage_id) end as reason_key,
        case when c.semantic = 'F' then coalesce(lf.reason_name, c.stage_name) end as reason_name
    from query_table(t) as c
    left join deal_loss_field as lf on lf.deal_id = c.deal_id
),
grouped as (  -- match each distinct reason once (there are few), not each lost deal
    select r.reason_key, r.reason_name, arg_min(lr.grp, lr.ord) as reason_group
    from (select distinct reason_key, reason_name from reason where reason_key is not null) as r
    inner join loss_rule as lr
        on (lr.kind = 'id' and lower(r.reason_key) = lr.value)
        or (lr.kind = 'name' and contains(lower(r.reason_name), lr.value))
    group by r.reason_key, r.reason_name
)
select
    r.*,
    case when r.semantic = 'F' then coalesce(g.reason_group, 'unspecified') end as reason_group
from reason as r
left join grouped as g on g.reason_key = r.reason_key and g.reason_name = r.reason_name;

-- closed deals whose final move falls in the run's period (ctx.period_start .. period_end): the set the
-- conversion family counts
create or replace temp view v_closed_in_period as
select c.*
from v_closed_deal as c
cross join ctx
where c.closed_at >= ctx.period_start and c.closed_at < ctx.period_end;

-- stage win rates: of the deals that passed through an in-progress stage and closed in the look-back
-- window (rules: forecast.win_rate_lookback_months), the share won
create or replace temp view v_stage_win_rate as
select
    sp.stage_id,
    count(*) as closed_deals,
    count(*) filter (where sp.won) as won_deals,
    count(*) filter (where sp.won) / count(*) as win_rate
from d_stage_pass as sp  -- (stage, closed deal) pairs, each once
cross join ctx
where sp.closed_at >= ctx.lookback_start and sp.closed_at <= ctx.as_of
group by sp.stage_id;

-- close-date pushes: a daily snapshot whose expected close date is later than the day before's
create or replace temp view v_close_date_push as
select p.*
from d_close_date_push as p
cross join ctx
where p.snapshot_date <= ctx.today;

-- open deals with their expected close month, flags and weight (probability when set and > 0, else the
-- stage's win rate; deals with neither weigh 0 and are counted as unweighted)
create or replace temp view v_forecast_deal as
with pushes as (  -- every push up to T's day: the stored totals, counted again for a deal with a later one
    select pt.deal_id, pt.close_date_pushes, pt.pushed_days
    from d_push_total as pt
    cross join ctx
    where pt.last_push_date <= ctx.today
    union all
    select p.deal_id, count(*), sum(p.pushed_days)
    from v_close_date_push as p
    where p.deal_id in (select pt.deal_id from d_push_total as pt cross join ctx where pt.last_push_date > ctx.today)
    group by p.deal_id
)
select
    o.*,
    coalesce(strftime(o.closedate, '%Y-%m'), 'none') as close_month,
    o.closedate = cast(local_ts(o.date_create) as date) + ctx.default_close_days as is_default_close,
    o.closedate < ctx.today as is_past_close,
    case when o.probability > 0 then 'deal' when wr.win_rate is not null then 'stage' else 'none' end
        as weight_source,
    case when o.probability > 0 then o.probability / 100 else wr.win_rate end as weight,
    round(coalesce(o.amount_base, 0)
        * coalesce(case when o.probability > 0 then o.probability / 100 else wr.win_rate end, 0), 2)
        as weighted_amount,
    coalesce(p.close_date_pushes, 0) as close_date_pushes,
    cast(coalesce(p.pushed_days, 0) as integer) as pushed_days
from v_deal_row as o  -- open deals with their columns, not the rules' verdicts (deal_flags): none is shown
cross join ctx
left join v_stage_win_rate as wr on wr.stage_id = o.stage_id
left join pushes as p on p.deal_id = o.deal_id
where o.is_open;

-- the forecast lists' order by close month: yyyymm as a number, NULL (no close date: close_month 'none')
-- sorted last by the caller. The months' text ('2026-11') sorts the same for years 1000-9999, but a number
-- is a cheaper sort key (forecast_deals at 1M deals: 337 -> 271 ms, the sort carrying 400k wide rows)
create or replace temp macro close_month_order(closedate) as
    cast(year(closedate) * 100 + month(closedate) as integer);

-- the open deals' list (forecast_deals, forecast_flags) for the rows of the table or CTE named t
-- (v_forecast_deal's), in t's order (a SELECT from one table keeps it; the lists sort their deals before
-- this, and DuckDB drops that sort from the runner's count): the columns every list starts with, the
-- reason to look at the deal (the first that holds: no close date, a past one, the default one never set
-- by hand, one pushed later at least once; else ok), the close date with its flags, the weight and the
-- pushes
create or replace temp macro forecast_list(t) as table
select
    unnest(f.deal_columns),  -- deal_id ... days_since_touch
    case
        when f.closedate is null then 'no_close_date'
        when f.is_past_close then 'past_close_date'
        when f.is_default_close then 'default_close_date'
        when f.close_date_pushes > 0 then 'pushed'
        else 'ok'
    end as reason,
    f.closedate,
    f.close_month,
    f.is_default_close,
    f.is_past_close,
    f.probability,
    f.weight_source,
    f.weight,
    f.weighted_amount,
    f.close_date_pushes,
    f.pushed_days
from query_table(t) as f;

-- the duplicate groups in scope, every record of each (duplicates lists them, duplicates_summary counts
-- them): a group holding a lead in progress created by T whose responsible is in scope (manager_in_scope's
-- filters and viewer), without the leads created after T. The groups, their records, their order
-- (`position`) and routing are stored at sync time (d_shared_value, _derived.sql).
create or replace temp macro duplicate_rows(want_manager, want_department, viewer) as table
with routed as (  -- the groups holding a lead in progress (created by T) whose responsible is in scope
    select distinct s.match_kind, s.match_value
    from d_shared_value as s
    cross join ctx
    left join d_user as u on u.user_id = s.owner_id
    where s.lead_in_progress  -- only a lead is in progress
      and s.date_create <= ctx.as_of
      and manager_in_scope(s.owner_id, coalesce(u.department_ids, []), want_manager, want_department, viewer)
)
-- read once, not as a CTE shared with `routed`: DuckDB would store all 284k rows first (29 of 114 ms at 100k)
select m.*
from d_shared_value as m
cross join ctx
inner join routed as rt on rt.match_kind = m.match_kind and rt.match_value = m.match_value
-- a lead created after T is not there yet
where m.entity_type <> 'lead' or m.date_create <= ctx.as_of;

-- the recorded days up to T's day of the managers in scope (manager_in_scope's filters and viewer; a
-- manager gone from the directory has no department) from t, scorecard_history, named by the caller (a
-- macro naming the table itself would be bound before the first recorded day creates it), with in_window:
-- the day is in the given period, else among the 30 days up to T's day. trend and trend_team read it; they
-- take a day's change from the day before it, so they read the days before the window too.
create or replace temp macro history_in_scope(t, want_manager, want_department, viewer) as table
select
    h.*,
    (ctx.period_explicit and h.snapshot_date between ctx.period_first and ctx.period_last)
    or (not ctx.period_explicit and h.snapshot_date > ctx.today - 30) as in_window
from query_table(t) as h
cross join ctx
left join v_user as u on u.user_id = h.manager_id
where h.snapshot_date <= ctx.today
  and manager_in_scope(h.manager_id, coalesce(u.department_ids, []), want_manager, want_department, viewer);

-- each count's change from the series' previous recorded day (NULL on the series' first day), for the rows
-- of the table or CTE named t, which carries `series` (a manager's id in trend, one value for the team in
-- trend_team), snapshot_date and the scorecard's counts
create or replace temp macro with_day_change(t) as table
select
    h.*,
    lag(h.snapshot_date) over w as previous_date,
    h.active_deals - lag(h.active_deals) over w as active_deals_change,
    h.overaged_deals - lag(h.overaged_deals) over w as overaged_deals_change,
    h.stale_deals - lag(h.stale_deals) over w as stale_deals_change,
    h.no_next_activity - lag(h.no_next_activity) over w as no_next_activity_change,
    h.overdue_activities - lag(h.overdue_activities) over w as overdue_activities_change,
    h.unprocessed_incoming - lag(h.unprocessed_incoming) over w as unprocessed_incoming_change,
    h.invoice_stuck - lag(h.invoice_stuck) over w as invoice_stuck_change,
    h.missed_followups - lag(h.missed_followups) over w as missed_followups_change,
    h.won_deals - lag(h.won_deals) over w as won_deals_change,
    h.won_amount - lag(h.won_amount) over w as won_amount_change,
    h.lost_deals - lag(h.lost_deals) over w as lost_deals_change
from query_table(t) as h
window w as (partition by h.series order by h.snapshot_date);
