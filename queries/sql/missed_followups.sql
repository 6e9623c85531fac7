-- missed_followups: open deals where the call after a proposal or a meeting was never made
-- grain: one row per open deal and follow-up rule (deal_id, rule_key)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, rule_key,
-- rule_name, trigger_at, due_at, manager_active
-- rule: a follow-up rule of rules.toml [followups] (not the invoice rule, which has its own list) is broken
-- by an open deal when its trigger happened at E (trigger_at): "stage" = the latest entry into a matching
-- stage that is still the deal's current stage; "meeting" = the end of the latest completed meeting bound
-- to the deal; E + business_days working days (due_at, portal calendar, as the invoice rule counts them)
-- is before T; and no touch (completed activity bound to the deal) came after E.
-- reason = no_followup_<rule_key>_<N>_business_days. Order: due_at (the longest overdue first).
with

missed as (  -- one row per (open deal in scope, rule) whose window ended before T with no touch after E
    -- the deal's columns only (v_deal_row): through deal_flags every invoice deadline would be worked out
    select o.deal_columns, o.manager_active, w.rule_key, w.rule_name, w.trigger_at, w.due_at
    from followup_windows($manager_id, $pipeline_id, $department_id, $viewer_id) as w
    inner join v_deal_row as o on o.deal_id = w.deal_id
    where followup_missed(w.trigger_at, o.last_touch_at)
),

final as (
    select
        unnest(m.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'no_followup_' || m.rule_key || '_' || fr.business_days || '_business_days' as reason,
        m.rule_key,
        m.rule_name,
        m.trigger_at,
        m.due_at,
        m.manager_active
    from missed as m
    inner join followup_rule as fr on fr.rule_key = m.rule_key
)

select * from final
order by due_at, deal_id, rule_key
