"""The sandbox portal's HTML pages for sign-in: the OAuth authorize page (pick a user), the portal page
(sign in as a user, a left menu with the app), the page that frames the app, and the frame's document that
POSTs the application form to the app, as Bitrix24 opens a local application.

Rendering only: every value from the store (names, positions, departments) and every URL is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from connectors.sandbox.portal_people import Person

APP_TITLE = "Dozhim"
FRAME_NAME = "app-frame"

_STYLE = """<style>
body{font-family:sans-serif;margin:0;display:flex;min-height:100vh}
nav{width:200px;background:#2fc6f6;color:#fff;padding:16px;box-sizing:border-box}
nav a{color:#fff;display:block;margin:6px 0}
main{flex:1;padding:16px}
iframe{width:100%;height:calc(100vh - 80px);border:1px solid #ccc}
li{margin:4px 0}
</style>"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _document(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="ru"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"{_STYLE}</head>\n<body>{body}</body></html>\n")


def _who(person: Person) -> str:
    """'Дарья Воробьёва — Руководитель отдела продаж, руководитель: Коммерческий департамент'."""
    text = f"<b>{_e(person.name)}</b>"
    if person.position:
        text += f" — {_e(person.position)}"
    if person.heads:
        text += ", руководитель: " + ", ".join(_e(d) for d in person.heads)
    return text


def error_page(text: str) -> str:
    """One line, as every refusal is shown."""
    return _document("Ошибка", f"<main><p>{_e(text)}</p></main>")


def authorize_page(people: list[tuple[Person, str]], app_title: str = APP_TITLE) -> str:
    """The authorize page: each active user with the link that signs in as them and returns to the app."""
    items = "\n".join(f'<li><a href="{_e(link)}">{_who(person)}</a></li>' for person, link in people)
    body = (f"<main><h1>Вход в приложение «{_e(app_title)}»</h1>"
            "<p>Песочница Bitrix24: выберите, под каким пользователем портала войти.</p>"
            f"<ul>\n{items}\n</ul></main>")
    return _document("Авторизация", body)


def _menu(app_link: str) -> str:
    return (f'<nav><p><b>Песочница Bitrix24</b></p><a href="/portal/">Сотрудники</a>'
            f'<a href="{_e(app_link)}">{_e(APP_TITLE)}</a></nav>')


def portal_page(people: list[tuple[Person, str]], signed_in: Person | None) -> str:
    """`/portal/`: who is signed in, the left menu with the app, and a link per user to sign in as them."""
    who = (f"<p>Вы вошли как {_who(signed_in)}. <a href=\"/portal/?as=0\">Выйти</a></p>" if signed_in
           else "<p>Вы не вошли. Выберите пользователя.</p>")
    items = "\n".join(f'<li><a href="{_e(link)}">Войти как {_who(person)}</a></li>'
                      for person, link in people)
    body = f"{_menu('/portal/app/')}<main><h1>Портал</h1>{who}<ul>\n{items}\n</ul></main>"
    return _document("Портал", body)


def app_page(signed_in: Person, frame_src: str) -> str:
    """`/portal/app/`: the app inside the portal's layout, in an iframe, as Bitrix24 shows an app."""
    body = (f"{_menu('/portal/app/')}<main><p>{_who(signed_in)}</p>"
            f'<iframe name="{FRAME_NAME}" src="{_e(frame_src)}" title="{_e(APP_TITLE)}"></iframe></main>')
    return _document(APP_TITLE, body)


def frame_page(action: str, fields: dict[str, str]) -> str:
    """The frame's document: a form POSTed to the app at once (the submit button is for no-script)."""
    inputs = "\n".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">' for k, v in fields.items())
    body = (f'<form id="b24form" method="post" action="{_e(action)}" target="_self">\n{inputs}\n'
            '<noscript><button type="submit">Открыть приложение</button></noscript></form>'
            "<script>document.getElementById('b24form').submit();</script>")
    return _document(APP_TITLE, body)
