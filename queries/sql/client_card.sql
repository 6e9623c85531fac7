-- client_card: one client: owner, contacts, deals open / won / lost, amounts, the last and next activity
-- grain: one row
-- params: $client_type ("company" | "contact"), $client_id (the client), $manager_id, $department_id, $viewer_id
-- (NULL = all; the client's owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, contacts, open_deals,
-- won_deals, lost_deals, won_amount, avg_won_amount, last_won_at, last_activity_at,
-- last_activity_subject, next_activity_at, next_activity_subject, next_activity_overdue
-- rule: the client's deals (its company's, else its contact's: v_client_deal) by T: open, won (final move
-- into a success stage), lost; won_amount and avg_won_amount in the base currency. contacts: "name, phones,
-- e-mails" as written, a company's own line first, then its contacts by name (namesakes by id; a contact
-- client: itself).
-- The last activity: the latest completed one at or before T bound to the client's records (a company and
-- its contacts) or to its deals; the next: the earliest open one with a deadline, overdue when that was
-- before the start of T's day (as the overdue rule reckons). No row for an unknown client or one out of
-- scope.
with

client as (
    select *
    from v_client as c
    where c.client_type = $client_type
      and c.client_id = cast($client_id as bigint)
      and manager_in_scope(c.owner_id, c.owner_department_ids, $manager_id, $department_id, $viewer_id)
),

records as (  -- the client's contact and company records (owner_type_id 3 / 4)
    select m.owner_type_id, m.owner_id
    from v_client_member as m
    inner join client as c on c.client_type = m.client_type and c.client_id = m.client_id
),

values_ as (  -- the phones and e-mails of the client's records, as written, in the portal's order
    select
        r.owner_type_id,
        r.owner_id,
        string_agg(trim(mf.value), ', ' order by mf.id) filter (where mf.type_id = 'PHONE') as phones,
        string_agg(trim(mf.value), ', ' order by mf.id) filter (where mf.type_id = 'EMAIL') as emails
    from records as r
    inner join multifields as mf on mf.entity_type_id = r.owner_type_id and mf.entity_id = r.owner_id
    group by r.owner_type_id, r.owner_id
),

contact_lines as (
    select
        r.owner_type_id,
        r.owner_id,
        coalesce(co.title, concat_ws(' ', ct.name, ct.last_name)) as name,
        v.phones,
        v.emails
    from records as r
    left join values_ as v on v.owner_type_id = r.owner_type_id and v.owner_id = r.owner_id
    left join companies as co on r.owner_type_id = 4 and co.id = r.owner_id
    left join contacts as ct on r.owner_type_id = 3 and ct.id = r.owner_id
),

deals as (
    select d.*
    from v_client_deal as d
    inner join client as c on c.client_type = d.client_type and c.client_id = d.client_id
),

wins as (  -- as v_client_wins, for this client's deals only
    select
        count(*) filter (where d.is_open and d.date_create <= ctx.as_of) as open_deals,
        count(*) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of) as won_deals,
        count(*) filter (where d.semantic = 'F' and d.closed_at <= ctx.as_of) as lost_deals,
        kopecks(sum(d.amount_base) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of))
            as won_amount,
        max(d.closed_at) filter (where d.semantic = 'S' and d.closed_at <= ctx.as_of) as last_won_at
    from deals as d
    cross join ctx
),

activities as (  -- on the client's records and on its deals
    select ea.activity_id, ea.subject, ea.completed, ea.deadline, ea.touch_time
    from v_entity_activity as ea
    inner join records as r on r.owner_type_id = ea.owner_type_id and r.owner_id = ea.owner_id
    union all
    select da.activity_id, da.activity_subject, da.completed, da.deadline, da.touch_time
    from d_deal_activity as da
    inner join deals as d on d.deal_id = da.deal_id
    where not da.is_incoming or da.completed
),

last_activity as (  -- two at the same moment: the later-created one (the higher id), the same on every call
    select max(touch_time) as at, arg_max(subject, {'at': touch_time, 'id': activity_id}) as subject
    from activities
    cross join ctx
    where completed and touch_time <= ctx.as_of
),

next_activity as (
    select
        min(deadline) as at,
        arg_min(subject, {'at': deadline, 'id': activity_id}) as subject,  -- a tie: the earlier-created one
        min(deadline) < any_value(ctx.day_start) as overdue
    from activities
    cross join ctx
    where not completed and deadline is not null
)

select
    c.client_type,
    c.client_id,
    c.client_name,
    c.client_url,
    c.owner_id,
    c.owner_name,
    coalesce((
        select list(concat_ws(', ', cl.name, cl.phones, cl.emails)
                    order by cl.owner_type_id desc, cl.name, cl.owner_id)  -- namesakes in a fixed order
        from contact_lines as cl
        where cl.owner_type_id = 3 or cl.phones is not null or cl.emails is not null
    ), []) as contacts,
    w.open_deals,
    w.won_deals,
    w.lost_deals,
    w.won_amount,
    round(w.won_amount / nullif(w.won_deals, 0), 2) as avg_won_amount,
    w.last_won_at,
    la.at as last_activity_at,
    la.subject as last_activity_subject,
    na.at as next_activity_at,
    na.subject as next_activity_subject,
    na.overdue as next_activity_overdue
from client as c
cross join last_activity as la
cross join next_activity as na
cross join wins as w
