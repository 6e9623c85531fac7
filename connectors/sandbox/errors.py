"""Errors the sandbox answers with, in Bitrix24's shape `{"error": CODE, "error_description": text}`."""

from __future__ import annotations


class ApiError(Exception):
    """A method-level or protocol-level error; `status` is the HTTP status the portal uses."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.description}


def no_auth() -> ApiError:
    return ApiError(401, "NO_AUTH_FOUND", "Wrong authorization data")


def method_not_found() -> ApiError:
    return ApiError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")


def insufficient_scope() -> ApiError:
    return ApiError(403, "insufficient_scope",
                    "The request requires higher privileges than provided by the webhook token")


def query_limit() -> ApiError:
    return ApiError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")


def operation_time_limit() -> ApiError:
    return ApiError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")


def classic_error(text: str) -> ApiError:
    """Classic crm.deal.* / crm.activity.* errors: HTTP 400 with an empty code and a text."""
    return ApiError(400, "", text)


def invalid_arg(text: str) -> ApiError:
    return ApiError(400, "INVALID_ARG_VALUE", text)
