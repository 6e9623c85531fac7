-- lead_funnel_by_manager: leads created in the period per responsible: in progress, converted, junk, into a deal, into a won deal
-- grain: one row per responsible (responsible_id)
-- params: $manager_id, $department_id (NULL = all; the lead's responsible); period = created in the period
-- columns: responsible_id, responsible_name, leads_created, in_progress, converted, junk, to_deal,
-- to_won_deal
select
    null as responsible_id,
    null as responsible_name,
    null as leads_created,
    null as in_progress,
    null as converted,
    null as junk,
    null as to_deal,
    null as to_won_deal
where false
