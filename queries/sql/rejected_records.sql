-- rejected_records: the records the latest sync that rejected anything could not store, and why
-- grain: one row per run, stream, record and field (run_id, stream, record_id, field)
-- params: $viewer_id (admins and the operator only: the runner refuses anyone else)
-- columns: run_id, finished_at, stream, record_id, field, error
-- rule: sync_runs.rejected of the latest run with at least one rejected record, as the connector writes it:
-- {stream: [{"id": <record id as text or null>, "field": "<FIELD>", "error": "<one line>"}]}. record_id is
-- NULL when the record had no readable id; an older snapshot's plain list of ids gives the ids with NULL
-- field and error.
with

runs as (
    select r.id, r.finished_at, r.rejected
    from sync_runs as r
    where coalesce((select sum(json_array_length(j.value)) from json_each(r.rejected) as j), 0) > 0
      and sees_everything($viewer_id)
),

latest as (
    select * from runs order by id desc limit 1
),

records as (
    select l.id as run_id, l.finished_at, s.key as stream, e.value as item
    from latest as l
    cross join json_each(l.rejected) as s
    cross join json_each(s.value) as e
),

final as (
    select
        run_id,
        finished_at,
        stream,
        case when json_type(item) = 'OBJECT' then item ->> 'id' else item ->> '$' end as record_id,
        case when json_type(item) = 'OBJECT' then item ->> 'field' end as field,
        case when json_type(item) = 'OBJECT' then item ->> 'error' end as error
    from records
)

select * from final
order by stream, record_id, field
