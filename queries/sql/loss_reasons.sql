-- loss_reasons: lost deals per manager by reason group and reason over a period
-- grain: one row per manager, pipeline, group and reason (manager_id, pipeline_id, reason_group,
-- reason_key)
-- params: $manager_id, $pipeline_id, $department_id, $viewer_id (NULL = all); period as in conversion
-- columns: manager_id, manager_name, pipeline_id, pipeline_name, reason_group, reason_key, reason_name,
-- lost_deals, lost_amount, deal_ids
-- rule: reason = the configured loss-reason user field's value (enumeration option value), else the name
-- of the failure stage; groups manager_closed / client_declined / client_silent from rules.toml, else
-- unspecified. Per pipeline: the same reason in two pipelines is two rows, each naming its pipeline.
with

lost as (
    select c.*
    from v_closed_in_period as c
    where not c.is_won
      and in_scope(c.manager_id, c.pipeline_id, c.department_ids, $manager_id, $pipeline_id, $department_id,
                   $viewer_id)
),

final as (
    select
        manager_id,
        any_value(manager_name) as manager_name,
        pipeline_id,
        any_value(pipeline_name) as pipeline_name,
        reason_group,
        reason_key,
        any_value(reason_name) as reason_name,
        count(*) as lost_deals,
        cast(round(sum(amount_base), 2) as double) as lost_amount,  -- to the kopeck; NULL: no amount
        list(deal_id order by deal_id) as deal_ids
    from with_loss_reason('lost')
    group by manager_id, pipeline_id, reason_group, reason_key
)

select * from final
order by manager_name, manager_id, pipeline_name, pipeline_id, lost_deals desc, reason_group,
    reason_key
