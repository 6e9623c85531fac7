-- leads_hanging: leads in progress whose last touch is more than lead_idle_days before T
-- grain: one row per lead (lead_id)
-- params: $manager_id, $department_id (NULL = all; the lead's responsible)
-- columns: lead_id, lead_title, lead_url, responsible_id, responsible_name, status_id, status_name,
-- source_id, source_name, date_create, last_touch_at, days_idle, never_touched, responsible_active
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
    null as last_touch_at,
    null as days_idle,
    null as never_touched,
    null as responsible_active
where false
