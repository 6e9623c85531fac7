-- planned_deals: deals created in the period (default T's day) with client, manager, amount, close date and lead
-- grain: one row per deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id (NULL = all); period = created in the period, T's day
-- when none is given
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, client_type, client_id, client_name,
-- pipeline_name, stage_name, opportunity, currency_id, amount_base, closedate, date_create, lead_id,
-- lead_title, lead_url
select
    null as deal_id,
    null as deal_title,
    null as deal_url,
    null as manager_id,
    null as manager_name,
    null as client_type,
    null as client_id,
    null as client_name,
    null as pipeline_name,
    null as stage_name,
    null as opportunity,
    null as currency_id,
    null as amount_base,
    null as closedate,
    null as date_create,
    null as lead_id,
    null as lead_title,
    null as lead_url
where false
