-- duplicates: leads, contacts and companies sharing a normalised phone or e-mail with a lead in progress
-- grain: one row per record of a group (match_kind, match_value, entity_type, entity_id)
-- params: $manager_id, $department_id (NULL = all; a group is in scope when its in-progress lead's
-- responsible is)
-- columns: match_kind, match_value, entity_type, entity_id, title, entity_url, owner_id, owner_name,
-- owner_active, lead_in_progress, date_create
select
    null as match_kind,
    null as match_value,
    null as entity_type,
    null as entity_id,
    null as title,
    null as entity_url,
    null as owner_id,
    null as owner_name,
    null as owner_active,
    null as lead_in_progress,
    null as date_create
where false
