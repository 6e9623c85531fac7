-- backlog: a manager's work list: every deal that needs action now, most urgent first
-- grain: one row per deal needing action (deal_id)
-- params: $manager_id (usually set: one manager's work list), $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, priority,
-- rules, rules_text, rules_broken, incoming_count, overdue_count, next_deadline, last_touch_at,
-- manager_active, deal_open, action, invoice_no_followup, invoice_stale, latest_item_at, since_last_workday,
-- followup_rule_name, followup_trigger_at
-- rule: open deals breaking at least one rule, and closed (won / lost) deals with an unprocessed incoming
-- activity (the scorecard counts those too: every number on it is here, item by item). `rules` lists the
-- rules broken in priority order (backlog_rule_order() in _base.sql, the one statement of that order):
-- unprocessed_incoming (1), overdue_activities (2), invoice_stuck (3), missed_followup (4: a follow-up rule
-- of rules.toml broken, as in missed_followups), no_next_activity (5), stale_deals (6), overaged_deals (7);
-- `reason` is the first and `priority` its rank. action = what to do for it: answer_incoming (open deal),
-- answer_incoming_closed (closed: answer the client, open a new deal if they want to buy again),
-- do_overdue, invoice_call (no touch within N working days of the invoice), invoice_push (stale in the
-- invoice stage), followup_call (call after the proposal / meeting), plan_next, touch_stale, close_or_move.
-- followup_rule_name, followup_trigger_at: the broken follow-up rule with the earliest due moment and its
-- E, NULL when the deal breaks none. latest_item_at = the newest unprocessed incoming
-- `created` / overdue `deadline` for those two rules, else NULL; since_last_workday = it is at or after
-- the start of the last working day before T's day. Order: priority, what appeared since the last working
-- day first, then newest first, then more rules broken, then the longest untouched.
with

flags as materialized (  -- the deals in scope that may need action; worked out once, read twice below
    select f.*
    from deal_flags($manager_id, $pipeline_id, $department_id, $viewer_id) as f
    where f.is_open or f.incoming_count > 0
),

missed as (  -- per deal, the follow-up windows it missed, earliest due first, then the rules' order in
             -- rules.toml (list_sort compares the fields in order: an aggregate's ORDER BY sorts per group,
             -- far slower). Only the missed windows are gathered: 5k of the 23k windows at 100k deals.
    select
        w.deal_id,
        list_sort(list({
            'due_at': w.due_at, 'ord': w.ord, 'rule_key': w.rule_key, 'rule_name': w.rule_name,
            'trigger_at': w.trigger_at
        })) as missed_followup_list
    from followup_windows($manager_id, $pipeline_id, $department_id, $viewer_id) as w
    inner join flags as f on f.deal_id = w.deal_id
    where followup_missed(w.trigger_at, f.last_touch_at)
    group by w.deal_id
),

deals as (  -- missed_followup_list: [] when the deal missed none
    select f.*, coalesce(m.missed_followup_list, []) as missed_followup_list
    from flags as f
    left join missed as m on m.deal_id = f.deal_id
),

flagged as (  -- one flag per rule: the rule mask below reads them (mask 0, no rule broken, has no rule set,
              -- so the inner join drops the deal)
    select
        d.*,
        d.incoming_count > 0 as has_incoming,
        d.overdue_count > 0 as has_overdue,
        len(d.missed_followup_list) > 0 as has_missed_followup
    from deals as d
),

ruled as (  -- the rules broken, from the flags (backlog_rule_mask / backlog_rule_sets in _base.sql)
    select
        d.*,
        r.rules,
        r.reason,
        r.priority,
        r.rules_broken,
        case r.reason
            when 'unprocessed_incoming' then d.latest_incoming_at
            when 'overdue_activities' then d.latest_overdue_at
        end as latest_item_at
    from flagged as d
    inner join backlog_rule_sets() as r
        on r.mask = backlog_rule_mask(d.has_incoming, d.has_overdue, d.is_invoice_stuck, d.has_missed_followup,
                                      d.is_no_next_activity, d.is_stale, d.is_overaged)
),

sorted as (
    -- sorted before the text and the actions are made (the SELECT below keeps this order): the sort
    -- carries fewer and narrower columns
    select
        r.*,
        coalesce(r.latest_item_at >= lw.last_workday_start, false) as since_last_workday
    from ruled as r
    cross join v_last_workday as lw
    order by r.priority, since_last_workday desc, r.latest_item_at desc nulls last, r.rules_broken desc,
        r.days_since_touch desc, r.deal_id
)

select
    unnest(d.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
    d.reason,
    d.priority,
    d.rules,
    -- one phrase per rule broken, in backlog_rule_order()'s order (concat_ws skips the NULLs of the rules
    -- not broken; a lambda over `rules` cost twice as much)
    concat_ws('; ',
        case when d.has_incoming then d.incoming_count || ' unprocessed incoming' end,
        case when d.has_overdue then d.overdue_count || ' overdue activities' end,
        case when d.is_invoice_stuck then
            case
                when d.invoice_no_followup then 'no follow-up in the invoice stage'
                else 'no touch for ' || d.days_since_touch || ' days in the invoice stage'
            end
        end,
        case when d.has_missed_followup then
            'no follow-up: ' || array_to_string(list_transform(d.missed_followup_list, lambda x: x.rule_name), ', ')
        end,
        case when d.is_no_next_activity then 'no next activity planned' end,
        case when d.is_stale then
            case when d.never_touched then 'never touched' else 'no touch for ' || d.days_since_touch || ' days' end
        end,
        case when d.is_overaged then d.deal_age_days || ' days old' end
    ) as rules_text,
    d.rules_broken,
    d.incoming_count,
    d.overdue_count,
    d.next_deadline,
    d.last_touch_at,
    d.manager_active,
    d.is_open as deal_open,
    case d.reason
        when 'unprocessed_incoming' then
            case when d.is_open then 'answer_incoming' else 'answer_incoming_closed' end
        when 'overdue_activities' then 'do_overdue'
        when 'invoice_stuck' then case when d.invoice_no_followup then 'invoice_call' else 'invoice_push' end
        when 'missed_followup' then 'followup_call'
        when 'no_next_activity' then 'plan_next'
        when 'stale_deals' then 'touch_stale'
        when 'overaged_deals' then 'close_or_move'
    end as action,
    d.invoice_no_followup,
    d.invoice_stale,
    d.latest_item_at,
    d.since_last_workday,
    d.missed_followup_list[1].rule_name as followup_rule_name,
    d.missed_followup_list[1].trigger_at as followup_trigger_at
from sorted as d
