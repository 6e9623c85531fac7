-- client_card: one client: owner, contacts, deals open / won / lost, amounts, the last and next activity
-- grain: one row
-- params: $client_type, $client_id (the client), $manager_id, $department_id (NULL = all; the client's
-- owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, contacts, open_deals,
-- won_deals, lost_deals, won_amount, avg_won_amount, last_won_at, last_activity_at, last_activity_subject,
-- next_activity_at, next_activity_subject
select
    null as client_type,
    null as client_id,
    null as client_name,
    null as client_url,
    null as owner_id,
    null as owner_name,
    null as contacts,
    null as open_deals,
    null as won_deals,
    null as lost_deals,
    null as won_amount,
    null as avg_won_amount,
    null as last_won_at,
    null as last_activity_at,
    null as last_activity_subject,
    null as next_activity_at,
    null as next_activity_subject
where false
