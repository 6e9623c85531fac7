-- leads_hanging: leads in progress whose last touch is more than lead_idle_days before T
-- grain: one row per lead (lead_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible)
-- columns: lead_id, lead_title, lead_url, responsible_id, responsible_name, status_id, status_name,
-- source_id, source_name, date_create, last_touch_at, days_idle, never_touched, responsible_active
-- rule: in progress (status semantic P) and the last touch (the latest completed activity bound to it at
-- or before T; its creation when never touched) is more than lead_idle_days x 24 h before T; days_idle =
-- whole days since then. Most idle first.
select
    lead_id,
    lead_title,
    lead_url,
    responsible_id,
    responsible_name,
    status_id,
    status_name,
    source_id,
    source_name,
    date_create,
    last_touch_at,
    days_idle,
    never_touched,
    responsible_active
from v_lead
where is_hanging
  and manager_in_scope(responsible_id, department_ids, $manager_id, $department_id, $viewer_id)
order by idle_since, lead_id
