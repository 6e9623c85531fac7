"""Russian and English texts of the app. Russian by default; `?lang=en` (the sidebar switch) gives English.

`t("key", n=3)` returns the text in the current language with `str.format` fields filled in. A missing key
falls back to Russian, then to the key itself, so a forgotten translation shows up but never breaks a page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from babel import Locale

from dashboard import formatting

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"
LANG_KEY = "lang"  # the widget key and the URL query parameter

TEXTS: dict[str, dict[str, str]] = {
    # chrome
    "app_title": {"ru": "Дожим", "en": "Dozhim"},
    "language": {"ru": "Язык", "en": "Language"},
    "page_daily": {"ru": "Ежедневный обзор", "en": "Daily review"},
    "page_backlog": {"ru": "Мои сделки", "en": "My backlog"},
    "page_forecast": {"ru": "Прогноз", "en": "Forecast meeting"},
    "page_conversion": {"ru": "Конверсия", "en": "Conversion"},
    "page_trends": {"ru": "Динамика", "en": "Trends"},
    "page_about": {"ru": "О данных", "en": "About the data"},
    "page_setup": {"ru": "Первый запуск", "en": "Getting started"},
    # freshness
    "fresh_ok": {"ru": "Данные на {when} ({age} назад).", "en": "Data as of {when} ({age} ago)."},
    "fresh_old": {
        "ru": "Последняя успешная синхронизация была {age} назад ({when}) — дольше ожидаемых {limit} ч. "
        "Нули ниже могут быть неверны.",
        "en": "The last successful sync was {age} ago ({when}), longer than the expected {limit} h. "
        "Zeros below may be wrong.",
    },
    "fresh_failed": {
        "ru": "Последняя синхронизация завершилась ошибкой: {error}. Показаны данные на {when} "
        "({age} назад); нули ниже могут быть неверны.",
        "en": "The last sync failed: {error}. Showing data as of {when} ({age} ago); "
        "zeros below may be wrong.",
    },
    "fresh_never": {
        "ru": "В базе нет ни одной успешной синхронизации; цифры ниже ненадёжны.",
        "en": "The database has no successful sync yet; the numbers below are not reliable.",
    },
    "layer_stale": {
        "ru": "Предрасчёт данных устарел (Dozhim обновлён, или синхронизация прошла без шага, который его "
        "строит): до следующей синхронизации страницы считают всё заново и открываются медленнее.",
        "en": "The precomputed data is out of date (Dozhim was updated, or a sync ran without the step that "
        "builds it): until the next sync, pages compute everything afresh and open more slowly.",
    },
    "as_of_pinned": {
        "ru": "Расчёт на момент {when} (DOZHIM_AS_OF).",
        "en": "Computed as of {when} (DOZHIM_AS_OF).",
    },
    "unsure_zero": {"ru": "0?", "en": "0?"},
    "unsure_note": {
        "ru": "«0?» — ноль по устаревшим данным.",
        "en": "“0?” is a zero from out-of-date data.",
    },
    # errors
    "err_query": {"ru": "Не удалось прочитать данные: {error}", "en": "Could not read the data: {error}"},
    "err_rules": {"ru": "Файл правил не принят: {error}", "en": "The rules file was refused: {error}"},
    "err_retry": {
        "ru": "Если идёт синхронизация, обновите страницу через минуту.",
        "en": "If a sync is running, reload the page in a minute.",
    },
    # no database
    "setup_title": {"ru": "Базы данных ещё нет", "en": "No database yet"},
    "setup_body": {
        "ru": "Дашборд читает файл `{db}`, а его пока нет. "
        "Запустите первую синхронизацию с порталом Bitrix24:",
        "en": "The dashboard reads `{db}`, which does not exist yet. "
        "Run the first sync with your Bitrix24 portal:",
    },
    "setup_demo": {
        "ru": "Или посмотрите демо на учебном портале (он создаётся локально):",
        "en": "Or try the demo on a generated sandbox portal (it runs locally):",
    },
    "setup_env": {
        "ru": "Файл базы в другом месте? Укажите путь в переменной `DOZHIM_DB` и перезагрузите страницу.",
        "en": "Is the database elsewhere? Set `DOZHIM_DB` to its path and reload the page.",
    },
    # filters
    "f_pipeline": {"ru": "Воронка", "en": "Pipeline"},
    "f_dept": {"ru": "Отдел", "en": "Department"},
    "f_manager": {"ru": "Менеджер", "en": "Manager"},
    "f_all_pipelines": {"ru": "Все воронки", "en": "All pipelines"},
    "f_all_depts": {"ru": "Все отделы", "en": "All departments"},
    "f_all_managers": {"ru": "Все менеджеры", "en": "All managers"},
    "dept_n": {"ru": "Отдел {id}", "en": "Department {id}"},
    "f_month": {"ru": "Месяц", "en": "Month"},
    "f_rule": {"ru": "Правило", "en": "Rule"},
    # rule names (scorecard columns)
    "manager_name": {"ru": "Менеджер", "en": "Manager"},
    "active_deals": {"ru": "В работе", "en": "Active deals"},
    "below_minimum": {"ru": "Ниже минимума", "en": "Below minimum"},
    "overaged_deals": {"ru": "Старые сделки", "en": "Overaged deals"},
    "stale_deals": {"ru": "Без касаний", "en": "Untouched deals"},
    "no_next_activity": {"ru": "Без след. дела", "en": "No next activity"},
    "overdue_activities": {"ru": "Просроченные дела", "en": "Overdue activities"},
    "unprocessed_incoming": {"ru": "Необработ. входящие", "en": "Unprocessed incoming"},
    "invoice_stuck": {"ru": "Зависли на счёте", "en": "Stuck at invoice"},
    "missed_followups": {"ru": "Пропущенный дожим", "en": "Missed follow-ups"},
    "missed_followup": {"ru": "Пропущенный дожим", "en": "Missed follow-up"},  # the backlog's rule key
    "won_deals": {"ru": "Выиграно", "en": "Won"},
    "won_amount": {"ru": "Сумма выигранных", "en": "Won amount"},
    "lost_deals": {"ru": "Проиграно", "en": "Lost"},
    "win_rate": {"ru": "Конверсия", "en": "Win rate"},
    # short tile titles (a tile is narrow; the help icon and the scorecard give the full name)
    "tile_stale_deals": {"ru": "Без касаний", "en": "Untouched"},
    # scorecard headers, where a column is narrow (the header's help gives the full name and definition)
    "sc_overaged_deals": {"ru": "Старые", "en": "Overaged"},
    "sc_no_next_activity": {"ru": "Без дела", "en": "No next step"},
    "sc_missed_followups": {"ru": "Без дожима", "en": "No follow-up"},
    "tile_missed_followups": {"ru": "Без дожима", "en": "No follow-up"},
    "tile_overaged_deals": {"ru": "Старые сделки", "en": "Overaged"},
    "tile_overdue_activities": {"ru": "Просрочено", "en": "Overdue"},
    "tile_unprocessed_incoming": {"ru": "Входящие", "en": "Incoming"},
    "tile_invoice_stuck": {"ru": "На счёте", "en": "At invoice"},
    "tile_no_next_activity": {"ru": "Без дела", "en": "No next step"},
    # rule explanations (help texts)
    "help_overaged_deals": {
        "ru": "Открытые сделки, с создания которых прошло больше, чем {max_deal_age_days}.",
        "en": "Open deals created more than {max_deal_age_days} ago.",
    },
    "help_stale_deals": {
        "ru": "Открытые сделки, где с последнего касания прошло больше, чем {touch_interval_days}.",
        "en": "Open deals with no touch for more than {touch_interval_days}.",
    },
    "help_no_next_activity": {
        "ru": "Открытые сделки без запланированного дела.",
        "en": "Open deals with no planned activity.",
    },
    "help_overdue_activities": {
        "ru": "Запланированные дела по открытым сделкам со сроком до начала сегодняшнего дня.",
        "en": "Planned activities on open deals due before the start of today.",
    },
    "help_unprocessed_incoming": {
        "ru": "Входящие (звонки, письма, заявки), не обработанные до конца дня, по любой сделке — "
        "и по закрытой: клиент ждёт ответа.",
        "en": "Incoming calls, emails and forms left unprocessed past the end of a day, on any deal — "
        "closed ones too: the client is waiting.",
    },
    "help_invoice_stuck": {
        "ru": "Открытые сделки на стадии счёта: за {invoice_followup_business_days} после входа в стадию "
        "не было касания, или с последнего касания прошло больше, чем {touch_interval_days}.",
        "en": "Open deals at the invoice stage with no touch within {invoice_followup_business_days} of "
        "entering it, or with no touch for more than {touch_interval_days}.",
    },
    "help_missed_followups": {
        "ru": "Открытые сделки, где после шага клиента менеджер не связался в срок (ни одного касания после "
        "шага): {followup_rules}. Счёт — отдельное правило, в столбце «На счёте».",
        "en": "Open deals where the manager did not get back to the client in time after a step that leaves "
        "the ball in the client's court (no touch since the step): {followup_rules}. The invoice is a rule "
        "of its own, in the “At invoice” column.",
    },
    "followup_rule_help": {"ru": "«{name}» — {window} {after}", "en": "“{name}”: {window} {after}"},
    "followup_after_stage": {"ru": "после входа в стадию", "en": "after the deal enters the stage"},
    "followup_after_meeting": {"ru": "после завершённой встречи", "en": "after a completed meeting"},
    "followup_rules_none": {"ru": "правил дожима не задано", "en": "no follow-up rules are set"},
    "help_below_minimum": {
        "ru": "Сделок в работе меньше минимума ({min_active_deals}).",
        "en": "Fewer active deals than the minimum ({min_active_deals}).",
    },
    "help_issues_total": {
        "ru": "Сумма нарушений по всем семи правилам.",
        "en": "All seven rules' violations added up.",
    },
    # what to do: the backlog's `action` key in words
    "act_answer_incoming": {"ru": "Ответьте клиенту, закройте входящее", "en": "Answer the client"},
    "act_answer_incoming_closed": {
        "ru": "Сделка закрыта: ответьте; купит снова — новая сделка",
        "en": "Closed deal: answer; buying again? open a new deal",
    },
    "act_do_overdue": {
        "ru": "Выполните просроченное дело или перенесите срок",
        "en": "Do the overdue activity or move its deadline",
    },
    "act_invoice_call": {
        "ru": "Позвоните клиенту по выставленному счёту",
        "en": "Call the client about the invoice",
    },
    "act_invoice_push": {
        "ru": "Дожмите оплату: свяжитесь с клиентом по счёту",
        "en": "Push for payment: get in touch about the invoice",
    },
    "act_followup_call": {
        "ru": "Позвоните {rule} от {day}: {ask}",
        "en": "Call back: “{rule}” of {day} — {ask}",
    },
    "act_followup_call_unnamed": {
        "ru": "Позвоните клиенту: после его шага не было касания",
        "en": "Call the client: no touch since their last step",
    },
    "followup_ask_stage": {"ru": "смотрели ли, что решили",
                           "en": "did they look at it, what did they decide"},
    "followup_ask_meeting": {"ru": "о чём договорились, какой следующий шаг",
                             "en": "what was agreed, what is the next step"},
    "followup_ask": {"ru": "что решили", "en": "what did they decide"},
    "act_plan_next": {"ru": "Запланируйте следующее дело", "en": "Plan the next activity"},
    "act_touch_stale": {"ru": "Свяжитесь с клиентом", "en": "Get in touch with the client"},
    "act_close_or_move": {
        "ru": "Решите судьбу сделки: закройте или обновите дату",
        "en": "Decide on the deal: close it or update its dates",
    },
    # deal list columns
    "deal_title": {"ru": "Сделка", "en": "Deal"},
    "deal_url": {"ru": "Ссылка", "en": "Link"},
    "open_link": {"ru": "открыть", "en": "open"},
    "pipeline_name": {"ru": "Воронка", "en": "Pipeline"},
    "stage_name": {"ru": "Стадия", "en": "Stage"},
    "opportunity": {"ru": "Сумма", "en": "Amount"},
    "currency_id": {"ru": "Валюта", "en": "Currency"},
    "amount_base": {"ru": "Сумма, {cur}", "en": "Amount, {cur}"},
    "deal_age_days": {"ru": "Возраст, дн.", "en": "Age, days"},
    "days_since_touch": {"ru": "Без касания, дн.", "en": "Days since touch"},
    "reason": {"ru": "Причина", "en": "Reason"},
    "priority": {"ru": "Приоритет", "en": "Priority"},
    "action": {"ru": "Что сделать", "en": "What to do"},
    "rules_broken": {"ru": "Нарушения", "en": "Rules broken"},
    "rules": {"ru": "Нарушения", "en": "Rules broken"},
    "since_last_workday": {"ru": "С прошлого раб. дня", "en": "Since last workday"},
    "latest_item_at": {"ru": "Когда появилось", "en": "Appeared"},
    "deal_open": {"ru": "Сделка открыта", "en": "Deal open"},
    "invoice_no_followup": {"ru": "Нет звонка после счёта", "en": "No follow-up call"},
    "invoice_stale": {"ru": "Давно без касаний на счёте", "en": "Stale at invoice"},
    "invoice_entered_at": {"ru": "На стадии счёта с", "en": "At invoice since"},
    "invoice_due_at": {"ru": "Позвонить до", "en": "Call due by"},
    "rule_name": {"ru": "Правило дожима", "en": "Follow-up rule"},
    "trigger_at": {"ru": "Шаг клиента", "en": "Step taken"},
    "due_at": {"ru": "Позвонить до", "en": "Call due by"},
    "on_time": {"ru": "Дожим", "en": "Follow-up"},
    "on_time_yes": {"ru": "вовремя", "en": "on time"},
    "on_time_no": {"ru": "с опозданием или без звонка", "en": "late or never"},
    "closed_deals": {"ru": "Закрыто", "en": "Closed"},
    "last_touch_at": {"ru": "Последнее касание", "en": "Last touch"},
    "date_create": {"ru": "Создана", "en": "Created"},
    "issues_total": {"ru": "Всего", "en": "Total"},
    "pipeline_id": {"ru": "Воронка №", "en": "Pipeline #"},
    "activity_subject": {"ru": "Дело", "en": "Activity"},
    "activity_deadline": {"ru": "Срок дела", "en": "Activity due"},
    "deadline": {"ru": "Срок", "en": "Due"},
    "created": {"ru": "Создано", "en": "Created"},
    "snapshot_date": {"ru": "День", "en": "Day"},
    "previous_closedate": {"ru": "Было", "en": "Was"},
    "closedate": {"ru": "Дата закрытия", "en": "Close date"},
    "pushed_days": {"ru": "Сдвиг, дн.", "en": "Pushed, days"},
    "close_date_pushes": {"ru": "Переносов", "en": "Pushes"},
    "weight": {"ru": "Вероятность", "en": "Weight"},
    "probability": {"ru": "Вероятность, %", "en": "Probability, %"},
    "default_close_dates": {"ru": "Дата по умолчанию", "en": "Default dates"},
    "past_close_dates": {"ru": "Дата в прошлом", "en": "Past dates"},
    "unweighted_deals": {"ru": "Без веса", "en": "No weight"},
    "lost_amount": {"ru": "Сумма проигранных", "en": "Lost amount"},
    "lost_manager_closed": {"ru": "Закрыл менеджер", "en": "Closed by manager"},
    "lost_client_declined": {"ru": "Отказ клиента", "en": "Client declined"},
    "lost_client_silent": {"ru": "Клиент пропал", "en": "Client silent"},
    "lost_unspecified": {"ru": "Причина не указана", "en": "Unspecified"},
    "lost_at_invoice": {"ru": "Проиграно на счёте", "en": "Lost at invoice"},
    "lost_at_invoice_share": {"ru": "Доля на счёте", "en": "Share at invoice"},
    "median_days_to_close": {"ru": "Медиана до закрытия, дн.", "en": "Median days to close"},
    "median_days_to_win": {"ru": "Медиана до победы, дн.", "en": "Median days to win"},
    "month": {"ru": "Месяц", "en": "Month"},
    "reason_group": {"ru": "Группа причин", "en": "Reason group"},
    "reason_name": {"ru": "Причина", "en": "Reason"},
    "share": {"ru": "Доля", "en": "Share"},
    "at_invoice_stage": {"ru": "Стадия счёта", "en": "Invoice stage"},
    "won_deals_last_month": {"ru": "Выиграно в прошлом месяце", "en": "Won last month"},
    "won_amount_last_month": {"ru": "Сумма в прошлом месяце", "en": "Amount last month"},
    "won_amount_change": {"ru": "Разница", "en": "Difference"},
    "attention_title": {"ru": "Внимание к сделкам за {days}", "en": "Attention over {days}"},
    "attention_help": {
        "ru": "«Не тронуты за период» — открытые сделки без единого касания за {days} (это не правило "
        "«Без касаний» из таблицы выше: там — больше, чем {interval} с последнего касания). Рядом — сделки, "
        "которых касались {n} и более раз за неделю: внимание менеджера распределено неровно.",
        "en": "“Untouched in the window” counts open deals with no touch at all in {days} (not the "
        "scorecard's “Untouched deals” rule above: no touch for more than {interval}), beside deals touched "
        "{n} or more times in one week: the manager's attention is spread unevenly.",
    },
    "untouched_share": {"ru": "Доля без касаний", "en": "Untouched share"},
    "touches": {"ru": "Касаний", "en": "Touches"},
    "open_deals": {"ru": "Открытых", "en": "Open deals"},
    "untouched_deals": {"ru": "Не тронуты за период", "en": "Untouched in the window"},
    "hammered_deals": {"ru": "Частые касания", "en": "Touched often"},
    # downloads
    "download_csv": {"ru": "CSV", "en": "CSV"},
    "download_xlsx": {"ru": "Excel", "en": "Excel"},
    "no_rows": {"ru": "Ничего нет — всё в порядке.", "en": "Nothing here — all good."},
    "rows_cut": {"ru": "Показаны первые {shown} из {total} строк; весь список — в CSV или Excel.",
                 "en": "Showing the first {shown} of {total} rows; the whole list is in the CSV or Excel."},
    "rows_head": {"ru": "Показаны первые {shown} строк; весь список — в CSV или Excel.",
                  "en": "Showing the first {shown} rows; the whole list is in the CSV or Excel."},
    "rows_count": {"ru": "Строк: {n}", "en": "Rows: {n}"},
    # daily review
    "daily_title": {"ru": "Ежедневный обзор", "en": "Daily review"},
    "tiles_caption": {
        "ru": "Итого по команде, изменение со вчера",
        "en": "Team totals, change since yesterday",
    },
    "tiles_caption_days": {
        "ru": "Итого по команде; изменение — {day} против {previous} (сохранённые дни)",
        "en": "Team totals; change: {day} against {previous} (the stored days)",
    },
    "tiles_caption_no_change": {
        "ru": "Итого по команде; изменение появится со вторым сохранённым днём",
        "en": "Team totals; the change shows from the second stored day",
    },
    "scorecard_title": {"ru": "Менеджеры", "en": "Managers"},
    "scorecard_hint": {
        "ru": "Худшие сверху; чем темнее красный, тем больше нарушений. Выберите строку или цифру, "
        "чтобы увидеть сделки за ней. Подсказка к столбцу — в его заголовке.",
        "en": "Worst first; the darker the red, the more violations. Select a row or a number to see the "
        "deals behind it. Each column's header has its definition.",
    },
    "results_title": {"ru": "Итоги месяца по менеджерам", "en": "The month's results by manager"},
    "dismissed_mark": {"ru": "⚠ {name} · уволен(а)", "en": "⚠ {name} · dismissed"},
    "dismissed_note": {
        "ru": "Уволенные сотрудники, за которыми остались открытые сделки: {who}. "
        "Переназначьте их сделки работающим менеджерам в Bitrix24 — иначе клиентами никто не занимается.",
        "en": "Dismissed employees who still own open deals: {who}. Reassign their deals to working "
        "managers in Bitrix24 — nobody is looking after those clients.",
    },
    "nobody_in_dept": {
        "ru": "В отделе «{dept}» нет менеджеров с открытыми сделками — показывать нечего.",
        "en": "The department “{dept}” has no managers with open deals — nothing to show.",
    },
    "nobody_selected": {
        "ru": "Менеджер «{manager}» не входит в отдел «{dept}» — под такой фильтр не попадает никто. "
        "Выберите другого менеджера или другой отдел.",
        "en": "Manager “{manager}” is not in the department “{dept}”, so this filter selects nobody. "
        "Pick another manager or another department.",
    },
    "drill_title": {"ru": "Сделки за цифрой", "en": "The deals behind the number"},
    "drill_pick": {"ru": "Показать", "en": "Show"},
    "team": {"ru": "вся команда", "en": "whole team"},
    # backlog
    "backlog_title": {"ru": "Мои сделки", "en": "My backlog"},
    "backlog_pick": {"ru": "Кто вы?", "en": "Who are you?"},
    "backlog_pick_hint": {
        "ru": "Выберите себя один раз — выбор сохранится в адресе страницы, её можно добавить в закладки.",
        "en": "Pick yourself once — the choice stays in the page address, so you can bookmark it.",
    },
    "backlog_pick_whose": {"ru": "Чьи сделки", "en": "Whose deals"},
    "backlog_count": {"ru": "Требуют действия сейчас: {n}", "en": "Need action now: {n}"},
    "backlog_fresh": {
        "ru": "Появилось с начала прошлого рабочего дня: {n}.",
        "en": "Appeared since the start of the last working day: {n}.",
    },
    "backlog_order": {
        "ru": "Сначала самое срочное; внутри — то, что осталось с конца прошлого рабочего дня, затем старые "
        "хвосты, от новых к старым. Закрытые сделки с неотвеченными входящими — тоже здесь: клиент ждёт.",
        "en": "Most urgent first; within that, what was left at the end of the last working day, then the "
        "older backlog, newest first. Closed deals with unanswered incoming are here too: the client is "
        "waiting.",
    },
    # forecast
    "forecast_title": {"ru": "Прогноз продаж", "en": "Forecast meeting"},
    "fc_by_month": {"ru": "Воронка по месяцу закрытия", "en": "Pipeline by expected close month"},
    "fc_weighted": {"ru": "Взвешенный прогноз", "en": "Weighted forecast"},
    "fc_pipeline": {"ru": "Сумма в воронке", "en": "Pipeline amount"},
    "fc_deals": {"ru": "Сделок", "en": "Deals"},
    "fc_won_vs_last": {"ru": "Выиграно в этом месяце", "en": "Won this month"},
    "fc_lost_vs_last": {"ru": "Проиграно в этом месяце", "en": "Lost this month"},
    "fc_vs_last_month": {"ru": "к прошлому месяцу", "en": "vs last month"},
    "fc_by_manager": {"ru": "Прогноз по менеджерам", "en": "Forecast by manager"},
    "fc_flags": {"ru": "Сделки с подозрительной датой закрытия", "en": "Deals with a doubtful close date"},
    "fc_pushes": {"ru": "Переносы даты закрытия", "en": "Close-date pushes"},
    "flag_default": {"ru": "дата по умолчанию", "en": "default date"},
    "flag_past": {"ru": "дата в прошлом", "en": "date in the past"},
    "close_month": {"ru": "Месяц закрытия", "en": "Close month"},
    "no_close_month": {"ru": "без даты", "en": "no date"},
    "fc_month_tiles": {"ru": "Ожидаемое закрытие — {month}", "en": "Deals expected to close in {month}"},
    "fc_summary": {"ru": "Вся открытая воронка", "en": "The whole open pipeline"},
    "fc_open_deals": {"ru": "Открытых сделок", "en": "Open deals"},
    "fc_past_close": {"ru": "Дата прошла", "en": "Date passed"},
    "fc_past_close_amount": {"ru": "На сумму", "en": "Worth"},
    "fc_past_close_help": {
        "ru": "Открытые сделки, чья ожидаемая дата закрытия раньше сегодняшнего дня: обновите дату или "
        "закройте сделку.",
        "en": "Open deals whose expected close date is before today: update the date or close the deal.",
    },
    "fc_no_close_date": {"ru": "без даты закрытия: {n}", "en": "no close date: {n}"},
    "fc_future_month": {
        "ru": "{month} ещё не начался — выигранных и проигранных сделок в нём пока нет.",
        "en": "{month} has not started yet — there are no won or lost deals in it so far.",
    },
    "fc_flags_all_months": {
        "ru": "Список охватывает все месяцы, не только выбранный: дата по умолчанию или уже прошедшая.",
        "en": "The list covers every month, not only the picked one: a default date or one already past.",
    },
    "fc_short_history": {
        "ru": "Истории пока мало: переносы даты видны со второго дня хранения, а сохранено {days}. "
        "Это не значит, что переносов нет.",
        "en": "Not enough history yet: pushes show from the second stored day, and {days} stored so far. "
        "This does not mean there were none.",
    },
    "fc_no_conversion_future": {
        "ru": "Выигранные, проигранные и конверсия появятся, когда месяц начнётся.",
        "en": "Won, lost and win rate appear once the month has started.",
    },
    "f_month_bad": {
        "ru": "Месяц из ссылки («{raw}») не распознан — показан текущий месяц.",
        "en": "The link's month (“{raw}”) was not understood — showing the current month.",
    },
    "fc_pace": {"ru": "Темп: выиграно к этому дню против того же дня прошлого месяца",
                "en": "Pace: won so far against the same day last month"},
    "fc_won_amount_last": {"ru": "Сумма выигранных (прошлый месяц: {amount})",
                           "en": "Won amount (last month: {amount})"},
    "deals": {"ru": "Сделок", "en": "Deals"},
    "amount": {"ru": "Сумма", "en": "Amount"},
    "weighted_amount": {"ru": "Взвешенная сумма", "en": "Weighted amount"},
    # conversion
    "conv_title": {"ru": "Конверсия", "en": "Conversion"},
    "conv_period": {"ru": "Период", "en": "Period"},
    "conv_won_lost": {"ru": "Выиграно и проиграно по менеджерам", "en": "Won and lost by manager"},
    "conv_reasons_group": {"ru": "Причины проигрыша по группам", "en": "Loss reasons by group"},
    "conv_reasons": {"ru": "Причины проигрыша", "en": "Loss reasons"},
    "conv_stage": {"ru": "На какой стадии проиграны", "en": "Stage where lost deals were lost"},
    "conv_invoice_share": {"ru": "Доля проигранных на стадии счёта", "en": "Share lost at the invoice stage"},
    "conv_trend": {"ru": "По месяцам", "en": "By month"},
    "conv_followups": {"ru": "Дожим вовремя и с опозданием", "en": "Follow-ups on time vs late"},
    "conv_followups_help": {
        "ru": "Сделки, закрытые за период, у которых был шаг из правил дожима: звонили ли в срок и чем "
        "закончилось.",
        "en": "Deals closed in the period that had a step from the follow-up rules: was the call on time, "
        "and how did the deal end.",
    },
    "conv_followups_none": {
        "ru": "За {period} не закрыто ни одной сделки после шагов из правил дожима — сравнивать пока нечего.",
        "en": "No deal that had a follow-up step closed in {period} — nothing to compare yet.",
    },
    "conv_followups_rule": {
        "ru": "«{rule}»: когда звонили вовремя — {on}; когда опоздали или не позвонили — {late}.",
        "en": "“{rule}”: called back on time — {on}; late or never — {late}.",
    },
    "conv_followups_of": {"ru": "выиграно {won} из {closed} ({rate})",
                          "en": "{won} of {closed} won ({rate})"},
    "conv_followups_no_deals": {"ru": "таких сделок не было", "en": "no such deals"},
    "conv_followups_better": {
        "ru": "Доля выигранных при звонке вовремя выше на {pp} п. п.",
        "en": "The won share is {pp} percentage points higher when the call is on time.",
    },
    "conv_followups_worse": {
        "ru": "Доля выигранных при звонке вовремя ниже на {pp} п. п.",
        "en": "The won share is {pp} percentage points lower when the call is on time.",
    },
    "conv_followups_same": {"ru": "Разницы нет.", "en": "No difference."},
    "conv_followups_one_side": {"ru": "Сравнивать пока не с чем.", "en": "Nothing to compare with yet."},
    "conv_median_days": {"ru": "Медиана дней до закрытия", "en": "Median days to close"},
    # reason groups
    "rg_manager_closed": {"ru": "Закрыл менеджер", "en": "Closed by the manager"},
    "rg_client_declined": {"ru": "Отказ клиента", "en": "Client declined"},
    "rg_client_silent": {"ru": "Клиент пропал", "en": "Client went silent"},
    "rg_unspecified": {"ru": "Не указано", "en": "Unspecified"},
    # trends
    "trends_title": {"ru": "Динамика нарушений", "en": "Rule violations over time"},
    "trends_rule": {"ru": "Правило", "en": "Rule"},
    "trends_empty": {
        "ru": "История копится после каждой синхронизации; сохранено пока: {days}.",
        "en": "History builds up with every sync; stored so far: {days}.",
    },
    "trends_team": {"ru": "Команда", "en": "Team"},
    "trends_managers": {"ru": "Менеджеры", "en": "Managers"},
    "trends_lines": {"ru": "Линии на графике", "en": "Lines on the chart"},
    "trends_most": {
        "ru": "На графике {shown} из {total}: сначала те, у кого больше всего «{rule}» в последний "
              "сохранённый день, других добавьте в списке выше; все менеджеры — в таблице ниже.",
        "en": "The chart shows {shown} of {total} managers: to start with, those with the most “{rule}” on "
              "their last stored day (add others in the list above); all of them are in the table below.",
    },
    "day": {"ru": "День", "en": "Day"},
    "value": {"ru": "Значение", "en": "Value"},
    "change": {"ru": "Изменение", "en": "Change"},
    # about
    "about_title": {"ru": "О данных", "en": "About the data"},
    "about_portal": {"ru": "Портал", "en": "Portal"},
    "about_db": {"ru": "Файл базы", "en": "Database file"},
    "about_tz": {"ru": "Часовой пояс портала", "en": "Portal time zone"},
    "about_currency": {"ru": "Базовая валюта", "en": "Base currency"},
    "about_version": {"ru": "Версия снимка", "en": "Snapshot version"},
    "about_rules": {"ru": "Правила", "en": "Rules in effect"},
    "about_followups": {"ru": "Правила дожима", "en": "Follow-up rules"},
    "about_followups_caption": {
        "ru": "После какого шага клиента менеджер обязан позвонить и в какой срок (рабочие дни — по "
        "календарю портала). Нарушения — в столбце «Без дожима».",
        "en": "After which client step the manager must call back, and within how long (working days by the "
        "portal's calendar). Violations are in the “No follow-up” column.",
    },
    "about_followups_none": {"ru": "Правила дожима не заданы.", "en": "No follow-up rules are set."},
    "about_followup_stage": {
        "ru": "«{name}»: сделка перешла на стадию, в названии которой есть {patterns}, — позвонить не позже "
        "чем через {window}.",
        "en": "“{name}”: the deal enters a stage whose name contains {patterns} — call back within {window}.",
    },
    "about_followup_stage_ids": {
        "ru": "«{name}»: сделка перешла на стадию {ids} — позвонить не позже чем через {window}.",
        "en": "“{name}”: the deal enters the stage {ids} — call back within {window}.",
    },
    "about_followup_meeting": {
        "ru": "«{name}»: встреча по сделке завершилась — позвонить не позже чем через {window}.",
        "en": "“{name}”: a meeting on the deal is over — call back within {window}.",
    },
    "about_followup_invoice": {
        "ru": "Счёт — отдельное правило («На счёте»): позвонить не позже чем через {window} после "
        "выставления.",
        "en": "The invoice is a rule of its own (“At invoice”): call back within {window} of issuing it.",
    },
    "about_rules_file": {"ru": "Файл правил: {path}", "en": "Rules file: {path}"},
    "about_rules_default": {"ru": "Файл правил не задан — действуют значения по умолчанию.",
                            "en": "No rules file — the defaults apply."},
    "about_last_ok": {"ru": "Последняя успешная синхронизация", "en": "Last successful sync"},
    "about_layer": {"ru": "Предрасчёт для быстрых страниц", "en": "Precomputed data for fast pages"},
    "layer_current": {"ru": "актуален", "en": "up to date"},
    "layer_stale_short": {"ru": "устарел: пересчитается при следующей синхронизации (python -m jobs sync)",
                          "en": "out of date: rebuilt by the next sync (python -m jobs sync)"},
    "layer_none": {"ru": "не строился: его строит python -m jobs sync после синхронизации; без него страницы "
                         "больших порталов открываются медленнее",
                   "en": "never built: python -m jobs sync builds it after each sync; without it, pages of "
                         "large portals open more slowly"},
    "about_syncs": {"ru": "История синхронизаций", "en": "Sync history"},
    "about_errors": {"ru": "Ошибки синхронизаций", "en": "Sync errors"},
    "rule_key": {"ru": "Параметр", "en": "Setting"},
    "rule_value": {"ru": "Значение", "en": "Value"},
    "sync_started": {"ru": "Начало", "en": "Started"},
    "sync_finished": {"ru": "Конец", "en": "Finished"},
    "sync_status": {"ru": "Статус", "en": "Status"},
    "sync_mode": {"ru": "Режим", "en": "Mode"},
    "sync_error": {"ru": "Ошибка", "en": "Error"},
    "sync_rows": {"ru": "Строк", "en": "Rows"},
    "sync_duration": {"ru": "Длительность, с", "en": "Duration, s"},
    "run_id": {"ru": "№", "en": "#"},
    "started_at": {"ru": "Начало", "en": "Started"},
    "finished_at": {"ru": "Конец", "en": "Finished"},
    "duration_s": {"ru": "Длительность, с", "en": "Duration, s"},
    "mode": {"ru": "Режим", "en": "Mode"},
    "status": {"ru": "Статус", "en": "Status"},
    "rows_total": {"ru": "Строк записано", "en": "Rows written"},
    "requests_total": {"ru": "Запросов", "en": "Requests"},
    "rejected_total": {"ru": "Отклонено записей", "en": "Records rejected"},
    "error": {"ru": "Ошибка", "en": "Error"},
    # issue 15: safety and about
    "sync_mode_full": {"ru": "полная", "en": "full"},
    "sync_mode_incremental": {"ru": "только изменения", "en": "changes only"},
    "sync_status_ok": {"ru": "успешно", "en": "succeeded"},
    "sync_status_failed": {"ru": "ошибка", "en": "failed"},
    "sync_status_running": {"ru": "идёт", "en": "running"},
    "rule_file_key": {"ru": "Ключ в файле правил", "en": "Key in the rules file"},
    "rk_max_deal_age_days": {"ru": "Сделка считается старой после, дней",
                             "en": "A deal counts as old after, days"},
    "rk_touch_interval_days": {"ru": "Касаться сделки не реже чем раз в, дней",
                               "en": "Touch a deal at least every, days"},
    "rk_invoice_followup_business_days": {"ru": "Касание после выставления счёта в течение, рабочих дней",
                                          "en": "Follow up an invoice within, working days"},
    "rk_min_active_deals": {"ru": "Минимум сделок в работе у менеджера",
                            "en": "Minimum open deals per manager"},
    "rk_timezone": {"ru": "Часовой пояс", "en": "Time zone"},
    "rk_working_days": {"ru": "Рабочие дни", "en": "Working days"},
    "rk_holidays": {"ru": "Праздничные дни", "en": "Holidays"},
    "rk_country": {"ru": "Производственный календарь страны", "en": "Country's public holidays"},
    "rk_invoice_stage_patterns": {"ru": "Стадии счёта: название содержит",
                                  "en": "Invoice stages: the name contains"},
    "rk_invoice_stage_ids": {"ru": "Стадии счёта: коды стадий", "en": "Invoice stages: stage ids"},
    "rk_loss_reason_field": {"ru": "Поле причины проигрыша", "en": "Loss reason field"},
    "rk_loss_reason_group": {"ru": "Причина проигрыша «{group}», если содержит",
                             "en": "Loss reason “{group}” when it contains"},
    "rk_manager_ids": {"ru": "Менеджеры: только эти", "en": "Managers: only these"},
    "rk_exclude_manager_ids": {"ru": "Не считать менеджерами", "en": "Not counted as managers"},
    "rk_attention_window_days": {"ru": "Окно распределения внимания, дней", "en": "Attention window, days"},
    "rk_attention_touches_per_week": {"ru": "Касаний в неделю — уже слишком часто",
                                      "en": "Touches a week that are too many"},
    "rk_default_close_days": {"ru": "Дата закрытия по умолчанию: дата создания плюс, дней",
                              "en": "Default close date: creation plus, days"},
    "rk_win_rate_lookback_months": {"ru": "Конверсия за последние, месяцев",
                                    "en": "Win rate over the last, months"},
    "rk_pipeline": {"ru": "Воронка {id}: {what}", "en": "Pipeline {id}: {what}"},
    "rv_timezone_portal": {"ru": "как в датах портала", "en": "as the portal's dates"},
    "rv_weekdays": {"ru": "пн,вт,ср,чт,пт,сб,вс", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "about_rejected": {"ru": "Пропущенные записи", "en": "Skipped records"},
    "about_rejected_none": {"ru": "Синхронизации не пропускали записей: все записи портала прочитаны.",
                            "en": "No sync has skipped a record: every record of the portal was read."},
    "about_rejected_caption": {
        "ru": "Синхронизация №{run} ({when}) не смогла прочитать эти записи и пропустила их, остальные "
        "данные загружены. Исправьте значения в Bitrix24 — следующая синхронизация их заберёт.",
        "en": "Sync #{run} ({when}) could not read these records and skipped them; everything else was "
        "loaded. Fix the values in Bitrix24 and the next sync picks them up.",
    },
    "stream": {"ru": "Раздел", "en": "Section"},
    "record_id": {"ru": "Запись", "en": "Record"},
    "field": {"ru": "Поле", "en": "Field"},
    "stream_deals": {"ru": "Сделки", "en": "Deals"},
    "stream_activities": {"ru": "Дела", "en": "Activities"},
    "stream_stage_history": {"ru": "История стадий", "en": "Stage history"},
    "stream_invoices": {"ru": "Счета", "en": "Invoices"},
    "stream_users": {"ru": "Сотрудники", "en": "Users"},
    "stream_departments": {"ru": "Отделы", "en": "Departments"},
    "stream_pipelines": {"ru": "Воронки", "en": "Pipelines"},
    "stream_stages": {"ru": "Стадии", "en": "Stages"},
    "stream_currencies": {"ru": "Валюты", "en": "Currencies"},
    # issue 10: leads and clients (pages «Лиды» and «Клиенты», the daily review's line, My backlog's items)
    "rk_lead_idle_days": {"ru": "Лид зависает без касаний дольше, дней",
                          "en": "A lead hangs with no touch for more than, days"},
    "rk_reactivation_days": {"ru": "Вернуть клиента с одной покупкой через, дней",
                             "en": "Bring back a one-time buyer after, days"},
    "page_leads": {"ru": "Лиды", "en": "Leads"},
    "page_clients": {"ru": "Клиенты", "en": "Clients"},
    "leads_title": {"ru": "Лиды", "en": "Leads"},
    "responsible_name": {"ru": "Ответственный", "en": "Responsible"},
    "in_progress_leads": {"ru": "В работе", "en": "In progress"},
    "unprocessed_leads": {"ru": "Необработанные", "en": "Unprocessed"},
    "hanging_leads": {"ru": "Зависшие", "en": "Hanging"},
    "leads_created": {"ru": "Поступило", "en": "New"},
    "leads_untouched": {"ru": "Без ответа", "en": "No response"},
    "speed_to_lead_hours": {"ru": "Реакция, ч", "en": "Speed to lead, h"},
    "lead_title": {"ru": "Лид", "en": "Lead"},
    "lead_url": {"ru": "Лид в CRM", "en": "Lead link"},
    "hours_waiting": {"ru": "Ждёт, ч", "en": "Waiting, h"},
    "status_name": {"ru": "Статус", "en": "Status"},
    "source_name": {"ru": "Источник", "en": "Source"},
    "days_idle": {"ru": "Без касания, дн.", "en": "Idle, days"},
    "never_touched": {"ru": "Ни разу", "en": "Never touched"},
    "in_progress": {"ru": "В работе", "en": "In progress"},
    "converted": {"ru": "Сконвертированы", "en": "Converted"},
    "junk": {"ru": "Некачественные", "en": "Junk"},
    "to_deal": {"ru": "Стали сделкой", "en": "Became a deal"},
    "to_won_deal": {"ru": "Сделка выиграна", "en": "Deal won"},
    "match": {"ru": "Совпадение", "en": "Match"},
    "entity_type": {"ru": "Запись", "en": "Record"},
    "title": {"ru": "Название", "en": "Name"},
    "entity_url": {"ru": "Ссылка", "en": "Link"},
    "owner_name": {"ru": "Ответственный", "en": "Owner"},
    "lead_in_progress": {"ru": "Лид в работе", "en": "Lead in progress"},
    "route_to": {"ru": "Передать", "en": "Route to"},
    "client_name": {"ru": "Клиент", "en": "Client"},
    "client_url": {"ru": "Ссылка", "en": "Link"},
    "client_type": {"ru": "Тип", "en": "Type"},
    "planned": {"ru": "Запланировано", "en": "Planned"},
    "days_overdue": {"ru": "Просрочено, дн.", "en": "Overdue, days"},
    "last_won_at": {"ru": "Последняя покупка", "en": "Last purchase"},
    "interval_days": {"ru": "Обычный интервал, дн.", "en": "Usual interval, days"},
    "matched_on": {"ru": "Совпало по", "en": "Matched on"},
    "matched_value": {"ru": "Что совпало", "en": "Matched value"},
    "outcome": {"ru": "Итог", "en": "Outcome"},
    "closed_at": {"ru": "Закрыта", "en": "Closed"},
    "avg_won_amount": {"ru": "Средний чек", "en": "Average order"},
    "entity_lead": {"ru": "Лид", "en": "Lead"},
    "entity_contact": {"ru": "Контакт", "en": "Contact"},
    "entity_company": {"ru": "Компания", "en": "Company"},
    "match_phone": {"ru": "телефон", "en": "phone"},
    "match_email": {"ru": "e-mail", "en": "e-mail"},
    "match_name": {"ru": "название", "en": "name"},
    "outcome_open": {"ru": "в работе", "en": "open"},
    "outcome_won": {"ru": "выиграна", "en": "won"},
    "outcome_lost": {"ru": "проиграна", "en": "lost"},
    "leads_tiles_caption": {"ru": "Лиды сейчас; поступившие — за {month}",
                            "en": "Leads now; new ones in {month}"},
    "help_unprocessed_leads": {
        "ru": "Лиды в работе, созданные до начала сегодняшнего дня, по которым нет ни одного завершённого "
        "дела: каждый лид обрабатывают в день поступления.",
        "en": "Leads in progress created before the start of today with no completed activity: every lead is "
        "processed the day it arrives.",
    },
    "help_hanging_leads": {
        "ru": "Лиды в работе, которых не касались больше {days} (если касаний не было — с создания).",
        "en": "Leads in progress with no touch for more than {days} (since creation when never touched).",
    },
    "help_speed_to_lead_hours": {
        "ru": "Медиана часов от создания лида до первого завершённого дела по лидам, поступившим за месяц; "
        "«Без ответа» — сколько из них не получили ни одного.",
        "en": "The median hours from a lead's creation to its first completed activity, over the month's new "
        "leads; “No response” counts those that got none.",
    },
    "leads_by_responsible": {"ru": "По ответственным", "en": "By responsible"},
    "leads_by_responsible_hint": {
        "ru": "Хуже всего сверху (зависшие и необработанные). «Реакция» — медиана часов от поступления лида "
        "за {month} до первого завершённого дела.",
        "en": "Worst first (hanging plus unprocessed). “Speed to lead” is the median hours from a lead's "
        "arrival in {month} to its first completed activity.",
    },
    "leads_unprocessed_title": {"ru": "Необработанные лиды", "en": "Unprocessed leads"},
    "leads_hanging_title": {"ru": "Зависшие лиды", "en": "Hanging leads"},
    "leads_funnel_title": {"ru": "Воронка лидов — {month}", "en": "Lead funnel — {month}"},
    "leads_funnel_hint": {
        "ru": "Лиды, поступившие за месяц: где они сейчас и сколько из них стали сделкой.",
        "en": "The month's new leads: where they are now and how many became a deal.",
    },
    "funnel_by_source": {"ru": "По источникам", "en": "By source"},
    "funnel_by_manager": {"ru": "По ответственным", "en": "By responsible"},
    "dupes_title": {"ru": "Дубли: передать владельцу клиента",
                    "en": "Duplicates: route to the client's owner"},
    "dupes_hint": {
        "ru": "Лиды в работе, чей телефон или e-mail совпадает с другим лидом, контактом или "
        "компанией. Первой в группе идёт запись-владелец; «Передать» — кому отдать лид.",
        "en": "Leads in progress whose phone or e-mail matches another lead, contact or company. Each group "
        "starts with the owning record; “Route to” says whom the lead goes to.",
    },
    "dupes_count": {"ru": "Групп: {groups}; лидов в работе в них: {leads}.",
                    "en": "Groups: {groups}; leads in progress in them: {leads}."},
    "planned_day_title": {"ru": "Плановые сделки дня — {day}", "en": "The day's planned deals — {day}"},
    "planned_month_title": {"ru": "Плановые сделки месяца — {month}",
                            "en": "The month's planned deals — {month}"},
    "planned_total": {"ru": "{deals} на {amount}", "en": "{deals} worth {amount}"},
    "planned_hint": {
        "ru": "Сделки, созданные за день или месяц: клиент, менеджер, сумма, ожидаемая дата закрытия и лид, "
        "из которого сделка пришла, — таблица для прогноза.",
        "en": "Deals created in the day or month: client, manager, amount, expected close date and the lead "
        "it came from — the table the forecast is built on.",
    },
    "clients_title": {"ru": "Клиенты", "en": "Clients"},
    "reactivation_title": {"ru": "Пора вернуть", "en": "Due for reactivation"},
    "reactivation_hint": {
        "ru": "Клиенты без открытых сделок, которые не покупали дольше своего обычного интервала между "
        "покупками (купившие один раз — дольше {days}). Сначала те, с кем ничего не запланировано; внутри — "
        "самые ценные. Выберите строку — откроется карточка клиента.",
        "en": "Clients with no open deal who have not bought for longer than their usual interval between "
        "purchases (longer than {days} for those who bought once). Those with nothing planned first; the "
        "most valuable first within. Select a row to open the client's card.",
    },
    "reactivation_count": {"ru": "Пора вернуть: {n}; из них ничего не запланировано: {m}.",
                           "en": "Due: {n}; nothing planned for {m}."},
    "search_label": {"ru": "Найти клиента", "en": "Find a client"},
    "search_placeholder": {"ru": "Название, телефон или e-mail — в любом виде",
                           "en": "Name, phone or e-mail — written any way"},
    "search_none": {"ru": "По запросу «{q}» никого не нашлось.", "en": "Nobody found for “{q}”."},
    "search_found": {"ru": "Найдено: {n}. Выберите строку — откроется карточка клиента.",
                     "en": "Found: {n}. Select a row to open the client's card."},
    "client_pick_hint": {
        "ru": "Найдите клиента или выберите строку в списке «Пора вернуть» — здесь откроется его карточка.",
        "en": "Find a client or select a row of “Due for reactivation” — their card opens here.",
    },
    "card_owner": {"ru": "Ответственный: {owner}", "en": "Owner: {owner}"},
    "card_open": {"ru": "Открыть в Bitrix24", "en": "Open in Bitrix24"},
    "card_last_activity": {"ru": "Последнее дело: {subject} — {when}",
                           "en": "Last activity: {subject} — {when}"},
    "card_next_activity": {"ru": "Следующее дело: {subject} — {when}",
                           "en": "Next activity: {subject} — {when}"},
    "card_next_overdue": {"ru": "Дело просрочено: {subject} — срок был {when}",
                          "en": "Activity overdue: {subject} — it was due {when}"},
    "card_no_last": {"ru": "Дел по клиенту ещё не было.", "en": "No activity with this client yet."},
    "card_no_next": {"ru": "Следующего дела нет — клиент ни у кого в планах.",
                     "en": "No next activity — the client is in nobody's plans."},
    "card_contacts": {"ru": "Контакты", "en": "Contacts"},
    "card_history": {"ru": "История сделок", "en": "Deal history"},
    "card_missing": {"ru": "Клиента нет в текущем снимке (удалён или вне вашей видимости).",
                     "en": "The client is not in the current snapshot (deleted or outside your view)."},
    "daily_leads_line": {"ru": "**Лиды:** необработанных — {unprocessed}, зависших — {hanging}.",
                         "en": "**Leads:** unprocessed — {unprocessed}, hanging — {hanging}."},
    "daily_leads_link": {"ru": "Открыть «Лиды»", "en": "Open Leads"},
    "backlog_leads_title": {"ru": "Лиды, ждущие действия: {n}", "en": "Leads needing action: {n}"},
    "backlog_leads_order": {
        "ru": "Сначала необработанные, от новых к старым: свежий лид купит скорее. Затем зависшие: первыми "
        "те, кто замолчал последним, — их проще вернуть.",
        "en": "Unprocessed first, newest first: a fresh lead is likelier to buy. Then hanging ones, the last "
        "to go quiet first: they are the easiest to win back.",
    },
    "backlog_clients_title": {"ru": "Клиенты, которых пора вернуть: {n}",
                              "en": "Clients due for reactivation: {n}"},
    "backlog_clients_order": {
        "ru": "Сначала те, с кем ничего не запланировано; внутри — самые ценные.",
        "en": "Those with nothing planned first; the most valuable first within.",
    },
    "act_lead_unprocessed": {"ru": "Обработайте лид: ждёт {hours}",
                             "en": "Process the lead: waiting {hours}"},
    "act_lead_never": {"ru": "Свяжитесь: лид не трогали ни разу, {days}",
                       "en": "Get in touch: never touched, {days}"},
    "act_lead_hanging": {"ru": "Свяжитесь снова: без касаний {days}",
                         "en": "Get back in touch: idle for {days}"},
    "act_reactivate": {"ru": "Предложите повторную покупку", "en": "Offer a repeat purchase"},
    "act_reactivate_planned": {"ru": "В плане: проведите запланированное дело",
                               "en": "Planned: carry out the planned activity"},
    # About: the export audit, the [access] keys, the digest log
    "about_exports": {"ru": "Выгрузки", "en": "Exports"},
    "about_exports_caption": {"ru": "Кто, когда и что выгружал (CSV, Excel, JSON), новые сверху; оператор — "
                                    "запуск без входа на этом компьютере.",
                              "en": "Who exported what and when (CSV, Excel, JSON), newest first; the "
                                    "operator is a run without sign-in on this computer."},
    "about_exports_none": {"ru": "Выгрузок ещё не было.", "en": "No exports yet."},
    "rk_access.admins": {"ru": "Администраторы (кроме владельца вебхука), id пользователей",
                         "en": "Admins (besides the webhook's owner), user ids"},
    "rk_access.export": {"ru": "Могут выгружать (кроме администраторов и руководителей), id",
                         "en": "May export (besides admins and heads), user ids"},
    "rk_access.no_export": {"ru": "Не могут выгружать, id", "en": "May not export, user ids"},
    "rk_access.managers": {"ru": "Считать менеджерами, даже если руководят отделом, id",
                           "en": "Plain managers even if they head a department, user ids"},
    "rk_access.heads": {"ru": "Пользователь {id} руководит отделами", "en": "User {id} heads departments"},
    "about_digests": {"ru": "Утренние дайджесты", "en": "Morning digests"},
    "about_digests_none": {"ru": "Дайджесты ещё не отправлялись.", "en": "No digest has been sent yet."},
    "about_digests_caption": {"ru": "Кому и что отправлено (новые сверху), со строкой ошибки при сбое.",
                              "en": "What was sent to whom (newest first), with the failure line when one "
                                    "failed."},
    "about_digests_settings": {
        "ru": "Настройки [digest]: отправка после {send_after} по времени портала; «всё в порядке» — "
              "{all_clear}; e-mail — {email}; до {max_items} пунктов в списке; данные свежие, если "
              "синхронизация была не раньше {fresh_hours} ч назад; не получают: {opt_out}.",
        "en": "[digest] settings: sent after {send_after} portal time; all-clear: {all_clear}; e-mail: "
              "{email}; up to {max_items} items per list; data fresh when synced within {fresh_hours} h; "
              "opted out: {opt_out}."},
    "word_yes": {"ru": "да", "en": "yes"},
    "word_no": {"ru": "нет", "en": "no"},
    "digest_col_day": {"ru": "День", "en": "Day"},
    "digest_col_at": {"ru": "Когда (UTC)", "en": "At (UTC)"},
    "digest_col_recipient_id": {"ru": "ID", "en": "ID"},
    "digest_col_recipient_name": {"ru": "Получатель", "en": "Recipient"},
    "digest_col_channel": {"ru": "Канал", "en": "Channel"},
    "digest_col_kind": {"ru": "Вид", "en": "Kind"},
    "digest_col_status": {"ru": "Итог", "en": "Result"},
    "digest_col_items": {"ru": "Пунктов", "en": "Items"},
    "digest_col_chars": {"ru": "Символов", "en": "Characters"},
    "digest_col_error": {"ru": "Ошибка", "en": "Error"},
    "digest_channel_im": {"ru": "Битрикс24", "en": "Bitrix24"},
    "digest_channel_email": {"ru": "e-mail", "en": "e-mail"},
    "digest_kind_manager": {"ru": "менеджеру", "en": "manager"},
    "digest_kind_head": {"ru": "руководителю", "en": "head"},
    "digest_kind_all_clear": {"ru": "всё в порядке", "en": "all clear"},
    "digest_kind_stale": {"ru": "данные устарели", "en": "stale data"},
    "digest_status_sent": {"ru": "отправлен", "en": "sent"},
    "digest_status_failed": {"ru": "сбой", "en": "failed"},
    "digest_status_dry_run": {"ru": "пробный", "en": "dry run"},
    "digest_status_skipped": {"ru": "пропущен", "en": "skipped"},
}


_SPOKEN = threading.local()  # the language fixed by `speaking` for this thread


def lang() -> str:
    """The current language: the sidebar switch's value (bound to `?lang=`), Russian by default."""
    value = getattr(_SPOKEN, "lang", None) or st.session_state.get(LANG_KEY)
    return value if value in LANGS else DEFAULT_LANG


