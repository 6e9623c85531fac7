-- leads_unprocessed: leads in progress created before T's day with no completed activity bound to them by T
-- grain: one row per lead (lead_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible)
-- columns: lead_id, lead_title, lead_url, responsible_id, responsible_name, status_id, status_name,
-- source_id, source_name, date_create, hours_waiting, responsible_active
-- rule: in progress (status semantic P), created before the start of T's day (portal time) and no
-- completed activity bound to it at or before T (every lead is processed the day it arrives);
-- hours_waiting = hours from creation to T. Oldest first.
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
    hours_waiting,
    responsible_active
from v_lead
where is_unprocessed
  and manager_in_scope(responsible_id, department_ids, $manager_id, $department_id, $viewer_id)
order by date_create, lead_id
