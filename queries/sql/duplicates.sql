-- duplicates: leads, contacts and companies sharing a normalised phone or e-mail with a lead in progress
-- grain: one row per record of a group (match_kind, match_value, entity_type, entity_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; a group is in scope when one of its in-progress leads'
-- responsible is)
-- columns: match_kind, match_value, entity_type, entity_id, title, entity_url, owner_id, owner_name,
-- owner_active, lead_in_progress, date_create, route_to_id, route_to_name, route_to_active
-- rule: phones compare as digits only (8XXXXXXXXXX reads 7XXXXXXXXXX, ten digits get a leading 7, fewer
-- than 7 digits are ignored), e-mails trimmed and lower-cased (norm_phone, norm_email in _derived.sql). A
-- group is every lead, contact and company sharing one such value; shown when it holds at least one lead
-- in progress (that lead must be routed). Groups in order of kind and value; in each, the owning record
-- first: the oldest contact or company, then the leads, oldest first. owner = the lead's responsible or
-- the contact's / company's owner. route_to_id / _name / _active: on a lead in progress that is not its
-- group's first record and whose responsible is not that record's owner, the owner it goes to (the one who
-- already has the client); NULL on every other row.
with

routed as (  -- groups holding a lead in progress whose responsible is in scope (d_shared_value: every
             -- group's members, _derived.sql)
    select distinct s.match_kind, s.match_value
    from d_shared_value as s
    inner join v_lead as l on l.lead_id = s.entity_id
    where s.entity_type = 'lead' and l.in_progress
      and manager_in_scope(l.responsible_id, l.department_ids, $manager_id, $department_id, $viewer_id)
),

members as (  -- their members, one row per (group, record): only these records are read below
    select s.match_kind, s.match_value, s.entity_type, s.entity_id
    from d_shared_value as s
    inner join routed as rt on rt.match_kind = s.match_kind and rt.match_value = s.match_value
),

records as (  -- the members' title, link, owner and creation (only theirs: there are few)
    select
        'lead' as entity_type,
        l.lead_id as entity_id,
        l.lead_title as title,
        l.lead_url as entity_url,
        l.responsible_id as owner_id,
        l.responsible_name as owner_name,
        l.responsible_active as owner_active,
        l.department_ids,
        l.in_progress as lead_in_progress,
        l.date_create
    from v_lead as l
    where l.lead_id in (select entity_id from members where entity_type = 'lead')
    union all
    select
        'contact',
        ct.id,
        coalesce(nullif(trim(concat_ws(' ', ct.name, ct.last_name)), ''), 'Contact ' || ct.id),
        rtrim(ctx.portal_url, '/') || '/crm/contact/details/' || ct.id || '/',
        ct.assigned_by_id,
        coalesce(u.user_name, 'User ' || ct.assigned_by_id),
        coalesce(u.user_active, false),
        coalesce(u.department_ids, []),
        false,
        ct.date_create
    from contacts as ct
    cross join ctx
    left join d_user as u on u.user_id = ct.assigned_by_id
    where ct.id in (select entity_id from members where entity_type = 'contact')
    union all
    select
        'company',
        co.id,
        coalesce(nullif(trim(co.title), ''), 'Company ' || co.id),
        rtrim(ctx.portal_url, '/') || '/crm/company/details/' || co.id || '/',
        co.assigned_by_id,
        coalesce(u.user_name, 'User ' || co.assigned_by_id),
        coalesce(u.user_active, false),
        coalesce(u.department_ids, []),
        false,
        co.date_create
    from companies as co
    cross join ctx
    left join d_user as u on u.user_id = co.assigned_by_id
    where co.id in (select entity_id from members where entity_type = 'company')
),

grouped as (
    select m.match_kind, m.match_value, r.*
    from members as m
    inner join records as r on r.entity_type = m.entity_type and r.entity_id = m.entity_id
),

ranked as (  -- each row with its group's first record (the group's order, below)
    select
        g.*,
        row_number() over w = 1 as is_first,
        first_value(g.owner_id) over w as first_owner_id,
        first_value(g.owner_name) over w as first_owner_name,
        first_value(g.owner_active) over w as first_owner_active
    from grouped as g
    window w as (partition by g.match_kind, g.match_value
                 order by g.entity_type = 'lead', g.date_create, g.entity_type, g.entity_id)
),

routed_rows as (
    select
        r.*,
        not r.is_first and r.entity_type = 'lead' and r.lead_in_progress
            and r.owner_id is distinct from r.first_owner_id as is_routed
    from ranked as r
)

select
    g.match_kind,
    g.match_value,
    g.entity_type,
    g.entity_id,
    g.title,
    g.entity_url,
    g.owner_id,
    g.owner_name,
    g.owner_active,
    g.lead_in_progress,
    g.date_create,
    case when g.is_routed then g.first_owner_id end as route_to_id,
    case when g.is_routed then g.first_owner_name end as route_to_name,
    case when g.is_routed then g.first_owner_active end as route_to_active
from routed_rows as g
order by g.match_kind, g.match_value, g.entity_type = 'lead', g.date_create, g.entity_type, g.entity_id
