-- lead_funnel_by_manager: leads created in the period per responsible: in progress, converted, junk, into a deal, into a won deal
-- grain: one row per responsible (responsible_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible); period = created in the
-- period (default T's month)
-- columns: responsible_id, responsible_name, leads_created, in_progress, converted, junk, to_deal,
-- to_won_deal
-- rule: as lead_funnel, per the lead's responsible (assigned_by_id). Most leads first.
with

funnel as (
    select
        l.responsible_id,
        any_value(l.responsible_name) as responsible_name,
        unnest(lead_funnel_counts(l.semantic, l.to_deal, l.to_won_deal))  -- leads_created ... (_leads.sql)
    from funnel_leads($manager_id, $department_id, $viewer_id) as l
    where l.responsible_id is not null
    group by l.responsible_id
)

select f.*
from funnel as f
order by f.leads_created desc, f.responsible_name, f.responsible_id
