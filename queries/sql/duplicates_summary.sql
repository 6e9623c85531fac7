-- duplicates_summary: how many duplicate groups the duplicates list holds, with their records and leads
-- grain: one row
-- params: $manager_id, $department_id, $viewer_id (NULL = all; as duplicates)
-- columns: duplicate_groups, duplicate_records, leads_in_progress
-- rule: the rows of duplicates (the same groups, scope and moment) counted: duplicate_groups = the groups
-- (match_kind, match_value), duplicate_records = their records (one row each), leads_in_progress = the
-- records that are a lead in progress (those the desk routes or keeps). The leads page shows these beside
-- the list's first rows, so it never reads the whole list to count it.
select
    count(distinct {'kind': d.match_kind, 'value': d.match_value}) as duplicate_groups,
    count(*) as duplicate_records,
    count(*) filter (where d.lead_in_progress) as leads_in_progress
from duplicate_rows($manager_id, $department_id, $viewer_id) as d  -- _base.sql
