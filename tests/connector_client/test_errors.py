import pytest

from connectors.bitrix24.errors import (
    BackoffRequested,
    BatchCommandError,
    ConfigError,
    OperationTimeLimit,
    QueryLimitExceeded,
    RequestError,
    ServerError,
    classify,
)

# (status, body, expected class, exit code, words the message must contain)
TABLE = [
    (503, {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}, QueryLimitExceeded, 75,
     "rate limit"),
    (429, {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time "
           "limit."}, OperationTimeLimit, 75, "time budget"),
    (503, {"error": "OVERLOAD_LIMIT", "error_description": ""}, BackoffRequested, 75, "support"),
    (500, {"error": "INTERNAL_SERVER_ERROR", "error_description": "x"}, ServerError, 1, "server error"),
    (500, {"error": "ERROR_UNEXPECTED_ANSWER"}, ServerError, 1, "server error"),
    (401, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}, ConfigError, 78,
     "webhook"),
    (401, {"error": "no_auth_found"}, ConfigError, 78, "webhook"),  # any case
    (401, {"error": "expired_token"}, ConfigError, 78, "webhook"),
    (401, {"error": "invalid_token"}, ConfigError, 78, "webhook"),
    (401, {"error": "authorization_error"}, ConfigError, 78, "administrator"),
    (401, {"error": "METHOD_CONFIRM_WAITING"}, ConfigError, 78, "approve"),
    (403, {"error": "ACCESS_DENIED", "error_description": "REST is available only on commercial plans"},
     ConfigError, 78, "plan"),
    (403, {"error": "INVALID_CREDENTIALS"}, ConfigError, 78, "rights"),
    (403, {"error": "insufficient_scope", "error_description": "The request requires higher privileges"},
     ConfigError, 78, "'crm' scope"),
    (403, {"error": "user_access_error"}, ConfigError, 78, "administrator"),
    (400, {"error": "INVALID_REQUEST", "error_description": "Https required."}, ConfigError, 78, "https"),
    (404, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}, ConfigError, 78,
     "does not offer"),
    (500, {"error": "PORTAL_DELETED"}, ConfigError, 78, "deleted"),
    (400, {"error": "ERROR_BATCH_LENGTH_EXCEEDED"}, RequestError, 1, "bug"),
    # empty codes: "" and the integer 0, classified by status and text
    (400, {"error": "", "error_description": "Access denied."}, ConfigError, 78, "rights"),
    (400, {"error": 0, "error_description": "Access denied."}, ConfigError, 78, "rights"),
    (400, {"error": "", "error_description": "Not found"}, RequestError, 1, "Not found"),
    (400, {"error": "", "error_description": "Parameter 'filter' must be array."}, RequestError, 1, "filter"),
    (400, {"error": 0, "error_description": "Failed to get list. General error."}, RequestError, 1,
     "General"),
    (401, {"error": "", "error_description": ""}, ConfigError, 78, "webhook"),
    (403, {"error": "", "error_description": ""}, ConfigError, 78, "rights"),
    (429, {"error": ""}, OperationTimeLimit, 75, "time budget"),
    (502, {"error": "", "error_description": ""}, ServerError, 1, "502"),
    (503, {"error": "", "error_description": ""}, ServerError, 1, "503"),
    (503, {"error": "", "error_description": "Too many requests"}, QueryLimitExceeded, 75, "rate limit"),
    (400, {"error": "INVALID_ARG_VALUE", "error_description": "bad field"}, RequestError, 1, "INVALID_ARG"),
    (403, {"error": "allowed_only_intranet_user"}, ConfigError, 78, "extranet"),
    # not JSON
    (502, "<html><head><title>502 Bad Gateway</title></head></html>", ServerError, 1, "non-JSON"),
    (503, "<html>503 Service Temporarily Unavailable</html>", ServerError, 1, "non-JSON"),
    (200, '{"result": [1, 2', ServerError, 1, "non-JSON"),
    (200, None, ServerError, 1, "empty"),
    (404, "<html>Not Found</html>", ConfigError, 78, "webhook URL"),
]


@pytest.mark.parametrize(("status", "body", "cls", "exit_code", "words"), TABLE)
def test_classification_table(status, body, cls, exit_code, words):
    error = classify(status, body, method="crm.deal.list")
    assert type(error) is cls
    assert error.exit_code == exit_code
    assert words.lower() in error.user_message.lower()
    assert "\n" not in error.user_message
    assert error.http_status == status


def test_success_is_not_an_error():
    assert classify(200, {"result": [], "time": {}}) is None
    assert classify(200, {"result": {"items": []}, "error": ""}) is None


def test_missing_scope_is_named_from_the_method():
    body = {"error": "insufficient_scope"}
    assert "'user' scope" in classify(403, body, method="user.get").user_message
    assert "'department' scope" in classify(403, body, method="department.get").user_message


def test_batch_command_errors_have_no_status_and_keep_the_key():
    cause = classify(200, {"error": "", "error_description": "Access denied."}, method="crm.deal.list")
    assert isinstance(cause, ConfigError)
    error = BatchCommandError("x", key="c3", cause=cause)
    assert error.key == "c3" and error.exit_code == 78
