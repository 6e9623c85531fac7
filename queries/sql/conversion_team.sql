-- conversion_team: the team's won and lost deals over a period, its win rate and its losses at the invoice
-- grain: one row
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); the period as in conversion (default: T's
-- calendar month), capped at T
-- columns: period_start, period_end, won_deals, won_amount, lost_deals, lost_amount, win_rate,
-- lost_at_invoice, lost_at_invoice_share
-- rule: conversion's rows summed: every deal closed in the period by anyone in view (not only the
-- scorecard's managers); win_rate = won / (won + lost), NULL when none closed; lost_at_invoice = lost deals
-- whose last in-progress stage before the final move is an invoice stage; lost_at_invoice_share =
-- lost_at_invoice / lost, NULL when none lost.
with

closed as (
    select c.*
    from v_closed_in_period as c
    where in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

totals as (
    select
        count(*) filter (where is_won) as won_deals,
        kopecks(sum(amount_base) filter (where is_won)) as won_amount,
        count(*) filter (where not is_won) as lost_deals,
        kopecks(sum(amount_base) filter (where not is_won)) as lost_amount,
        count(*) filter (where not is_won and lost_at_invoice) as lost_at_invoice
    from closed
),

final as (
    select
        ctx.period_first as period_start,
        ctx.period_last as period_end,
        t.won_deals,
        t.won_amount,
        t.lost_deals,
        t.lost_amount,
        t.won_deals / nullif(t.won_deals + t.lost_deals, 0) as win_rate,
        t.lost_at_invoice,
        t.lost_at_invoice / nullif(t.lost_deals, 0) as lost_at_invoice_share
    from totals as t
    cross join ctx
)

select * from final
