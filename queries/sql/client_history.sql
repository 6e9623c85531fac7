-- client_history: one client's deals, open, won and lost, newest first
-- grain: one row per deal (deal_id)
-- params: $client_type, $client_id (the client), $manager_id, $department_id (NULL = all; the client's
-- owner)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, outcome, stage_name, opportunity,
-- currency_id, amount_base, date_create, closed_at
select
    null as deal_id,
    null as deal_title,
    null as deal_url,
    null as manager_id,
    null as manager_name,
    null as outcome,
    null as stage_name,
    null as opportunity,
    null as currency_id,
    null as amount_base,
    null as date_create,
    null as closed_at
where false
