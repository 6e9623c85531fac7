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

deals as (  -- open deals in scope with a follow-up window that ended before T
    -- the deal's columns only (v_deal_row): through deal_flags every invoice deadline would be worked out
    select o.deal_columns, o.manager_active, missed_followups_of(fu.followups_due, o.last_touch_at) as missed
    from followup_due($manager_id, $pipeline_id, $department_id, $viewer_id) as fu  -- the deals in scope
    inner join v_deal_row as o on o.deal_id = fu.deal_id
),

broken as (  -- one row per (deal, rule) broken
    select d.deal_columns, d.manager_active, unnest(d.missed) as f
    from deals as d
    where len(d.missed) > 0
),

final as (
    select
        unnest(b.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        'no_followup_' || b.f.rule_key || '_' || fr.business_days || '_business_days' as reason,
        b.f.rule_key as rule_key,
        b.f.rule_name as rule_name,
        b.f.trigger_at as trigger_at,
        b.f.due_at as due_at,
        b.manager_active
    from broken as b
    inner join followup_rule as fr on fr.rule_key = b.f.rule_key
)

select * from final
order by due_at, deal_id, rule_key
