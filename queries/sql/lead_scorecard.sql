-- lead_scorecard: every responsible's leads: in progress, unprocessed, hanging, created in the period, speed to lead
-- grain: one row per responsible (responsible_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible); period = created in the
-- period (default T's month)
-- columns: responsible_id, responsible_name, in_progress_leads, unprocessed_leads, hanging_leads,
-- leads_created, leads_untouched, speed_to_lead_hours, responsible_active, department_id
-- rule: counts from v_lead (queries/sql/_leads.sql): in progress = status semantic P; unprocessed and
-- hanging as the lists leads_unprocessed and leads_hanging; leads_created = created in the period;
-- leads_untouched = of those, no completed activity by T; speed_to_lead_hours = the median of the hours
-- from creation to the first completed activity over the period's leads that have one (NULL when none).
-- One row per responsible with a lead in progress or created in the period; worst (hanging + unprocessed)
-- first.
with

leads as (
    select *
    from v_lead
    where responsible_id is not null
      and manager_in_scope(responsible_id, department_ids, $manager_id, $department_id, $viewer_id)
),

per_responsible as (
    select
        responsible_id,
        any_value(responsible_name) as responsible_name,
        count(*) filter (where in_progress) as in_progress_leads,
        count(*) filter (where is_unprocessed) as unprocessed_leads,
        count(*) filter (where is_hanging) as hanging_leads,
        count(*) filter (where created_in_period) as leads_created,
        count(*) filter (where created_in_period and first_touch_at is null) as leads_untouched,
        round(median((epoch(first_touch_at) - epoch(date_create)) / 3600)
            filter (where created_in_period and first_touch_at is not null), 2) as speed_to_lead_hours,
        any_value(responsible_active) as responsible_active,
        any_value(department_id) as department_id
    from leads
    group by responsible_id
)

select *
from per_responsible
where in_progress_leads > 0 or leads_created > 0
order by hanging_leads + unprocessed_leads desc, in_progress_leads desc, responsible_name, responsible_id
