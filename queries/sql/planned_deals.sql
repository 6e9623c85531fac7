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
    c.client_name,
    d.pipeline_name,
    d.stage_name,
    d.opportunity,
    d.currency_id,
    d.amount_base,
    d.closedate,
    d.date_create,
    d.lead_id,
    l.lead_title,
    case when d.lead_id is not null
        then crm_url(ctx.portal_url, 'lead', d.lead_id) end as lead_url
from v_client_deal as d
cross join ctx
left join v_client as c on c.client_type = d.client_type and c.client_id = d.client_id
left join v_lead as l on l.lead_id = d.lead_id
where d.date_create >= case when ctx.period_explicit then ctx.period_start else ctx.day_start end
  and d.date_create < case when ctx.period_explicit then ctx.period_end else ctx.as_of end
  and in_scope(d.manager_id, d.pipeline_id, d.department_ids, $manager_id, $pipeline_id, $department_id, $viewer_id)
order by d.date_create desc, d.deal_id desc
