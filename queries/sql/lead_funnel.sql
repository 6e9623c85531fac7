-- lead_funnel: leads created in the period per source: in progress, converted, junk, into a deal, into a won deal
-- grain: one row per source (source_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the lead's responsible); period = created in the
-- period (default T's month)
-- columns: source_id, source_name, leads_created, in_progress, converted, junk, to_deal, to_won_deal
-- rule: leads created in the period by status semantic (P in progress, S converted, F junk) as of now;
-- to_deal = leads a deal names in LEAD_ID (created by T), to_won_deal = of those, a deal won by T.
-- source_id '' = no source. Most leads first.
with

funnel as (
    select
        l.source_id,
        any_value(l.source_name) as source_name,
        unnest(lead_funnel_counts(l.semantic, l.to_deal, l.to_won_deal))  -- leads_created ... (_leads.sql)
    from funnel_leads($manager_id, $department_id, $viewer_id) as l
    group by l.source_id
)

select f.*
from funnel as f
left join (select status_id, min(sort) as sort from sources group by status_id) as s on s.status_id = f.source_id
order by f.leads_created desc, s.sort nulls last, f.source_id
