-- sync_history: every sync run, newest first, failed ones included (for the dashboard's about page)
-- grain: one row per sync run (run_id)
-- params: $viewer_id (sync runs belong to nobody: every viewer the runner resolved sees them)
-- columns: run_id, started_at, finished_at, duration_s, mode, status, portal, rows_total, requests_total,
-- rejected_total, rows_by_stream, error
-- rule: none; rows_total, requests_total and rejected_total add up the per-stream JSON counters that the
-- connector stores in sync_runs (rows written, HTTP requests, records that could not be parsed).
with

runs as (
    select * from sync_runs
    where viewer_known($viewer_id)
),

final as (
    select
        r.id as run_id,
        r.started_at,
        r.finished_at,
        epoch(r.finished_at - r.started_at) as duration_s,
        r.mode,
        r.status,
        r.portal,
        (select sum(cast(j.value as bigint)) from json_each(r.rows) as j) as rows_total,
        (select sum(cast(j.value as bigint)) from json_each(r.requests) as j) as requests_total,
        (select sum(json_array_length(j.value)) from json_each(r.rejected) as j) as rejected_total,
        cast(r.rows as varchar) as rows_by_stream,
        r.error
    from runs as r
)

select * from final
order by run_id desc
