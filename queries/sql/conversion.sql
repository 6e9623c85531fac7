-- conversion: won and lost deals per manager over a period, why deals were lost, how long closing takes
-- grain: one row per manager with a deal closed in the period (manager_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); the period comes from run_metric's
-- month / period_start / period_end (default: T's calendar month), capped at T
-- columns: manager_id, manager_name, period_start, period_end, won_deals, won_amount, lost_deals,
-- lost_amount, win_rate, lost_manager_closed, lost_client_declined, lost_client_silent, lost_unspecified,
-- lost_at_invoice, lost_at_invoice_share, median_days_to_close, median_days_to_win, manager_active
-- rule: a deal closes at its final move (latest final-stage history entry, else moved_time) with semantic
-- S (won) or F (lost); amounts in the base currency; loss groups from rules.toml [loss_reasons];
-- lost_at_invoice = lost deals whose last in-progress stage before the final move is an invoice stage;
-- days to close = final move - creation.
with

closed as (
    select c.*
    from v_closed_in_period as c
    where in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

per_manager as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        any_value(manager_active) as manager_active,
        count(*) filter (where is_won) as won_deals,
        kopecks(sum(amount_base) filter (where is_won)) as won_amount,
        count(*) filter (where not is_won) as lost_deals,
        kopecks(sum(amount_base) filter (where not is_won)) as lost_amount,
        count(*) filter (where reason_group = 'manager_closed') as lost_manager_closed,
        count(*) filter (where reason_group = 'client_declined') as lost_client_declined,
        count(*) filter (where reason_group = 'client_silent') as lost_client_silent,
        count(*) filter (where reason_group = 'unspecified') as lost_unspecified,
        count(*) filter (where not is_won and lost_at_invoice) as lost_at_invoice,
        median(days_to_close) as median_days_to_close,
        median(days_to_close) filter (where is_won) as median_days_to_win
    from with_loss_reason('closed')
    group by manager_id
),

final as (
    select
        pm.manager_id,
        pm.manager_name,
        ctx.period_first as period_start,
        ctx.period_last as period_end,
        pm.won_deals,
        pm.won_amount,
        pm.lost_deals,
        pm.lost_amount,
        pm.won_deals / nullif(pm.won_deals + pm.lost_deals, 0) as win_rate,
        pm.lost_manager_closed,
        pm.lost_client_declined,
        pm.lost_client_silent,
        pm.lost_unspecified,
        pm.lost_at_invoice,
        pm.lost_at_invoice / nullif(pm.lost_deals, 0) as lost_at_invoice_share,
        round(pm.median_days_to_close, 2) as median_days_to_close,
        round(pm.median_days_to_win, 2) as median_days_to_win,
        pm.manager_active
    from per_manager as pm
    cross join ctx
)

select * from final
order by manager_name, manager_id
