-- reactivation: clients due for reactivation: no purchase for longer than their own interval, no open deal
-- grain: one row per client (client_type, client_id)
-- params: $manager_id, $department_id (NULL = all; the client's owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, won_deals, won_amount,
-- last_won_at, interval_days, due_at, days_overdue, planned, owner_active
select
    null as client_type,
    null as client_id,
    null as client_name,
    null as client_url,
    null as owner_id,
    null as owner_name,
    null as won_deals,
    null as won_amount,
    null as last_won_at,
    null as interval_days,
    null as due_at,
    null as days_overdue,
    null as planned,
    null as owner_active
where false
