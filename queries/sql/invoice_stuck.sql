-- invoice_stuck: open deals in an invoice stage without follow-up, or left to go stale there
-- grain: one row per open deal (deal_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all)
-- columns: deal_id, deal_title, deal_url, manager_id, manager_name, pipeline_id, pipeline_name, stage_id,
-- stage_name, opportunity, currency_id, amount_base, deal_age_days, days_since_touch, reason, manager_active,
-- date_create, last_touch_at, invoice_entered_at, invoice_due_at, invoice_no_followup, invoice_stale
-- rule: open, in an invoice stage entered at E (latest stage-history entry into the current stage, else
-- moved_time), and EITHER no touch between E and T although E + invoice_followup_business_days working
-- days is before T (invoice_no_followup: the call after the invoice was never made) OR the last touch since
-- E, else E, is more than touch_interval_days x 24 h before T (invoice_stale: nobody pushes for payment).
-- reason = no_followup_<N>_business_days when the first holds, else stale_<days>_days_in_invoice.
with

stuck as (
    select *
    from deal_flags($manager_id, $pipeline_id, $department_id, $viewer_id)  -- the deals in scope
    where is_open and is_invoice_stuck
),

final as (
    select
        unnest(o.deal_columns),  -- deal_id ... days_since_touch (_base.sql)
        case
            when o.invoice_no_followup
                then 'no_followup_' || o.invoice_followup_business_days || '_business_days'
            else 'stale_' || o.touch_interval_days || '_days_in_invoice'
        end as reason,
        o.manager_active,
        o.date_create,
        o.last_touch_at,
        o.invoice_entered_at,
        o.invoice_due_at,
        o.invoice_no_followup,
        o.invoice_stale
    from stuck as o
)

select * from final
order by invoice_entered_at, deal_id
