-- backlog: a manager's open deals that need action now, most urgent first
-- grain: one row per open deal breaking at least one rule (deal_id)
-- params: $manager_id (usually set: one manager's work list), $pipeline_id, $department_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, priority,
-- rules, rules_text, rules_broken, incoming_count, overdue_count, next_deadline, last_touch_at,
-- manager_active
-- rule: every rule the deal breaks, in priority order: unprocessed_incoming (1), overdue_activities (2),
-- invoice_stuck (3), no_next_activity (4), stale_deals (5), overaged_deals (6); `priority` is the rank of
-- its most urgent rule; ties go to the deal breaking more rules, then the longest untouched.
with

params as (
    select
        $manager_id::bigint as manager_id,
        $pipeline_id::bigint as pipeline_id,
        $department_id::bigint as department_id
),

open_deals as (
    select o.*
    from v_open_deal as o
    cross join params as p
    where (p.manager_id is null or o.manager_id = p.manager_id)
      and (p.pipeline_id is null or o.pipeline_id = p.pipeline_id)
      and (p.department_id is null or list_contains(o.department_ids, p.department_id))
),

broken as (
    select
        o.*,
        list_filter([
            case when o.incoming_count > 0 then 'unprocessed_incoming' end,
            case when o.overdue_count > 0 then 'overdue_activities' end,
            case when o.is_invoice_stuck then 'invoice_stuck' end,
            case when o.is_no_next_activity then 'no_next_activity' end,
            case when o.is_stale then 'stale_deals' end,
            case when o.is_overaged then 'overaged_deals' end
        ], lambda x: x is not null) as rules,
        list_filter([
            case when o.incoming_count > 0 then o.incoming_count || ' unprocessed incoming' end,
            case when o.overdue_count > 0 then o.overdue_count || ' overdue activities' end,
            case when o.is_invoice_stuck then 'no follow-up in the invoice stage' end,
            case when o.is_no_next_activity then 'no next activity planned' end,
            case when o.is_stale then
                case
                    when o.never_touched then 'never touched'
                    else 'no touch for ' || o.days_since_touch || ' days'
                end
            end,
            case when o.is_overaged then o.deal_age_days || ' days old' end
        ], lambda x: x is not null) as phrases
    from open_deals as o
),

final as (
    select
        b.deal_id,
        b.deal_title,
        b.deal_url,
        b.manager_id,
        b.manager_name,
        b.pipeline_id,
        b.pipeline_name,
        b.stage_id,
        b.stage_name,
        b.opportunity,
        b.currency_id,
        b.amount_base,
        b.deal_age_days,
        b.days_since_touch,
        b.rules[1] as reason,
        cast(list_position([
            'unprocessed_incoming', 'overdue_activities', 'invoice_stuck', 'no_next_activity', 'stale_deals',
            'overaged_deals'
        ], b.rules[1]) as integer) as priority,
        b.rules,
        array_to_string(b.phrases, '; ') as rules_text,
        len(b.rules) as rules_broken,
        b.incoming_count,
        b.overdue_count,
        b.next_deadline,
        b.last_touch_at,
        b.manager_active
    from broken as b
    where len(b.rules) > 0
)

select * from final
order by priority, rules_broken desc, days_since_touch desc, deal_id
