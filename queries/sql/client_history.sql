-- client_history: one client's deals, open, won and lost, newest first
-- grain: one row per deal (deal_id)
-- params: $client_type ("company" | "contact"), $client_id (the client), $manager_id, $department_id, $viewer_id
-- (NULL = all; the client's owner)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, outcome, stage_name, opportunity,
-- currency_id, amount_base, date_create, closed_at
-- rule: every real deal of the client (its company's, else its contact's: v_client_deal) created by T;
-- outcome = "won" / "lost" when its final move (closed_at) is at or before T, else "open"; closed_at then.
-- Newest first.
select
    d.deal_id,
    d.deal_title,
    d.deal_url,
    d.manager_id,
    d.manager_name,
    case
        when d.closed_at <= ctx.as_of and d.semantic = 'S' then 'won'
        when d.closed_at <= ctx.as_of and d.semantic = 'F' then 'lost'
        else 'open'
    end as outcome,
    d.stage_name,
    d.opportunity,
    d.currency_id,
    d.amount_base,
    d.date_create,
    case when d.closed_at <= ctx.as_of then d.closed_at end as closed_at
from v_client_deal as d
cross join ctx
inner join v_client as c on c.client_type = d.client_type and c.client_id = d.client_id
where d.client_type = $client_type
  and d.client_id = cast($client_id as bigint)
  and d.date_create <= ctx.as_of
  and manager_in_scope(c.owner_id, c.owner_department_ids, $manager_id, $department_id, $viewer_id)
order by d.date_create desc, d.deal_id desc
