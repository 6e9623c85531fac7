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
select
    d.match_kind,
    d.match_value,
    d.entity_type,
    d.entity_id,
    d.title,
    d.entity_url,
    d.owner_id,
    d.owner_name,
    d.owner_active,
    d.lead_in_progress,
    d.date_create,
    d.route_to_id,
    d.route_to_name,
    d.route_to_active
from duplicate_rows($manager_id, $department_id, $viewer_id) as d  -- _base.sql
order by d.position
