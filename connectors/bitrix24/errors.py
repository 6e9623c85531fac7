"""Bitrix24 errors: one class per thing the user (or the scheduler) must do differently.

Every exception has `.user_message` (one line: what is wrong and what to do, never the webhook secret) and
`.exit_code` (0 ok, 1 failed, 75 back off / try later, 78 bad configuration).

`classify()` turns an HTTP status and body into one of them. Bitrix24 is loose about codes (`""`, `0`,
upper or lower case, or only a text such as "Access denied."), so it looks at the status, then the code,
then the description text.
"""

from __future__ import annotations

import re
from typing import Any

EXIT_FAILED = 1
EXIT_BACKOFF = 75
EXIT_CONFIG = 78

# Scope a method needs, by method prefix (to name it when the webhook lacks it).
_SCOPES = (("crm.", "crm"), ("user.", "user"), ("department.", "department"), ("batch", "crm"))


class Bitrix24Error(Exception):
    """Base: a failed call. `code`/`description` as Bitrix24 sent them, `http_status` (0 if no reply)."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, code: str = "", description: str = "", http_status: int = 0,
                 method: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.description = description
        self.http_status = http_status
        self.method = method

    @property
    def user_message(self) -> str:
        return " ".join(self.message.split())  # one line

    def __str__(self) -> str:
        return self.user_message


class ConfigError(Bitrix24Error):
    """Wrong or unusable configuration: URL, token, scope, plan, https, unknown method. Fix and rerun."""

    exit_code = EXIT_CONFIG


class PortalUnreachable(Bitrix24Error):
    """DNS or connection failures, even after retries."""


class UnknownHost(PortalUnreachable):
    """The portal's host name does not exist: a typo in the address, not worth retrying."""


class ServerError(Bitrix24Error):
    """5xx, HTML or garbled replies, timeouts, dropped connections, even after retries."""


class RequestError(Bitrix24Error):
    """The portal refused a call as malformed (bad filter, unknown field, not found): a bug on our side."""


class BackoffRequested(Bitrix24Error):
    """The portal asked us to stop (OVERLOAD_LIMIT), or its limits did not clear within the allowed wait."""

    exit_code = EXIT_BACKOFF


class RateLimited(BackoffRequested):
    """A limit the client waits out by itself; only escapes as BackoffRequested when waiting too long."""


class QueryLimitExceeded(RateLimited):
    """503 QUERY_LIMIT_EXCEEDED: the portal-wide leaky bucket is full."""


class OperationTimeLimit(RateLimited):
    """429 OPERATION_TIME_LIMIT: this method used its time budget; other methods still work."""


class BatchCommandError(Bitrix24Error):
    """An error inside a batch's `result_error`; `.key` is the command key, `.cause` the classified error."""

    def __init__(self, message: str, *, key: str, cause: Bitrix24Error | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.key = key
        self.cause = cause
        if cause is not None:
            self.exit_code = cause.exit_code


def scope_of(method: str) -> str:
    name = method.lower()
    for prefix, scope in _SCOPES:
        if name.startswith(prefix):
            return scope
    return name.split(".", 1)[0] or "?"


def _norm_code(code: Any) -> str:
    if code is None or code == 0 or code is False:
        return ""
    return str(code).strip().upper()


def _what(method: str) -> str:
    return f" calling {method}" if method else ""


def _by_code(code: str, status: int, text: str, method: str) -> Bitrix24Error | None:
    """Known codes. Returns None for an empty or unknown code."""
    kw = {"code": code, "description": text, "http_status": status, "method": method}
    if code == "QUERY_LIMIT_EXCEEDED":
        return QueryLimitExceeded("Bitrix24 rate limit hit (too many requests); wait and retry", **kw)
    if code == "OPERATION_TIME_LIMIT":
        return OperationTimeLimit(f"Bitrix24 time budget of {method or 'a method'} used up; "
                                  "wait for it to reset", **kw)
    if code == "OVERLOAD_LIMIT":
        return BackoffRequested("Bitrix24 blocked this portal's REST access for overload; "
                                "contact Bitrix24 support, then retry later", **kw)
    if code in ("NO_AUTH_FOUND", "INVALID_TOKEN", "EXPIRED_TOKEN", "WRONG_AUTH_TYPE"):
        return ConfigError("Bitrix24 rejected the webhook (wrong or expired code); create a new inbound "
                           "webhook and update BITRIX24_WEBHOOK_URL", **kw)
    if code in ("AUTHORIZATION_ERROR", "USER_ACCESS_ERROR", "INVALID_CREDENTIALS"):
        return ConfigError("the webhook's user cannot use the REST API (dismissed, or lacks rights); create "
                           "the webhook as an administrator", **kw)
    if code == "METHOD_CONFIRM_WAITING":
        return ConfigError(f"a portal administrator must approve{_what(method)} first", **kw)
    if code in ("INSUFFICIENT_SCOPE", "INVALID_SCOPE"):
        scope = scope_of(method) if method else "crm, user, department"
        return ConfigError(f"the webhook lacks the '{scope}' scope; edit the inbound webhook and tick "
                           "crm, user and department", **kw)
    if code == "ACCESS_DENIED":
        return _access_denied(text, kw)
    if code == "INVALID_REQUEST" and "https" in text.lower():
        return ConfigError("Bitrix24 requires https; use the https:// webhook URL", **kw)
    if code in ("ERROR_METHOD_NOT_FOUND", "METHOD_NOT_FOUND"):
        return ConfigError(f"the portal does not offer{_what(method) or ' this method'}; check the plan and "
                           "the webhook's scopes", **kw)
    if code == "PORTAL_DELETED":
        return ConfigError("the Bitrix24 portal was deleted; check the webhook URL", **kw)
    if code in ("INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER"):
        return ServerError(f"Bitrix24 server error{_what(method)}; try again later", **kw)
    if code in ("ERROR_BATCH_LENGTH_EXCEEDED", "ERROR_BATCH_METHOD_NOT_ALLOWED"):
        return RequestError(f"bad batch request ({code}); this is a bug in Dozhim", **kw)
    if code == "ALLOWED_ONLY_INTRANET_USER":
        return ConfigError("the webhook belongs to an extranet user; create it as an employee "
                           "administrator", **kw)
    if code:
        return RequestError(f"Bitrix24 refused{_what(method)}: {code} {text}".strip(), **kw)
    return None


def _access_denied(text: str, kw: dict[str, Any]) -> ConfigError:
    if "commercial" in text.lower() or "plan" in text.lower():
        return ConfigError("REST API is not available on this Bitrix24 plan; it needs a paid plan with a "
                           "Market subscription (or the trial)", **kw)
    return ConfigError("access denied by Bitrix24; the webhook's user needs rights to read all CRM data "
                       "(use an administrator's webhook)", **kw)


# Empty-code replies of the classic methods, matched by their text (as the PHP SDK does).
_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"too many requests", re.I), "QUERY_LIMIT_EXCEEDED"),
    (re.compile(r"operation time limit", re.I), "OPERATION_TIME_LIMIT"),
    (re.compile(r"wrong authorization data|invalid token|token.*expired", re.I), "NO_AUTH_FOUND"),
    (re.compile(r"commercial plans?", re.I), "ACCESS_DENIED"),
    (re.compile(r"access denied", re.I), "ACCESS_DENIED"),
    (re.compile(r"https required", re.I), "INVALID_REQUEST"),
    (re.compile(r"method not found", re.I), "ERROR_METHOD_NOT_FOUND"),
    (re.compile(r"higher privileges|insufficient scope", re.I), "INSUFFICIENT_SCOPE"),
)


