"""The deal card at `/crm/deal/details/<id>/`: a minimal page, so the dashboard's deal links on the sandbox
land somewhere true (title, pipeline stage, amount, manager). Every value from the store is HTML-escaped:
deal titles and names are whatever a CRM user typed."""

from __future__ import annotations

import sqlite3
from html import escape

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>{title} — сделка {id}</title></head>
<body>
<h1>{title}</h1>
<dl>
<dt>Сделка</dt><dd>{id}</dd>
<dt>Стадия</dt><dd>{stage}</dd>
<dt>Сумма</dt><dd>{amount}</dd>
<dt>Ответственный</dt><dd>{manager}</dd>
</dl>
<p><small>Песочница Bitrix24 (sandbox): карточка сделки только для просмотра.</small></p>
</body></html>
"""

NOT_FOUND = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Сделка не найдена</title></head>
<body><h1>Сделка не найдена</h1><p>Сделки с таким номером нет (удалена или ещё не создана).</p></body></html>
"""


def deal_page(conn: sqlite3.Connection, deal_id: int) -> str | None:
    """The page of one deal, or None when there is no such deal."""
    row = conn.execute(
        """
        select d."ID", d."TITLE", d."OPPORTUNITY", d."CURRENCY_ID",
               coalesce(s."NAME", d."STAGE_ID") as stage,
               trim(coalesce(u."NAME", '') || ' ' || coalesce(u."LAST_NAME", '')) as manager
        from deals as d
        left join statuses as s
            on s."STATUS_ID" = d."STAGE_ID"
            and s."ENTITY_ID" = case when d."CATEGORY_ID" = 0 then 'DEAL_STAGE'
                                     else 'DEAL_STAGE_' || d."CATEGORY_ID" end
        left join users as u on u."ID" = d."ASSIGNED_BY_ID"
        where d."ID" = ?
        """,
        (deal_id,),
    ).fetchone()
    if row is None:
        return None
    number, title, amount, currency, stage, manager = tuple(row)
    shown = {"id": number, "title": title or f"Сделка #{number}", "stage": stage or "—",
             "amount": f"{amount or 0} {currency or ''}".strip(), "manager": manager or "—"}
    return PAGE.format(**{key: escape(str(value), quote=True) for key, value in shown.items()})
