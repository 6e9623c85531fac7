-- _leads: the shared definitions of the lead and client metrics (issue 10), created as temp objects on each
-- run's connection after _base.sql (queries/leads.py), with the rule table lead_rule (lead_idle_days,
-- reactivation_days). One place for: how a phone and an e-mail compare, what a lead's last touch is,
-- which client a deal belongs to, and each client's facts. Only the metrics that name one of these load the
-- file (queries/leads.py uses); its views are bound on each of their calls: keep them few.

-- every phone and e-mail of the leads (1), contacts (3) and companies (4) among entity_types (a list of
-- those numbers), normalised (match_value) beside the value as written (trimmed): d_record_value
-- (_derived.sql, stored at sync time with the normalising macros norm_phone, norm_email)
create or replace temp macro record_values(entity_types) as table
select v.entity_type, v.entity_type_id, v.entity_id, v.match_kind, v.match_value, v.written
from d_record_value as v
where list_contains(entity_types, v.entity_type_id);

-- the activities bound to a lead (1), contact (3) or company (4) with their touch time (_derived.sql)
create or replace temp view v_entity_activity as
select * from entity_activity();

-- every lead created at or before T with its responsible, status, source and touches. A lead is in
-- progress with status semantic P, converted S, junk F. Its first / last touch: the earliest / latest
-- completed activity bound to it at or before T. Unprocessed: in progress, created before the start of T's
-- day, never touched by T. Hanging: in progress and its last touch (its creation when never touched) more
-- than lead_idle_days x 24 h before T. created_in_period: created in the run's period (ctx).
create or replace temp view v_lead as
with later_bindings as materialized (  -- the bindings of the leads touched both before and after T (few).
    -- Materialized, so that they are found before any activity is read: left to the join order, DuckDB
    -- joined all 350k lead bindings to their activities first on one 100k-deal snapshot and not on
    -- another (each lead metric 25 -> 55 ms at 100k, a fresh sync's statistics)
    select b.owner_id as lead_id, b.activity_id
    from entity_activity_bindings as b
    where b.owner_type_id = 1
      and b.owner_id in (
          select l.lead_id
          from d_lead as l
          cross join ctx
          where l.first_touch_all <= ctx.as_of and l.last_touch_all > ctx.as_of
      )
),
later_touched as (  -- their activities
    select lb.lead_id, coalesce(a.completed, false) as completed,
        touch_time_of(a.end_time, a.start_time, a.last_updated) as touch_time
    from later_bindings as lb
    inner join entity_activities as a on a.id = lb.activity_id
),
later_touches as (  -- their touches at or before T
    select lt.lead_id, min(lt.touch_time) as first_touch_at, max(lt.touch_time) as last_touch_at
    from later_touched as lt
    cross join ctx
    where lt.completed and lt.touch_time <= ctx.as_of
    group by lt.lead_id
),
touched as (  -- the touches at T: stored (d_lead) when every touch is at or before T, else read again
    select
        l.*,
        case when l.last_touch_all <= ctx.as_of then l.first_touch_all else lt.first_touch_at end
            as first_touch_at,
        case when l.last_touch_all <= ctx.as_of then l.last_touch_all else lt.last_touch_at end
            as last_touch_at
    from d_lead as l
    cross join ctx
    left join later_touches as lt on lt.lead_id = l.lead_id
    where l.date_create <= ctx.as_of
),
facts as (  -- the lead as a list shows it (d_lead, _derived.sql), its responsible and touches
    select
        l.lead_id,
        l.lead_title,
        l.lead_url,
        l.responsible_id,
        user_label(u.user_name, l.responsible_id) as responsible_name,
        coalesce(u.user_active, false) as responsible_active,
        u.department_id,
        coalesce(u.department_ids, []) as department_ids,
        l.status_id,
        l.status_name,
        l.semantic,
        l.source_id,
        l.source_name,
        l.date_create,
        l.first_touch_at,
        l.last_touch_at,
        coalesce(l.last_touch_at, l.date_create) as idle_since
    from touched as l
    left join d_user as u on u.user_id = l.responsible_id
)
select
    f.*,
    f.semantic = 'P' as in_progress,
    f.last_touch_at is null as never_touched,
    f.semantic = 'P' and f.date_create < ctx.day_start and f.first_touch_at is null as is_unprocessed,
    -- epoch arithmetic: timestamptz - interval goes through ICU's calendar, slow per row
    f.semantic = 'P' and epoch(f.idle_since) < epoch(ctx.as_of) - 86400 * lr.lead_idle_days as is_hanging,
    cast(floor((epoch(ctx.as_of) - epoch(f.idle_since)) / 86400) as integer) as days_idle,
    round((epoch(ctx.as_of) - epoch(f.date_create)) / 3600, 1) as hours_waiting,  -- since creation
    f.date_create >= ctx.period_start and f.date_create < ctx.period_end as created_in_period
from facts as f
cross join ctx
cross join lead_rule as lr;

-- the link and the owner's name, state and departments of each row of the table or CTE named t (client_type,
-- client_id, client_name, owner_id): what v_client and with_client add to the clients they name
create or replace temp macro with_client_owner(t) as table
select
    k.*,
    crm_url(ctx.portal_url, k.client_type, k.client_id) as client_url,
    user_label(u.user_name, k.owner_id) as owner_name,
    coalesce(u.user_active, false) as owner_active,
    coalesce(u.department_ids, []) as owner_department_ids
