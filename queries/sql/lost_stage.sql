-- lost_stage: where lost deals were before the final move, per manager over a period
-- grain: one row per manager and stage (manager_id, stage_id)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); period as in conversion
-- columns: manager_id, manager_name, stage_id, stage_name, at_invoice_stage, lost_deals, lost_amount, share
-- rule: stage = the last in-progress stage-history entry before the final move ('unknown' without
-- history); at_invoice_stage marks invoice stages; share = this stage's lost deals / the manager's lost.
with

lost as (
    select c.*
    from v_closed_in_period as c
    where not c.is_won
      and in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

per_stage as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        coalesce(prev_stage_id, 'unknown') as stage_id,
        coalesce(any_value(prev_stage_name), 'unknown') as stage_name,
        bool_or(lost_at_invoice) as at_invoice_stage,
        count(*) as lost_deals,
        cast(round(sum(amount_base), 2) as double) as lost_amount  -- to the kopeck; NULL: no amount
    from lost
    group by manager_id, coalesce(prev_stage_id, 'unknown')
),

final as (
    select
        ps.*,
        ps.lost_deals / sum(ps.lost_deals) over (partition by ps.manager_id) as share
    from per_stage as ps
)

select * from final
order by manager_name, manager_id, lost_deals desc, stage_id
