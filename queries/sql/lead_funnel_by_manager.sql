-- lead_funnel_by_manager: leads created in the period per responsible: in progress, converted, junk, into a deal, into a won deal
-- grain: one row per responsible (responsible_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible); period = created in the
-- period (default T's month)
-- columns: responsible_id, responsible_name, leads_created, in_progress, converted, junk, to_deal,
-- to_won_deal
-- rule: as lead_funnel, per the lead's responsible (assigned_by_id). Most leads first.
select
    l.responsible_id,
    any_value(l.responsible_name) as responsible_name,
    count(*) as leads_created,
    count(*) filter (where l.semantic = 'P') as in_progress,
    count(*) filter (where l.semantic = 'S') as converted,
    count(*) filter (where l.semantic = 'F') as junk,
    count(*) filter (where o.to_deal) as to_deal,
    count(*) filter (where o.to_won_deal) as to_won_deal
from v_lead as l
left join lead_deal_outcome() as o on o.lead_id = l.lead_id
where l.created_in_period
  and l.responsible_id is not null
  and manager_in_scope(l.responsible_id, l.department_ids, $manager_id, $department_id, $viewer_id)
group by l.responsible_id
order by leads_created desc, responsible_name, l.responsible_id
