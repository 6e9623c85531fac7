-- managers: the managers to choose from in the filter row, following the department filter
-- grain: one row per manager (manager_id)
-- params: $department_id, $viewer_id (NULL = all; covers sub-departments); the manager and pipeline filters do not apply
-- columns: manager_id, manager_name, manager_active, department_id, active_deals, dismissed_with_deals
-- rule: the scorecard's managers (owners of open deals, dismissed ones included, or managers.user_ids;
-- minus managers.exclude_user_ids) in the department; active_deals = their open deals in every pipeline;
-- dismissed_with_deals = dismissed and still owning open deals (reassign them).
with

managers as (
    select *
    from v_manager
    where manager_in_scope(manager_id, department_ids, null, $department_id, $viewer_id)
),

open_deals as (  -- every open deal (as deal_flags has them), without the rules' verdicts
    select manager_id, count(*) as active_deals
    from d_deal
    where is_open
    group by manager_id
),

final as (
    select
        m.manager_id,
        m.manager_name,
        m.manager_active,
        m.department_id,
        coalesce(o.active_deals, 0) as active_deals,
        not m.manager_active and coalesce(o.active_deals, 0) > 0 as dismissed_with_deals
    from managers as m
    left join open_deals as o on o.manager_id = m.manager_id
)

select * from final
order by manager_name, manager_id
