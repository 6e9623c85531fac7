-- leads_unprocessed: leads in progress created before T's day with no completed activity bound to them by T
-- grain: one row per lead (lead_id)
-- params: $manager_id, $department_id (NULL = all; the lead's responsible)
-- columns: lead_id, lead_title, lead_url, responsible_id, responsible_name, status_id, status_name,
-- source_id, source_name, date_create, hours_waiting, responsible_active
select
    null as lead_id,
    null as lead_title,
    null as lead_url,
    null as responsible_id,
    null as responsible_name,
    null as status_id,
    null as status_name,
    null as source_id,
    null as source_name,
    null as date_create,
    null as hours_waiting,
    null as responsible_active
where false
