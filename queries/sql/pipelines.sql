-- pipelines: the portal's deal pipelines, for the pipeline filter
-- grain: one row per deal pipeline (pipeline_id)
-- params: $viewer_id (pipelines belong to nobody: every viewer the runner resolved sees them all)
-- columns: pipeline_id, pipeline_name, is_default, sort
-- rule: none; every deal pipeline (entity type 2) in the snapshot, in Bitrix24's order (sort, then id);
-- the default pipeline has id 0. Smart-invoice pipelines (entity type 31) are left out.
with

source_pipelines as (
    select * from pipelines
),

final as (
    select
        p.id as pipeline_id,
        p.name as pipeline_name,
        p.is_default,
        p.sort
    from source_pipelines as p
    where p.entity_type_id = 2
      and viewer_known($viewer_id)
)

select * from final
order by sort, pipeline_id
