-- _deal_snapshot: the open deals of one portal-local day ($day), kept day by day so close-date pushes
-- (d_close_date_push) and the forecast's history can look back. "Open" is queries' own rule, the one every
-- metric reads (d_deal.is_open: an in-progress stage, recurring templates excluded). Run by
-- queries.history.record_day after each sync; the last recording of a day replaces that day's rows.

delete from deal_snapshots where snapshot_date = $day;

insert into deal_snapshots (
    snapshot_date, id, stage_id, category_id, assigned_by_id, opportunity, currency_id, closedate
)
select $day, d.deal_id, d.stage_id, d.pipeline_id, d.manager_id, d.opportunity, d.currency_id, d.closedate
from d_deal as d
where d.is_open;