from query_table(t) as k
cross join ctx
left join d_user as u on u.user_id = k.owner_id;

-- the clients: a company; a contact with no company (or whose company is gone) is a client of its own
create or replace temp view v_client as
with records as (
    select
        'company' as client_type,
        co.id as client_id,
        company_title(co.title, co.id) as client_name,
        co.assigned_by_id as owner_id
    from companies as co
    union all
    select
        'contact',
        ct.id,
        contact_name(ct.name, ct.last_name, ct.id),
        ct.assigned_by_id
    from contacts as ct
    left join companies as co on co.id = ct.company_id
    where co.id is null
)
select * from with_client_owner('records');

-- v_client's columns for each row of the table or CTE named t (client_type 'company' | 'contact', client_id;
-- NULL for none: the columns are NULL, the row stays). A metric that shows a few clients names them once it
-- has picked them: v_client names every client (reactivation named 126k for its 1.8k: 18 of 100 ms at 100k
-- deals)
create or replace temp macro with_client(t) as table
with named as (
    select
        k.*,
        case k.client_type
            when 'company' then company_title(co.title, co.id)
            when 'contact' then contact_name(ct.name, ct.last_name, ct.id)
        end as client_name,
        coalesce(co.assigned_by_id, ct.assigned_by_id) as owner_id
    from query_table(t) as k
    left join companies as co on k.client_type = 'company' and co.id = k.client_id
    left join contacts as ct on k.client_type = 'contact' and ct.id = k.client_id
)
select * from with_client_owner('named');

-- which client each contact and company record belongs to: a company to itself, a contact to its company,
-- else to itself (owner_type_id: 3 contact, 4 company, as activity bindings name them)
create or replace temp view v_client_member as
select 4 as owner_type_id, co.id as owner_id, 'company' as client_type, co.id as client_id
from companies as co
union all
select
    3,
    ct.id,
    case when co.id is null then 'contact' else 'company' end,
    coalesce(co.id, ct.id)
from contacts as ct
left join companies as co on co.id = ct.company_id;

-- every real deal (d_deal) with the lead it came from and its client: the deal's company, else its
-- contact's client (the contact's company, else the contact); NULL client when the deal names neither
create or replace temp view v_client_deal as
select
    d.*,
    r.lead_id,
    case when co.id is not null then 'company' else m.client_type end as client_type,
    case when co.id is not null then co.id else m.client_id end as client_id
from d_deal as d
inner join deals as r on r.id = d.deal_id
left join companies as co on co.id = r.company_id
left join v_client_member as m on m.owner_type_id = 3 and m.owner_id = r.contact_id;

-- per client, the won deals at or before T (a deal is won at its final move into a success stage:
-- closed_at) and whether an open deal exists
create or replace temp view v_client_wins as
select
    d.client_type,
    d.client_id,
    count(*) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of) as won_deals,
    kopecks(sum(d.amount_base) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of)) as won_amount,
    min(d.closed_at) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of) as first_won_at,
    max(d.closed_at) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of) as last_won_at,
    count(*) filter (where d.is_open and d.date_create <= ctx.as_of) as open_deals,
    count(*) filter (where d.semantic = 'F' and d.closed_at <= ctx.as_of) as lost_deals
from v_client_deal as d
cross join ctx
where d.client_id is not null
group by d.client_type, d.client_id;

-- per lead that a deal names in LEAD_ID: it turned into a deal (created by T), and into a won one (won by
-- T). A table macro: only the funnels bind it.
create or replace temp macro lead_deal_outcome() as table
select
    d.lead_id,
    true as to_deal,
    bool_or(d.semantic = 'S' and d.closed_at <= ctx.as_of) as to_won_deal
from v_client_deal as d
cross join ctx
where d.lead_id is not null and d.date_create <= ctx.as_of
group by d.lead_id;

-- the leads the two funnels count (by source, by responsible): created in the run's period, in scope (the
-- lead's responsible), each with what became of it (lead_deal_outcome)
create or replace temp macro funnel_leads(want_manager, want_department, viewer) as table
select l.*, o.to_deal, o.to_won_deal
from v_lead as l
left join lead_deal_outcome() as o on o.lead_id = l.lead_id
where l.created_in_period
  and manager_in_scope(l.responsible_id, l.department_ids, want_manager, want_department, viewer);

-- the funnel's counts over a group of funnel_leads: created, by status semantic now (P in progress,
-- S converted, F junk), into a deal, into a won deal. An aggregate macro the two funnels unnest beside their
-- own key: the one statement of these six counts.
create or replace temp macro lead_funnel_counts(semantic, to_deal, to_won_deal) as {
    'leads_created': count(*),
    'in_progress': count(*) filter (where semantic = 'P'),
    'converted': count(*) filter (where semantic = 'S'),
    'junk': count(*) filter (where semantic = 'F'),
    'to_deal': count(*) filter (where to_deal),
    'to_won_deal': count(*) filter (where to_won_deal)
};
