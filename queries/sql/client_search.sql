-- client_search: clients (companies, contacts without a company) by name fragment, phone in any format or e-mail
-- grain: one row per client (client_type, client_id)
-- params: $search (a name fragment, phone or e-mail; NULL = every client by name), $manager_id,
-- $department_id (NULL = all; the client's owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, matched_on, matched_value
select
    null as client_type,
    null as client_id,
    null as client_name,
    null as client_url,
    null as owner_id,
    null as owner_name,
    null as matched_on,
    null as matched_value
where false
