-- _derived: what every metric needs that depends on neither the as-of moment nor the rules: the deals with
-- their activity facts (one wide table, so no rule reads the 20-rows-a-deal activity pairs again), the
-- activity pairs themselves and three narrow sorted extracts of them, the leads as lists show them, each
-- lead's first and last touch, the
-- normalised phones and e-mails of leads, contacts and companies and the duplicate groups they make, ready
-- to list (with the macros that normalise values and name records, created on every connection).
-- queries.history.record_day (run by the
-- scheduled job, python -m jobs sync, after each good sync) stores them in the snapshot as q_deal,
-- q_deal_activity, ...; when they are missing or older than the snapshot's last sync the runner creates the
-- same queries as temp views (d_deal, d_deal_activity, ...) over the raw tables instead: same numbers, only
-- slower. The runner fills in "{create} d_", "{ref}" and "{facts_at}" (queries/derived.py): the stored moment
-- S the few facts that need one are computed for (the as-of moment of the recording; T itself for the live
-- views); a statement's final ORDER BY only lays out the stored table (the live views leave it out).

-- phones compare as digits only: an 11-digit number starting with 8 reads as starting with 7, a 10-digit
-- number gets a leading 7, fewer than 7 digits is no number (NULL); `+7 (912) 345-67-89`, `8 912 345 6789`,
-- `89123456789` and `9123456789` are all 79123456789. In three steps, because a macro's argument is pasted
-- wherever it is used: a query computes phone_stripped, then digits_only, then phone_of_digits, each in a
-- column of its own (d_record_value below), so each runs once per value.
-- phone_stripped: the usual separators dropped by plain replacement (twice as fast as a regular expression)
create or replace temp macro phone_stripped(v) as
    replace(replace(replace(replace(replace(replace(coalesce(v, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''),
            '.', '');

-- digits_only: whatever else is left that is no digit goes by the regular expression (rarely needed)
create or replace temp macro digits_only(s) as
    case when regexp_matches(s, '[^0-9]') then regexp_replace(s, '[^0-9]', '', 'g') else s end;

create or replace temp macro phone_of_digits(d) as
    case
        when length(d) < 7 then null
        when length(d) = 11 and starts_with(d, '8') then '7' || substr(d, 2)
        when length(d) = 10 then '7' || d
        else d
    end;

-- one value (a search box)
create or replace temp macro norm_phone(v) as phone_of_digits(digits_only(phone_stripped(v)));

-- e-mails compare trimmed and lower-cased (`Ivan@Mail.RU ` is ivan@mail.ru); empty is no e-mail (NULL)
create or replace temp macro norm_email(v) as nullif(lower(trim(coalesce(v, ''))), '');

-- the portal's address (meta), '' when the snapshot has none: the start of every record's link
create or replace temp macro portal() as table
select coalesce(any_value(value), '') as url from meta where key = 'portal_url';

-- how a CRM record reads in a list: the link to its page on the portal, and a name when it has none
create or replace temp macro crm_url(portal_url, entity, id) as
    rtrim(portal_url, '/') || '/crm/' || entity || '/details/' || id || '/';

create or replace temp macro lead_title(title, id) as coalesce(nullif(trim(title), ''), 'Lead ' || id);

create or replace temp macro contact_name(first_name, last_name, id) as
    coalesce(nullif(trim(concat_ws(' ', first_name, last_name)), ''), 'Contact ' || id);

create or replace temp macro company_title(title, id) as
    coalesce(nullif(trim(title), ''), 'Company ' || id);

-- a record's responsible as a list names them: d_user's name, or `User 7` for an id the snapshot has no user
-- for (removed from the portal)
create or replace temp macro user_label(user_name, id) as coalesce(user_name, 'User ' || id);

-- a lead's semantic: its own (STATUS_SEMANTIC_ID), else its status's, else in progress
create or replace temp macro lead_semantic(written, of_status) as coalesce(written, of_status, 'P');

-- a touch's moment (a completed activity's), for deals and leads alike: its end, else its start, else its
-- last update
create or replace temp macro touch_time_of(end_time, start_time, last_updated) as
    coalesce(end_time, start_time, last_updated);

-- each lead status once (a portal may list a status under more than one entity): its name and semantics,
-- both from the entry the portal lists first (the lowest id), so that a status listed twice under two
-- names reads the same on every run
create or replace temp macro lead_status_names() as table
select status_id, entry.name, entry.semantics
from (
    select status_id, arg_min({'name': name, 'semantics': semantics}, id) as entry
    from lead_statuses
    group by status_id
);

-- each deal stage once (stage ids are unique across deal pipelines): its name and semantics from the entry
-- the portal lists first (the lowest id), as lead_status_names
create or replace temp macro deal_stages() as table
select status_id, entry.name, entry.semantics
from (
    select status_id, arg_min({'name': name, 'semantics': coalesce(semantics, 'P')}, id) as entry
    from stages
    where entity_type_id = 2
    group by status_id
);

-- the activities bound to a lead (1), contact (3) or company (4), done or open, with their touch time
-- reckoned as a deal's (d_lead below, v_entity_activity in _leads.sql)
create or replace temp macro entity_activity() as table
select
    b.owner_type_id,
    b.owner_id,
    a.id as activity_id,
    a.subject,
    coalesce(a.completed, false) as completed,
    a.deadline,
    touch_time_of(a.end_time, a.start_time, a.last_updated) as touch_time
from entity_activity_bindings as b
inner join entity_activities as a on a.id = b.activity_id;

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
    user_label(nullif(trim(concat_ws(' ', u.name, u.last_name)), ''), u.id) as user_name,
    coalesce(u.active, true) as user_active,
    u.uf_department[1] as department_id,
    coalesce((select list(distinct up.department_id) from dept_up as up where up.user_id = u.id), [])
        as department_ids
from users as u;

-- every real deal (recurring templates excluded everywhere) with its semantic: the one statement of which
-- bindings count (d_deal_activity) and of "open" (d_deal.is_open)
{create} d_deal_state as
select d.id as deal_id, coalesce(d.stage_semantic_id, s.semantics, 'P') as semantic
from deals as d
left join deal_stages() as s on s.status_id = d.stage_id
where not coalesce(d.is_recurring, false);

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
    touch_time_of(a.end_time, a.start_time, a.last_updated) as touch_time,
    ds.semantic = 'P' as deal_open  -- most rules read open deals only: lets them skip the closed deals' rows
from activity_bindings as b
inner join activities as a on a.id = b.activity_id
inner join {ref}deal_state as ds on ds.deal_id = b.deal_id
order by b.deal_id;

-- every real deal with names, base amount, the moment it entered its current stage, its final move, the
-- in-progress stage before it (id and name), and its activity facts, so that no rule has to read the activity pairs again
-- (v_deal_row in _base.sql compares them with T): last_touch_all / last_meeting_all = the latest touch
-- (completed activity) / completed meeting (type 1) of all; last_touch_at_s / last_meeting_at_s = the same
-- at or before the stored moment S (later ones are in d_late_touch); planned_count,
-- planned_deadlines (sorted) = planned activities (not completed, not incoming, a real deadline);
-- next_deadline = the earliest deadline of those not completed and not incoming; incoming_created (sorted) =
-- when each incoming activity not completed was created
{create} d_deal as
with pipelines_2 as (
    select id, any_value(name) as name from pipelines where entity_type_id = 2 group by id
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
        ds.semantic,
        case when ds.semantic in ('S', 'F') then coalesce(fm.final_at, d.moved_time) end as closed_at,
        coalesce(e.entered_at, d.moved_time) as stage_entered_at,
        s.name as stage_label
    from deals as d
    inner join {ref}deal_state as ds on ds.deal_id = d.id
    left join deal_stages() as s on s.status_id = d.stage_id
    left join entered as e on e.deal_id = d.id
    left join final_move as fm on fm.deal_id = d.id
),
before_final as (  -- the last in-progress stage entered before the final move (two at one moment: the later
    -- history entry, the higher id, so that every build names the same)
    select b.id as deal_id, arg_max(h.stage_id, {'at': h.created_time, 'id': h.id}) as prev_stage_id
    from base as b
    inner join stage_history as h on h.owner_id = b.id
    where b.closed_at is not null
      and h.created_time < b.closed_at
      and coalesce(h.stage_semantic_id, 'P') = 'P'
    group by b.id
),
activity_facts as (
    select
        deal_id,
        max(touch_time) filter (where completed) as last_touch_all,
        max(touch_time) filter (where completed and touch_time <= {facts_at}) as last_touch_at_s,
        max(touch_time) filter (where completed and activity_type = 1) as last_meeting_all,
        max(touch_time) filter (where completed and activity_type = 1 and touch_time <= {facts_at})
            as last_meeting_at_s,
        count(*) filter (where not completed and not is_incoming and deadline is not null) as planned_count,
        list(deadline order by deadline)
            filter (where not completed and not is_incoming and deadline is not null) as planned_deadlines,
        min(deadline) filter (where not completed and not is_incoming) as next_deadline,
        list(created order by created) filter (where is_incoming and not completed) as incoming_created
    from {ref}deal_activity
    group by deal_id
)
select
    b.id as deal_id,
    b.title as deal_title,
    crm_url(portal.url, 'deal', b.id) as deal_url,
    b.assigned_by_id as manager_id,
    user_label(u.user_name, b.assigned_by_id) as manager_name,
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
    bf.prev_stage_id,
    case when bf.prev_stage_id is not null then coalesce(ps.name, bf.prev_stage_id) end as prev_stage_name,
    af.last_touch_all,
    af.last_touch_at_s,
    af.last_meeting_all,
    af.last_meeting_at_s,
    coalesce(af.planned_count, 0) as planned_count,
    coalesce(af.planned_deadlines, []) as planned_deadlines,
    af.next_deadline,
    coalesce(af.incoming_created, []) as incoming_created
from base as b
cross join portal() as portal
left join {ref}user as u on u.user_id = b.assigned_by_id
left join pipelines_2 as p on p.id = b.category_id
left join currencies as c on c.currency = b.currency_id
left join before_final as bf on bf.deal_id = b.id
left join deal_stages() as ps on ps.status_id = bf.prev_stage_id
left join activity_facts as af on af.deal_id = b.id
-- laid out by manager: one manager's call (the head's pick, a manager's own scope) reads only the blocks that
-- hold their deals (at 1M deals, paired runs: one manager's backlog 221 -> 158 ms, scorecard 170 -> 144); the
-- team's calls read every block either way (backlog 1,637 / 1,613 ms, close_date_pushes within noise)
order by b.assigned_by_id, b.id;

-- planned activities (not completed, not incoming, a real deadline) on open deals, sorted by deadline:
-- "overdue before T's day" reads only the stored blocks it needs
{create} d_open_planned as
select da.deal_id, da.activity_id, da.activity_subject, da.activity_type, da.deadline, da.created
from {ref}deal_activity as da
where da.deal_open and not da.completed and not da.is_incoming and da.deadline is not null
order by da.deadline;

-- incoming activities not completed, on any deal, sorted by creation
{create} d_pending_incoming as
select da.deal_id, da.activity_id, da.activity_subject, da.activity_type, da.deadline, da.created
from {ref}deal_activity as da
where da.is_incoming and not da.completed
order by da.created;

-- touches (completed activities, at their touch time) on open deals, sorted by time: a window of days
-- (attention) reads only the stored blocks it needs
{create} d_open_touch as
select da.deal_id, da.touch_time
from {ref}deal_activity as da
where da.deal_open and da.completed
order by da.touch_time;

-- touches later than the stored moment S (an activity that ends in the future): few, so that for T at or
-- after S the last touch (meeting) at or before T is last_touch_at_s (last_meeting_at_s) or one of these
{create} d_late_touch as
select da.deal_id, da.touch_time, da.activity_type
from {ref}deal_activity as da
where da.completed and da.touch_time > {facts_at}
order by da.deal_id;

-- each in-progress stage a closed deal passed through, once per (stage, deal), with the deal's final move
-- and whether it was won, sorted by the final move: v_stage_win_rate counts those of its look-back window
{create} d_stage_pass as
select distinct h.stage_id, c.deal_id, c.closed_at, c.semantic = 'S' as won
from {ref}deal as c
inner join stage_history as h on h.owner_id = c.deal_id
where c.closed_at is not null and coalesce(h.stage_semantic_id, 'P') = 'P'
order by c.closed_at;

-- close-date pushes: a daily snapshot whose expected close date is later than the previous snapshot's, with
-- the deal's manager now (as d_deal's manager_id; NULL for a deal no longer in deals), laid out by manager:
-- one manager's close_date_pushes reads only the blocks that hold their deals' pushes
{create} d_close_date_push as
with seq as (
    select
        s.id as deal_id,
        s.snapshot_date,
        s.closedate,
        lag(s.closedate) over (partition by s.id order by s.snapshot_date) as previous_closedate
    from deal_snapshots as s
)
select
    q.deal_id,
    q.snapshot_date,
    q.previous_closedate,
    q.closedate,
    q.closedate - q.previous_closedate as pushed_days,
    d.assigned_by_id as manager_id
from seq as q
left join deals as d on d.id = q.deal_id
where q.closedate > q.previous_closedate
order by d.assigned_by_id, q.deal_id, q.snapshot_date;

-- per deal, its close-date pushes of every stored day and the last day with one: the forecast reads these
-- unless T's day is before that day
{create} d_push_total as
select deal_id, count(*) as close_date_pushes, sum(pushed_days) as pushed_days, max(snapshot_date) as last_push_date
from {ref}close_date_push
group by deal_id;

-- the days deal_snapshots holds (a count of them says whether pushes can be seen yet)
{create} d_snapshot_day as
select distinct snapshot_date from deal_snapshots
order by snapshot_date;

-- every lead as a list shows it, the same for any T: its title (or `Lead 7`), link, responsible's id, status
-- and source by name, and its semantic (its own, else its status's, else in progress); and its first and
-- last touch of all, the earliest and latest completed activity bound to it (a touch at touch_time_of).
-- v_lead (_leads.sql) adds the responsible's name, the touches at T and T's verdicts: it takes the touches
-- as they are for a lead whose last touch is at or before T, and reads the activities again only for a lead
-- touched both before and after T (few, but for an as-of moment in the past). Stored: trimming 300k titles
-- and building their links and names took about 20 ms of every lead list at 100k deals, grouping 350k
-- activity bindings ~20 ms, and joining the touches kept apart 5-10 ms. Laid out by responsible, as d_deal
-- by manager.
{create} d_lead as
with named_sources as (  -- a source listed twice is named by the entry the portal lists first
    select status_id, arg_min(name, id) as name from sources group by status_id
),
touches as (
    select ea.owner_id as lead_id, min(ea.touch_time) as first_touch_all, max(ea.touch_time) as last_touch_all
    from entity_activity() as ea
    where ea.owner_type_id = 1 and ea.completed
    group by ea.owner_id
)
select
    l.id as lead_id,
    lead_title(l.title, l.id) as lead_title,
    crm_url(portal.url, 'lead', l.id) as lead_url,
    l.assigned_by_id as responsible_id,
    l.status_id,
    coalesce(st.name, l.status_id) as status_name,
    lead_semantic(l.status_semantic_id, st.semantics) as semantic,
    coalesce(l.source_id, '') as source_id,
    coalesce(src.name, l.source_id, '—') as source_name,
    l.date_create,
    t.first_touch_all,
    t.last_touch_all
from leads as l
cross join portal() as portal
left join lead_status_names() as st on st.status_id = l.status_id
left join named_sources as src on src.status_id = l.source_id
left join touches as t on t.lead_id = l.id
order by l.assigned_by_id, l.id;

-- every phone and e-mail of the leads (1), contacts (3) and companies (4), normalised (match_value) beside
-- the value as written (trimmed); one row per value on the portal (a record writing one number twice has
-- two rows), values that normalise to nothing left out. Stored: normalising 740k values took 250 ms of
-- every duplicates and client_search call on the large sandbox.
{create} d_record_value as
with phones as materialized (  -- materialized: the digits are extracted once per value
    select p.entity_type_id, p.entity_id, p.value, digits_only(p.stripped) as digits
    from (
        select m.entity_type_id, m.entity_id, m.value, phone_stripped(m.value) as stripped
        from multifields as m
        where m.type_id = 'PHONE' and m.entity_type_id in (1, 3, 4)
    ) as p
),
found as (
    select entity_type_id, entity_id, 'phone' as match_kind, phone_of_digits(digits) as match_value, value
    from phones
    where length(digits) >= 7
    union all
    select m.entity_type_id, m.entity_id, 'email', norm_email(m.value), m.value
    from multifields as m
    where m.type_id = 'EMAIL' and m.entity_type_id in (1, 3, 4) and norm_email(m.value) is not null
)
select
    case f.entity_type_id when 1 then 'lead' when 3 then 'contact' else 'company' end as entity_type,
    f.entity_type_id,
    f.entity_id,
    f.match_kind,
    f.match_value,
    trim(f.value) as written
from found as f
order by f.match_kind, f.match_value;

-- the phones and e-mails two or more records share: one row per (value, record), a record writing a value
-- twice once, with what the duplicates list shows of the record (title, link, owner, creation, a lead in
-- progress) and its place there: `position` orders the groups by kind and value and, in each, the owning
-- record first (the oldest contact or company, then the leads, oldest first); route_to_* = that record's
-- owner on a lead in progress that someone else holds (the lead goes to the one who has the client), NULL
-- elsewhere. None of it depends on T: the metric leaves out the leads created after T, and a group whose
-- owning record is such a lead has none of T's leads left (leads come after contacts and companies, oldest
-- first), so it is not shown. Stored: grouping, reading the records and ordering them took 150 ms of each
-- duplicates call on the large sandbox.
{create} d_shared_value as
with groups as (
    select match_kind, match_value
    from {ref}record_value
    group by match_kind, match_value
    having min(entity_type) <> max(entity_type) or min(entity_id) <> max(entity_id)
),
members as (
    select v.match_kind, v.match_value, v.entity_type, v.entity_id
    from {ref}record_value as v
    inner join groups as g on g.match_kind = v.match_kind and g.match_value = v.match_value
    group by all
),
records as (
    select  -- a lead as lists show it (d_lead above)
        'lead' as entity_type,
        l.lead_id as entity_id,
        l.lead_title as title,
        l.lead_url as entity_url,
        l.responsible_id as owner_id,
        l.semantic = 'P' as lead_in_progress,
        l.date_create
    from {ref}lead as l
    where l.lead_id in (select entity_id from members where entity_type = 'lead')
    union all
    select
        'contact', ct.id, contact_name(ct.name, ct.last_name, ct.id), crm_url(portal.url, 'contact', ct.id),
        ct.assigned_by_id, false, ct.date_create
    from contacts as ct
    cross join portal() as portal
    where ct.id in (select entity_id from members where entity_type = 'contact')
    union all
    select
        'company', co.id, company_title(co.title, co.id), crm_url(portal.url, 'company', co.id),
        co.assigned_by_id, false, co.date_create
    from companies as co
    cross join portal() as portal
    where co.id in (select entity_id from members where entity_type = 'company')
),
placed as (
    select
        m.match_kind,
        m.match_value,
        r.*,
        user_label(u.user_name, r.owner_id) as owner_name,
        coalesce(u.user_active, false) as owner_active,
        row_number() over (order by m.match_kind, m.match_value, r.entity_type = 'lead', r.date_create,
                                    r.entity_type, r.entity_id) as position
    from members as m
    inner join records as r on r.entity_type = m.entity_type and r.entity_id = m.entity_id
    left join {ref}user as u on u.user_id = r.owner_id
),
ranked as (  -- each record with its group's owning (first) record
    select
        p.*,
        p.position = min(p.position) over w as is_first,
        first_value(p.owner_id) over w as first_owner_id,
        first_value(p.owner_name) over w as first_owner_name,
        first_value(p.owner_active) over w as first_owner_active
    from placed as p
    window w as (partition by p.match_kind, p.match_value order by p.position)
),
routed as (
    select
        r.*,
        not r.is_first and r.lead_in_progress and r.owner_id is distinct from r.first_owner_id as is_routed
    from ranked as r
)
select
    r.match_kind,
    r.match_value,
    r.entity_type,
    r.entity_id,
    r.title,
    r.entity_url,
    r.owner_id,
    r.owner_name,
    r.owner_active,
    r.lead_in_progress,
    r.date_create,
    r.position,
    case when r.is_routed then r.first_owner_id end as route_to_id,
    case when r.is_routed then r.first_owner_name end as route_to_name,
    case when r.is_routed then r.first_owner_active end as route_to_active
from routed as r
order by r.position;