@contextmanager
def speaking(lg: str) -> Iterator[None]:
    """Words in `lg` inside the block, for code that runs outside the page's run (a download's file is
    built after the click, where there is no session to read the language from)."""
    before = getattr(_SPOKEN, "lang", None)
    _SPOKEN.lang = lg
    try:
        yield
    finally:
        _SPOKEN.lang = before


def t(key: str, **fields: object) -> str:
    entry = TEXTS.get(key)
    text = key if entry is None else entry.get(lang()) or entry[DEFAULT_LANG]
    return text.format(**fields) if fields else text


def has(key: str) -> bool:
    return key in TEXTS


# Nouns by plural category (CLDR, through Babel): Russian one / few / many (other for fractions), English
# one / other. The nominative forms: a text puts a count where Russian uses the nominative or accusative
# ("за 21 день", "больше, чем 5 дней").
NOUNS: dict[str, dict[str, dict[str, str]]] = {
    "day": {"ru": {"one": "день", "few": "дня", "many": "дней", "other": "дня"},
            "en": {"one": "day", "other": "days"}},
    "working_day": {"ru": {"one": "рабочий день", "few": "рабочих дня", "many": "рабочих дней",
                           "other": "рабочего дня"},
                    "en": {"one": "working day", "other": "working days"}},
    "deal": {"ru": {"one": "сделка", "few": "сделки", "many": "сделок", "other": "сделки"},
             "en": {"one": "deal", "other": "deals"}},
    "hour": {"ru": {"one": "час", "few": "часа", "many": "часов", "other": "часа"},
             "en": {"one": "hour", "other": "hours"}},
    "lead": {"ru": {"one": "лид", "few": "лида", "many": "лидов", "other": "лида"},
             "en": {"one": "lead", "other": "leads"}},
    "client": {"ru": {"one": "клиент", "few": "клиента", "many": "клиентов", "other": "клиента"},
               "en": {"one": "client", "other": "clients"}},
}


