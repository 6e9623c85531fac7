-- departments: the portal's departments, for the department filter
-- grain: one row per department (department_id)
-- params: $viewer_id (NULL = every department; a head: the ones they head and below; a manager: none)
-- columns: department_id, department_name, parent_id, sort
-- rule: none; every department in the snapshot with its parent, in Bitrix24's order (sort, then name).
-- Filtering a metric by a department also covers its sub-departments.
with

source_departments as (
    select * from departments as d
    where viewer_sees_department(d.id, $viewer_id)
),

final as (
    select
        d.id as department_id,
        d.name as department_name,
        d.parent as parent_id,
        d.sort
    from source_departments as d
)

select * from final
order by sort, department_name, department_id
