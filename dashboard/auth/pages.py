"""The small HTML pages the routes answer: a refusal (one line) and the installed-application page."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

SIGN_IN = {"ru": "Войти через Bitrix24", "en": "Sign in with Bitrix24"}
TITLE = {"ru": "Дожим: вход не выполнен", "en": "Dozhim: not signed in"}
REFUSED = {"ru": "Вход не выполнен: {line}.", "en": "Not signed in: {line}."}
INSTALLED = {"ru": "Приложение «Дожим» установлено.", "en": "The Dozhim application is installed."}
OPEN = {"ru": "Открыть «Дожим»", "en": "Open Dozhim"}


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width"></head>'
            f'<body style="font-family:sans-serif;margin:2rem">{body}</body></html>')
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def refusal_page(line: str, lang: str, status: int, sign_in_link: bool) -> HTMLResponse:
    link = f'<p><a href="/b24/login" target="_top">{SIGN_IN[lang]}</a></p>' if sign_in_link else ""
    text = escape(REFUSED[lang].format(line=line))
    return _page(lang, TITLE[lang], f'<p role="alert">{text}</p>{link}', status)


def installed_page(lang: str, app_url: str) -> HTMLResponse:
    """Bitrix24 waits for BX24.installFinish() from an install page; its library is loaded from Bitrix24's
    own address as its docs say, and a portal without it (the sandbox) just shows the page."""
    body = (f"<p>{INSTALLED[lang]}</p><p><a href=\"{escape(app_url)}\">{OPEN[lang]}</a></p>"
            '<script src="https://api.bitrix24.com/api/v1/"></script>'
            "<script>if (window.BX24) { BX24.init(function () { BX24.installFinish(); }); }</script>")
    return _page(lang, INSTALLED[lang], body)
