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
-- already has the client); NULL on every other row. The groups, their records and their order are stored
-- at sync time (d_shared_value, _derived.sql); here: the leads of T and the groups in scope.
with

routed as (  -- groups holding a lead in progress (created by T) whose responsible is in scope
    select distinct s.match_kind, s.match_value
    from d_shared_value as s
    cross join ctx
    left join d_user as u on u.user_id = s.owner_id
    where s.lead_in_progress  -- only a lead is in progress
      and s.date_create <= ctx.as_of
      and manager_in_scope(s.owner_id, coalesce(u.department_ids, []), $manager_id, $department_id,
                           $viewer_id)
)

select
    m.match_kind,
    m.match_value,
    m.entity_type,
    m.entity_id,
    m.title,
    m.entity_url,
    m.owner_id,
    m.owner_name,
    m.owner_active,
    m.lead_in_progress,
    m.date_create,
    m.route_to_id,
    m.route_to_name,
    m.route_to_active
-- read once, not as a CTE shared with `routed`: DuckDB would store all 284k rows first (29 of 114 ms at 100k)
from d_shared_value as m
cross join ctx
inner join routed as rt on rt.match_kind = m.match_kind and rt.match_value = m.match_value
where m.entity_type <> 'lead' or m.date_create <= ctx.as_of  -- a lead created after T is not there yet
order by m.position
