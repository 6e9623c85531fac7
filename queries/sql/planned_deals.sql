-- planned_deals: deals created in the period (default T's day) with client, manager, amount, close date and lead
-- grain: one row per deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); period = created in the period, T's
-- day when none is given
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, client_type, client_id, client_name,
-- pipeline_name, stage_name, opportunity, currency_id, amount_base, closedate, date_create, lead_id,
-- lead_title, lead_url
-- rule: real deals (recurring templates left out) created in the run's period when one is given (--month,
-- --from/--to), else from the start of T's day to T: the QC desk's evening table and month table. The
-- client is the deal's company, else its contact's (v_client_deal); the lead is the one LEAD_ID names.
-- Newest first.
select
    d.deal_id,
    d.deal_title,
    d.deal_url,
    d.manager_id,
    d.manager_name,
    d.client_type,
    d.client_id,
    case d.client_type
        when 'company' then company_title(co.title, co.id)
        when 'contact' then contact_name(ct.name, ct.last_name, ct.id)
    end as client_name,  -- as v_client names it
    d.pipeline_name,
    d.stage_name,
    d.opportunity,
    d.currency_id,
    d.amount_base,
    d.closedate,
    d.date_create,
    d.lead_id,
    lead_title(l.title, l.id) as lead_title,  -- as v_lead names it
    case when d.lead_id is not null
        then crm_url(ctx.portal_url, 'lead', d.lead_id) end as lead_url
from v_client_deal as d
cross join ctx
-- the client's and the lead's names from their own tables: v_client and v_lead work out every client's and
-- lead's facts for the few deals of a day (93 of 154 ms at 100k deals)
left join companies as co on d.client_type = 'company' and co.id = d.client_id
left join contacts as ct on d.client_type = 'contact' and ct.id = d.client_id
left join leads as l on l.id = d.lead_id and l.date_create <= ctx.as_of  -- v_lead: the leads created by T
where d.date_create >= case when ctx.period_explicit then ctx.period_start else ctx.day_start end
  and d.date_create < case when ctx.period_explicit then ctx.period_end else ctx.as_of end
  and in_scope(d.manager_id, d.pipeline_id, d.department_ids, $manager_id, $pipeline_id, $department_id, $viewer_id)
order by d.date_create desc, d.deal_id desc