def plural(n: float, noun: str) -> str:
    """The form of `noun` that goes with the number n in the current language (`дня` for 2, 22, 104)."""
    lg = lang()
    forms = NOUNS[noun].get(lg) or NOUNS[noun][DEFAULT_LANG]
    category = Locale(lg).plural_form(abs(n))
    return forms.get(category) or forms["other"]


def count_of(n: int, noun: str) -> str:
    """`21 день`, `2 дня`, `1 094 дня` / `1 day`, `1,094 days` (the number as the language writes it)."""
    return f"{formatting.integer(n, lang())}\u00a0{plural(n, noun)}"


# Reason codes from the list metrics (queries/sql/*.sql `reason`), with their numbers pulled out.
REASONS: list[tuple[str, dict[str, str]]] = [
    (r"never_touched", {"ru": "ни одного касания", "en": "never touched"}),
    (r"no_touch_(\d+)_days", {"ru": "нет касаний дольше {0} дн.", "en": "no touch for over {0} days"}),
    (r"no_followup_(\d+)_business_days",
     {"ru": "нет касания {0} раб. дн. после выставления счёта",
      "en": "no follow-up {0} working days after the invoice"}),
    (r"no_followup_([a-z][a-z0-9_]*?)_(\d+)_business_days",  # a follow-up rule's key, then its window
     {"ru": "нет касания {1} раб. дн. после шага клиента", "en": "no touch {1} working days after the step"}),
    (r"stale_(\d+)_days_in_invoice",
     {"ru": "на стадии счёта нет касаний дольше {0} дн.",
      "en": "no touch for over {0} days at the invoice stage"}),
    (r"no_planned_activity", {"ru": "нет запланированного дела", "en": "no planned activity"}),
    (r"older_than_(\d+)_days", {"ru": "сделка старше {0} дн.", "en": "deal older than {0} days"}),
    (r"overdue_(\d+)_days?", {"ru": "дело просрочено на {0} дн.", "en": "activity {0} days overdue"}),
    (r"overdue(_activity)?", {"ru": "просроченное дело", "en": "overdue activity"}),
    (r"incoming_waiting_since_(\d{4})-(\d{2})-(\d{2})",
     {"ru": "входящее ждёт ответа с {2}.{1}.{0}", "en": "incoming waiting since {0}-{1}-{2}"}),
    (r"pushed_(\d+)_days?", {"ru": "дата закрытия сдвинута на {0} дн.", "en": "close date pushed {0} days"}),
    (r"default_close_date", {"ru": "дата закрытия по умолчанию", "en": "default close date"}),
    (r"past_close_date", {"ru": "дата закрытия в прошлом", "en": "close date in the past"}),
    (r"no_close_date", {"ru": "нет даты закрытия", "en": "no close date"}),
    (r"pushed", {"ru": "дату закрытия переносили", "en": "close date was pushed"}),
    (r"ok", {"ru": "", "en": ""}),
    (r"unprocessed_incoming", {"ru": "необработанное входящее", "en": "unprocessed incoming"}),
    (r"incoming_not_processed", {"ru": "необработанное входящее", "en": "unprocessed incoming"}),
]


def reason(code: object) -> str:
    """A metric's reason code in words (`no_touch_14_days` -> `нет касаний дольше 14 дн.`)."""
    import re

    if not isinstance(code, str) or not code:
        return ""
    parts = []
    for one in code.split(","):  # a backlog row may list several reasons
        one = one.strip()
        for pattern, texts in REASONS:
            match = re.fullmatch(pattern, one)
            if match:
                parts.append(texts.get(lang(), texts[DEFAULT_LANG]).format(*match.groups()))
                break
        else:
            parts.append(t(one) if has(one) else one.replace("_", " "))
    return "; ".join(parts)