def _by_status(status: int, text: str, method: str, code: str) -> Bitrix24Error:
    kw = {"code": code, "description": text, "http_status": status, "method": method}
    if status == 429:
        return OperationTimeLimit(f"Bitrix24 time budget of {method or 'a method'} used up", **kw)
    if status == 401:
        return _by_code("NO_AUTH_FOUND", status, text, method) or ConfigError("auth failed", **kw)
    if status == 403:
        return _access_denied(text, kw)
    if status >= 500:
        return ServerError(f"Bitrix24 answered HTTP {status}{_what(method)}; try again later", **kw)
    shown = f": {text}" if text else ""
    return RequestError(f"Bitrix24 refused{_what(method)} (HTTP {status}){shown}", **kw)


def classify(http_status: int, body: dict | str | None, *, method: str = "") -> Bitrix24Error | None:
    """The error a reply means, or None if it is a success. `body` is parsed JSON, raw text, or None."""
    if isinstance(body, dict):
        has_error = "error" in body and not ("result" in body and not body.get("error"))
        code = _norm_code(body.get("error")) if has_error else ""
        raw = body.get("error_description") or ""
        text = " ".join(str(raw).split())[:300]
        if not has_error and 200 <= http_status < 300:
            return None
        if http_status == 503 and code not in ("OVERLOAD_LIMIT", "QUERY_LIMIT_EXCEEDED"):
            # 503 with some other JSON: the bucket is the usual reason, but a real outage looks the same.
            if code or "limit" in text.lower() or "too many" in text.lower():
                return QueryLimitExceeded("Bitrix24 rate limit hit (503); wait and retry", code=code,
                                          description=text, http_status=503, method=method)
            return ServerError(f"Bitrix24 answered HTTP 503{_what(method)}; try again later",
                               code=code, description=text, http_status=503, method=method)
        found = _by_code(code, http_status, text, method)
        if found is not None:
            return found
        for pattern, implied in _TEXT_RULES:
            if pattern.search(text):
                return _by_code(implied, http_status, text, method)
        if 200 <= http_status < 300:
            # A batch command's error ({"error": "", "error_description": "Not found"}) has no status.
            return RequestError(f"Bitrix24 refused{_what(method)}: {text or 'unknown error'}",
                                code=code, description=text, http_status=http_status, method=method)
        return _by_status(http_status, text, method, code)
    # Not JSON: a proxy's HTML page, a truncated body, nothing at all.
    if 200 <= http_status < 300 and body is None:
        return ServerError(f"Bitrix24 sent an empty reply{_what(method)}", http_status=http_status,
                           method=method)
    if http_status in (401, 403, 404) and body is not None:
        return ConfigError(f"the webhook address answered HTTP {http_status} with a web page, not the REST "
                           "API; check the webhook URL", http_status=http_status, method=method)
    return ServerError(f"Bitrix24 sent a non-JSON reply (HTTP {http_status}){_what(method)}; try again later",
                       http_status=http_status, method=method)
