-- lead_scorecard: every responsible's leads: in progress, unprocessed, hanging, created in the period, speed to lead
-- grain: one row per responsible (responsible_id)
-- params: $manager_id, $department_id (NULL = all; the lead's responsible); period = created in the period
-- (default T's month)
-- columns: responsible_id, responsible_name, in_progress_leads, unprocessed_leads, hanging_leads,
-- leads_created, leads_untouched, speed_to_lead_hours, responsible_active, department_id
select
    null as responsible_id,
    null as responsible_name,
    null as in_progress_leads,
    null as unprocessed_leads,
    null as hanging_leads,
    null as leads_created,
    null as leads_untouched,
    null as speed_to_lead_hours,
    null as responsible_active,
    null as department_id
where false
