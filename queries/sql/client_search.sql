-- client_search: clients (companies, contacts without a company) by name fragment, phone in any format or e-mail
-- grain: one row per client (client_type, client_id)
-- params: $search (a name fragment, a phone, an e-mail; NULL or '' = every client by name),
-- $manager_id, $department_id, $viewer_id (NULL = all; the client's owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, matched_on,
-- matched_value
-- rule: a client matches on "phone" when one of its phones (a company's: its own or its contacts') equals
-- the search as a phone (norm_phone: any format), on "email" likewise (norm_email: any case, spaces), on
-- "name" when its name (else the name of one of a company's contacts) contains the search (any case). A
-- contact of a company finds the company. matched_value = the value as written on the record (the name
-- for "name"). Phone and e-mail matches first, then by name; at most 50.
with

q as (
    select
        lower(trim(coalesce($search, ''))) as text,
        norm_phone($search) as phone,
        norm_email($search) as email
),

by_value as (  -- a phone or e-mail of the client's records equal to the search's
    select m.client_type, m.client_id, v.match_kind as matched_on, v.written as matched_value, 1 as rank
    from record_values([3, 4]) as v
    cross join q
    inner join v_client_member as m
        on m.owner_type_id = v.entity_type_id and m.owner_id = v.entity_id
    -- said of $search itself, not of q: DuckDB then drops the scan of every value when the search is no phone
    -- and no e-mail (a name or nothing: 30 of 88 ms at 100k deals)
    where coalesce(norm_phone($search), norm_email($search)) is not null
      and ((v.match_kind = 'phone' and v.match_value = q.phone)
        or (v.match_kind = 'email' and v.match_value = q.email))
),

by_name as (  -- the client's own name, then the name of one of a company's contacts
    select c.client_type, c.client_id, 'name' as matched_on, c.client_name as matched_value, 2 as rank
    from v_client as c
    cross join q
    where contains(lower(c.client_name), q.text)
      and q.text <> ''  -- an empty search is `everyone` below: no grouping of every client
    union all
    select m.client_type, m.client_id, 'name', trim(concat_ws(' ', ct.name, ct.last_name)), 3
    from contacts as ct
    cross join q
    inner join v_client_member as m on m.owner_type_id = 3 and m.owner_id = ct.id
    where m.client_type = 'company' and contains(lower(concat_ws(' ', ct.name, ct.last_name)), q.text)
      and q.text <> ''
),

best as (  -- one match per client: a phone or e-mail, then its own name, then a contact's
    select
        client_type,
        client_id,
        arg_min([matched_on, matched_value], [rank::varchar, matched_on, matched_value]) as match,
        min(rank) as rank
    from (select * from by_value union all select * from by_name)
    group by client_type, client_id
),

found as (  -- a search's matches with the client's columns
    select c.*, b.match[1] as matched_on, b.match[2] as matched_value, b.rank
    from best as b
    inner join v_client as c on c.client_type = b.client_type and c.client_id = b.client_id
),

everyone as (  -- no search: every client, matched on its own name (as a name search of '' would)
    select c.*, 'name' as matched_on, c.client_name as matched_value, 2 as rank
    from v_client as c
    cross join q
    where q.text = ''
)

select
    r.client_type,
    r.client_id,
    r.client_name,
    r.client_url,
    r.owner_id,
    r.owner_name,
    r.matched_on,
    r.matched_value
from (select * from found union all select * from everyone) as r
where manager_in_scope(r.owner_id, r.owner_department_ids, $manager_id, $department_id, $viewer_id)
order by r.rank, r.client_name, r.client_type, r.client_id
limit 50
