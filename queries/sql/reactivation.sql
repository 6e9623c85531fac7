-- reactivation: clients due for reactivation: no purchase for longer than their own interval, no open deal
-- grain: one row per client (client_type, client_id)
-- params: $manager_id, $department_id, $viewer_id (NULL = all; the client's owner)
-- columns: client_type, client_id, client_name, client_url, owner_id, owner_name, won_deals, won_amount,
-- last_won_at, interval_days, due_at, days_overdue, planned, owner_active
-- rule: a client (a company; a contact with no company) with at least one won deal by T and no open deal,
-- whose last won deal is more than their interval before T: the average gap between consecutive won
-- deals ((last - first) / (wins - 1)), reactivation_days for a client who bought once. due_at = the last
-- win + the interval; days_overdue = whole days from due_at to T; won_amount in the base currency;
-- planned = the client (for a company: it or one of its contacts) has an open activity with a deadline
-- (then it is in hand). Order: the clients nobody has planned anything with first (they need someone to act;
-- the clients page and My backlog list them so), then most valuable first.
with

due as (
    select
        w.client_type,
        w.client_id,
        w.won_deals,
        w.won_amount,
        w.last_won_at,
        case
            when w.won_deals > 1 then (epoch(w.last_won_at) - epoch(w.first_won_at)) / (w.won_deals - 1)
            else 86400 * lr.reactivation_days
        end as interval_s
    from v_client_wins as w
    cross join lead_rule as lr
    where w.won_deals > 0 and w.open_deals = 0
),

overdue as (  -- the due clients whose interval has run out by T
    select d.*
    from due as d
    cross join ctx
    where epoch(d.last_won_at) + d.interval_s < epoch(ctx.as_of)
),

planned as (  -- clients with an open activity with a deadline on themselves or one of their contacts
    select distinct m.client_type, m.client_id
    from v_entity_activity as ea
    inner join v_client_member as m on m.owner_type_id = ea.owner_type_id and m.owner_id = ea.owner_id
    where not ea.completed and ea.deadline is not null
)

select
    d.client_type,
    d.client_id,
    d.client_name,
    d.client_url,
    d.owner_id,
    d.owner_name,
    d.won_deals,
    d.won_amount,
    d.last_won_at,
    round(d.interval_s / 86400, 1) as interval_days,
    to_timestamp(epoch(d.last_won_at) + d.interval_s) as due_at,
    cast(floor((epoch(ctx.as_of) - epoch(d.last_won_at) - d.interval_s) / 86400) as integer) as days_overdue,
    p.client_id is not null as planned,
    d.owner_active
from with_client('overdue') as d  -- named once picked
cross join ctx
left join planned as p on p.client_type = d.client_type and p.client_id = d.client_id
where manager_in_scope(d.owner_id, d.owner_department_ids, $manager_id, $department_id, $viewer_id)
order by planned, d.won_amount desc, d.client_name, d.client_type, d.client_id
