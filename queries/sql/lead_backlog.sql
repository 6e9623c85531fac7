-- lead_backlog: a manager's leads to act on, in the order to work them (My backlog, the morning digest)
-- grain: one row per lead (lead_id)
-- params: $manager_id (usually set: one manager's list), $department_id, $viewer_id (NULL = all; the lead's
-- responsible)
-- columns: lead_id, lead_title, lead_url, responsible_id, responsible_name, status_name, source_name,
-- date_create, reason, hours_waiting, last_touch_at, days_idle, never_touched, responsible_active
-- rule: the leads of leads_unprocessed (reason = unprocessed) and of leads_hanging (reason = hanging), each
-- once: a lead that is both is unprocessed. Unprocessed first, newest first: a lead answered while it is
-- fresh is the likeliest to buy, and one left for years is for the QC desk to weed out (leads_unprocessed
-- lists the desk's backlog oldest first). Then hanging, the one that went quiet last first: the easiest to
-- pick up again (leads_hanging: most idle first). hours_waiting = hours since creation, days_idle = whole
-- days since the last touch (creation when never touched), as in the two lists.
select
    lead_id,
    lead_title,
    lead_url,
    responsible_id,
    responsible_name,
    status_name,
    source_name,
    date_create,
    case when is_unprocessed then 'unprocessed' else 'hanging' end as reason,
    hours_waiting,
    last_touch_at,
    days_idle,
    never_touched,
    responsible_active
from v_lead
-- in_progress is implied by either, but named it reaches the leads' scan: the OR alone is checked only after
-- every join (133 ms against 89 for the whole team at 100k deals)
where in_progress and (is_unprocessed or is_hanging)
  and manager_in_scope(responsible_id, department_ids, $manager_id, $department_id, $viewer_id)
-- an unprocessed lead was never touched: its idle_since is its creation, so one key orders both parts
order by is_unprocessed desc, idle_since desc, lead_id
