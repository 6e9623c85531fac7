"""The one exception every sign-in check raises, and the one line each reason gets.

The lines never hold a token, code, ticket or secret, so they can be shown and logged as they are: the log
gets the English line, the page the line in the page's language.
"""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {  # code -> (English, Russian)
    "not_configured": ("sign-in through Bitrix24 is not configured here",
                       "вход через Bitrix24 здесь не настроен"),
    "no_member_id": ("B24_MEMBER_ID is not set, so no portal's frame can be trusted",
                     "не задан B24_MEMBER_ID — запросу из портала нельзя доверять"),
    "wrong_member_id": ("the request came from another Bitrix24 portal (member_id does not match)",
                        "запрос пришёл из другого портала Bitrix24 (member_id не совпадает)"),
    "missing_field": ("the request lacks a field Bitrix24 always sends",
                      "в запросе нет поля, которое Bitrix24 всегда передаёт"),
    "token_expired": ("Bitrix24 says the access token has expired",
                      "Bitrix24 сообщает, что ключ доступа истёк"),
    "token_invalid": ("Bitrix24 does not know the access token (another portal's, or forged)",
                      "Bitrix24 не знает этот ключ доступа (чужой портал или подделка)"),
    "foreign_app": ("the access token belongs to another application on the portal, not to this one",
                    "ключ доступа выдан другому приложению портала, а не этому"),
    "portal_error": ("the Bitrix24 portal did not confirm who you are",
                     "портал Bitrix24 не подтвердил, кто вы"),
    "portal_unreachable": ("the Bitrix24 portal did not answer",
                           "портал Bitrix24 не ответил"),
    "code_refused": ("Bitrix24 refused the sign-in code (expired, used, or another application's)",
                     "Bitrix24 отклонил код входа (истёк, уже использован или выдан другому приложению)"),
    "state_mismatch": ("the sign-in did not start here, or started in another browser (state mismatch)",
                       "вход начат не здесь или в другом браузере (state не совпадает)"),
    "state_expired": ("the sign-in took too long; start it again",
                      "вход занял слишком долго; начните заново"),
    "ticket_unknown": ("the sign-in ticket is unknown or was already used",
                       "билет входа неизвестен или уже использован"),
    "ticket_expired": ("the sign-in ticket has expired", "билет входа истёк"),
    "cookie_forged": ("the session cookie is not signed by this app (forged or altered)",
                      "cookie сессии подписан не этим приложением (подделан или изменён)"),
    "cookie_expired": ("the session has expired", "сессия истекла"),
    "not_in_snapshot": ("the user is not in the data snapshot", "пользователя нет в данных"),
    "dismissed": ("the user is dismissed", "пользователь уволен"),
    "no_snapshot": ("the data snapshot cannot be read (not synced yet, or a broken rules file)",
                    "данные нельзя прочитать (ещё нет синхронизации или ошибка в файле правил)"),
    "no_proxy_user": ("the trusted proxy sent no Bitrix24 user id",
                      "прокси не передал id пользователя Bitrix24"),
    "not_local": ("sign-in is off, so only this computer (localhost) may open the dashboard",
                  "вход не настроен, поэтому панель открывается только на этом компьютере (localhost)"),
}


class SignInRefused(Exception):
    """A sign-in that must not go on; `status` is the HTTP status of the refusal page. `detail` (one line,
    no secrets, e.g. the viewer check's own message) goes to the log beside the stock line."""

    def __init__(self, code: str, status: int = 403, detail: str | None = None) -> None:
        self.code = code
        self.status = status
        self.detail = detail
        english = REASONS[code][0]
        super().__init__(f"{english} ({detail})" if detail else english)

    def line(self, lang: str = "ru") -> str:
        """The line the page shows."""
        english, russian = REASONS[self.code]
        return russian if lang == "ru" else english
