"""A client that hangs up mid-request is the client's business: the sandbox prints no traceback for it (the
connector benchmark's fast_bitrix24 run gives up on OPERATION_TIME_LIMIT and closed its connections, and
each one printed a traceback), but still does for its own errors."""

from __future__ import annotations

import pytest

from connectors.sandbox.testing import RunningSandbox


@pytest.mark.parametrize("hangup", [ConnectionResetError(104, "Connection reset by peer"),
                                    BrokenPipeError(32, "Broken pipe")])
def test_a_hangup_prints_nothing(sandbox: RunningSandbox, capsys, hangup: Exception) -> None:
    try:
        raise hangup
    except ConnectionError:
        sandbox.server.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""


def test_its_own_error_still_prints_a_traceback(sandbox: RunningSandbox, capsys) -> None:
    try:
        raise ValueError("a bug in the sandbox")
    except ValueError:
        sandbox.server.handle_error(None, ("127.0.0.1", 50000))
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: a bug in the sandbox" in err
