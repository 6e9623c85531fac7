-- followup_outcomes: how deals fared when the call after a proposal or a meeting came on time, and when not
-- grain: one row per follow-up rule and on time or not (rule_key, on_time)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); the period as in conversion (default: T's
-- calendar month), capped at T
-- columns: rule_key, rule_name, on_time, closed_deals, won_deals, win_rate
-- rule: deals closed (won or lost) in the period, as conversion counts them, that had a rule's trigger
-- before closing: the last entry into a matching stage (stage rules) or the end of the last completed
-- meeting (meeting rules) before the final move, at E. on_time = a touch (completed activity bound to the
-- deal) came after E and at or before E + business_days working days (due, as missed_followups counts it);
-- late = no touch in that window although the deal was still open when it ended. A deal that closed before
-- its window ended with no touch in it is left out (the call was not yet due). Every rule has both rows
-- (closed_deals 0 when none); win_rate = won / closed, NULL when none. Order: the rules' order, on time
-- first.
with

closed as (
    select c.deal_id, c.is_won, c.closed_at
    from v_closed_in_period as c
    where in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

triggers as (  -- every trigger before the final move
    select c.deal_id, fs.rule_key, h.created_time as trigger_at
    from closed as c
    inner join stage_history as h on h.owner_id = c.deal_id and h.created_time < c.closed_at
    inner join followup_stage as fs on fs.stage_id = h.stage_id
    union all
    select c.deal_id, fr.rule_key, da.touch_time
    from closed as c
    inner join d_deal_activity as da on da.deal_id = c.deal_id
    inner join followup_rule as fr on fr.trigger = 'meeting'
    where da.completed and da.activity_type = 1 and da.touch_time < c.closed_at
),

windows as (  -- the last one per deal and rule, with the rule's window
    select t.deal_id, t.rule_key, max(t.trigger_at) as trigger_at, any_value(fr.business_days) as n
    from triggers as t
    inner join followup_rule as fr on fr.rule_key = t.rule_key
    group by t.deal_id, t.rule_key
),

judged as (
    select
        w.rule_key,
        c.is_won,
        exists (
            select 1
            from d_deal_activity as da
            where da.deal_id = w.deal_id and da.completed
              and da.touch_time > w.trigger_at and da.touch_time <= least(w.due_at, ctx.as_of)
        ) as on_time,
        c.closed_at > w.due_at as window_ended_open
    from with_due('windows') as w
    cross join ctx
    inner join closed as c on c.deal_id = w.deal_id
),

counted as (
    select rule_key, on_time, count(*) as closed_deals, count(*) filter (where is_won) as won_deals
    from judged
    where on_time or window_ended_open
    group by rule_key, on_time
),

final as (
    select
        fr.rule_key,
        fr.rule_name,
        o.on_time,
        coalesce(c.closed_deals, 0) as closed_deals,
        coalesce(c.won_deals, 0) as won_deals,
        c.won_deals / nullif(c.closed_deals, 0) as win_rate,
        fr.ord
    from followup_rule as fr
    cross join (values (true), (false)) as o(on_time)
    left join counted as c on c.rule_key = fr.rule_key and c.on_time = o.on_time
)

select rule_key, rule_name, on_time, closed_deals, won_deals, win_rate
from final
order by ord, on_time desc
