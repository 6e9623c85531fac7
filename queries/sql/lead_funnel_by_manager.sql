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
        unnest(lead_funnel_counts(l.semantic, o.to_deal, o.to_won_deal))  -- leads_created ... (_leads.sql)
    from v_lead as l
    left join lead_deal_outcome() as o on o.lead_id = l.lead_id
    where l.created_in_period
      and l.responsible_id is not null
      and manager_in_scope(l.responsible_id, l.department_ids, $manager_id, $department_id, $viewer_id)
    group by l.responsible_id
)

select f.*
from funnel as f
order by f.leads_created desc, f.responsible_name, f.responsible_id
