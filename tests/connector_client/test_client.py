"""The client over MockTransport: exact single-response cases."""

import json
import logging

import httpx
import pytest

from connectors.bitrix24.errors import (
    BackoffRequested,
    ConfigError,
    PortalUnreachable,
    ServerError,
)

from .conftest import SECRET, WALL0, WEBHOOK, make_client, method_of, ok

HTML_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
            "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def scripted(*responses):
    """A handler answering with the given responses (or raising the given exceptions) in order."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def test_posts_json_with_headers(clock):
    handler, seen = scripted(ok([{"ID": "1"}], total=1))
    with make_client(handler, clock) as client:
        reply = client.call("crm.deal.list", {"filter": {">ID": 0}, "start": -1}, stream="deals")
    assert reply["result"] == [{"ID": "1"}] and reply["total"] == 1
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == WEBHOOK + "crm.deal.list"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == "dozhim/0.1"
    assert json.loads(request.content) == {"filter": {">ID": 0}, "start": -1}
    assert client.stats.snapshot()["requests"] == {"deals": 1}


def test_html_502_is_retried_then_succeeds(clock):
    handler, seen = scripted(httpx.Response(502, text=HTML_502, headers={"content-type": "text/html"}),
                             httpx.Response(502, text=HTML_502), ok(["done"]))
    client = make_client(handler, clock)
    assert client.call("profile")["result"] == ["done"]
    assert len(seen) == 3
    assert client.stats.retries == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0  # exponential, jittered


def test_html_502_forever_becomes_server_error(clock):
    handler, seen = scripted(httpx.Response(502, text=HTML_502))
    client = make_client(handler, clock, max_retries=3)
    with pytest.raises(ServerError) as info:
        client.call("crm.deal.list")
    assert len(seen) == 4  # one try + 3 retries
    assert info.value.exit_code == 1
    assert "HTTP 502" in info.value.user_message


def test_malformed_json_is_retried(clock):
    handler, seen = scripted(httpx.Response(200, text='{"result": [{"ID": "1"'), httpx.Response(200, text=""),
                             httpx.Response(200, json={"no_result": 1}), ok([]))
    client = make_client(handler, clock)
    assert client.call("crm.deal.list")["result"] == []
    assert len(seen) == 4 and client.stats.retries == 3


def test_configuration_errors_fail_at_once(clock):
    handler, seen = scripted(httpx.Response(401, json={"error": "NO_AUTH_FOUND",
                                                       "error_description": "Wrong authorization data"}))
    client = make_client(handler, clock)
    with pytest.raises(ConfigError) as info:
        client.call("crm.deal.list")
    assert len(seen) == 1 and clock.sleeps == []
    assert info.value.exit_code == 78


def test_302_is_followed_by_a_new_post_to_the_new_host(clock):
    new = f"https://acme.bitrix24.ru/rest/7/{SECRET}/crm.deal.list"
    handler, seen = scripted(httpx.Response(302, headers={"location": new}), ok([{"ID": "5"}]))
    client = make_client(handler, clock)
    reply = client.call("crm.deal.list", {"filter": {">ID": 4}})
    assert reply["result"] == [{"ID": "5"}]
    assert [r.method for r in seen] == ["POST", "POST"]
    assert str(seen[1].url) == new
    assert json.loads(seen[1].content) == {"filter": {">ID": 4}}  # the body survived
    assert client.portal_url == "https://acme.bitrix24.ru"
    assert client.stats.redirects == 1
    hops = [httpx.Response(301, headers={"location": f"https://b24-{n}.bitrix24.com/rest/7/{SECRET}/"})
            for n in (1, 2)]
    handler2, _ = scripted(*hops)
    looping = make_client(handler2, clock)
    with pytest.raises(ConfigError, match="redirected"):
        looping.call("crm.deal.list")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("location", [
    "https://evil.example.com/rest/7/{secret}/crm.deal.list",  # another host altogether
    "https://acme.bitrix24.com.evil.net/rest/7/{secret}/",  # looks like a portal, is not
    "https://crm.acme-corp.ru/rest/7/{secret}/",  # a custom domain: the operator must confirm it
    "https://user:pw@acme2.bitrix24.com/rest/7/{secret}/",  # credentials smuggled into the redirect
])
def test_a_redirect_to_another_host_stops_with_the_new_address_and_sends_nothing(clock, status, location):
    target = location.format(secret=SECRET)
    handler, seen = scripted(httpx.Response(status, headers={"location": target}), ok([{"ID": "5"}]))
    client = make_client(handler, clock)
    with pytest.raises(ConfigError) as info:
        client.call("crm.deal.list", {"filter": {">ID": 4}})
    assert len(seen) == 1  # the token went nowhere new
    message = info.value.user_message
    shown = target.split("/rest/")[0].replace("user:pw@", "")
    assert f"redirects to {shown}, another host" in message and "update the webhook URL" in message
    assert SECRET not in message and "pw" not in message.replace("webhook", "")
    assert info.value.exit_code == 78 and client.portal_url == "https://acme.bitrix24.com"


def test_a_box_portal_keeps_working_while_its_host_stays(clock):
    box = f"https://crm.acme-corp.ru/rest/7/{SECRET}/"
    def moved(location: str) -> httpx.Response:
        return httpx.Response(302, headers={"location": location})

    handler, seen = scripted(moved(f"/rest/7/{SECRET}/crm.deal.list"), ok([{"ID": "5"}]),
                             moved(f"https://CRM.acme-corp.ru/rest/7/{SECRET}/x"), ok([{"ID": "6"}]),
                             moved(f"https://acme.bitrix24.ru/rest/7/{SECRET}/"))
    client = make_client(handler, clock, url=box)
    assert client.call("crm.deal.list")["result"] == [{"ID": "5"}]
    assert client.call("crm.deal.list")["result"] == [{"ID": "6"}]
    with pytest.raises(ConfigError, match="redirects to https://acme.bitrix24.ru, another host"):
        client.call("crm.deal.list")  # a box portal never hands its token to a cloud address either
    assert [str(r.url.host) for r in seen] == ["crm.acme-corp.ru"] * 5


def test_429_pauses_that_method_until_operating_reset_at(clock):
    reset = int(WALL0 + 300)  # from the last good reply

    def handler(request):
        calls.append((method_of(request), clock.now))
        if method_of(request) == "crm.activity.list" and len(calls) == 2:
            text = "Method is blocked due to operation time limit."
            return httpx.Response(429, json={"error": "OPERATION_TIME_LIMIT", "error_description": text})
        return httpx.Response(200, json={"result": [], "time": {"operating": 100.0, "processing": 1.0,
                                                                "operating_reset_at": reset}})

    calls: list = []
    client = make_client(handler, clock)
    client.call("crm.activity.list")
    client.call("crm.activity.list")  # 429, waits, retries
    assert client.stats.status_429 == 1
    assert calls[2][0] == "crm.activity.list" and calls[2][1] >= 300  # retried only after the reset
    before = clock.now
    client.call("crm.deal.list")  # another method is not blocked
    assert clock.now - before < 1


def test_429_reset_at_as_iso_string(clock):
    iso = "2027-01-15T08:00:30+00:00"  # WALL0 = 2027-01-15T08:00:00Z
    good = {"result": [], "time": {"operating": 5, "operating_reset_at": iso}}
    responses = [httpx.Response(200, json=good),
                 httpx.Response(429, json={"error": "OPERATION_TIME_LIMIT"}),
                 ok([])]
    handler, seen = scripted(*responses)
    client = make_client(handler, clock)
    client.call("crm.deal.list")
    client.call("crm.deal.list")
    assert 30 <= clock.now <= 32 and len(seen) == 3


def test_503_backs_off_with_growing_delay(clock):
    limit = httpx.Response(503, json={"error": "QUERY_LIMIT_EXCEEDED",
                                      "error_description": "Too many requests"})
    handler, seen = scripted(limit, limit, limit, ok([]))
    client = make_client(handler, clock, max_retries=1)  # limits do not use up fault retries
    client.call("crm.deal.list")
    assert len(seen) == 4 and client.stats.status_503 == 3
    backoffs = [s for s in clock.sleeps if s >= 0.25]
    assert backoffs[0] < backoffs[-1]


def test_limits_that_never_clear_request_backoff(clock):
    handler, _ = scripted(httpx.Response(503, json={"error": "QUERY_LIMIT_EXCEEDED"}))
    client = make_client(handler, clock, max_wait=60)
    with pytest.raises(BackoffRequested) as info:
        client.call("crm.deal.list")
    assert info.value.exit_code == 75
    assert clock.now <= 60 + 10
    handler, _ = scripted(httpx.Response(503, json={"error": "OVERLOAD_LIMIT"}))
    with pytest.raises(BackoffRequested, match="support"):
        make_client(handler, clock).call("crm.deal.list")


@pytest.mark.parametrize("exc", [
    httpx.ConnectError(f"[Errno 111] Connection refused: {WEBHOOK}"),
    httpx.ConnectError(f"[Errno -3] Temporary failure in name resolution: {WEBHOOK}"),
    httpx.RemoteProtocolError(f"Server disconnected without sending a response. {WEBHOOK}"),
    httpx.ReadError(f"Connection reset by peer {WEBHOOK}"),
    httpx.ReadTimeout(f"timed out {WEBHOOK}"),
])
def test_transport_errors_are_retried_then_wrapped_without_the_secret(clock, exc, caplog):
    handler, seen = scripted(exc)
    client = make_client(handler, clock, max_retries=2)
    caplog.set_level(logging.DEBUG)
    with pytest.raises((PortalUnreachable, ServerError)) as info:
        client.call("crm.deal.list")
    assert len(seen) == 3
    error = info.value
    assert error.__cause__ is None and error.__suppress_context__
    for text in (str(error), repr(error), error.user_message, error.description, caplog.text):
        assert SECRET not in text
    assert "\n" not in error.user_message
    assert isinstance(error, PortalUnreachable) == isinstance(exc, httpx.ConnectError)


def test_a_host_that_does_not_exist_fails_at_once_without_the_secret(clock):
    handler, seen = scripted(httpx.ConnectError(f"[Errno -2] Name or service not known: {WEBHOOK}"))
    with pytest.raises(PortalUnreachable) as info:
        make_client(handler, clock, max_retries=8).call("crm.deal.list")
    assert len(seen) == 1  # a typo in the portal address is not a passing fault: no 70 s of retries
    assert "host name does not exist" in info.value.user_message
    assert SECRET not in info.value.user_message and info.value.exit_code == 1


def test_dropped_connection_then_success(clock):
    handler, seen = scripted(httpx.RemoteProtocolError("Server disconnected"), ok([1]))
    assert make_client(handler, clock).call("crm.deal.list")["result"] == [1]
    assert len(seen) == 2


def test_secret_never_in_errors_reprs_or_logs(clock, caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"Unknown method at https://acme.bitrix24.com/rest/7/{SECRET}/crm.deal.lst"
    moved = httpx.Response(302, headers={"location": f"https://b.bitrix24.com/rest/7/{SECRET}/"})
    failed = httpx.Response(500, json={"error": "INTERNAL_SERVER_ERROR", "error_description": echo})
    handler, _ = scripted(moved, failed)
    client = make_client(handler, clock, max_retries=1)
    with pytest.raises(ServerError) as info:
        client.call("crm.deal.lst")
    texts = [str(info.value), repr(info.value), info.value.description, repr(client), str(client.webhook),
             caplog.text, str(client.stats.snapshot())]
    assert all(SECRET not in t for t in texts), texts
    assert "b.bitrix24.com" in caplog.text  # the move itself is logged, safely


def test_batch_reply_accepts_empty_lists_and_records_times(clock):
    body = {"result": {"result": {"a": [{"ID": "1"}], "b": []},
                       "result_error": {"c": {"error": "", "error_description": "Not found"}},
                       "result_total": [], "result_next": {"a": 50},
                       "result_time": {"a": {"operating": 470.0, "processing": 2.0,
                                             "operating_reset_at": WALL0 + 120}}},
            "time": {"duration": 0.1}}
    handler, seen = scripted(httpx.Response(200, json=body))
    client = make_client(handler, clock)
    reply = client.batch({"a": ("crm.deal.list", {"start": -1}), "b": ("user.get", {}),
                          "c": ("crm.deal.get", {"id": 9})}, stream="deals")
    assert reply.result == {"a": [{"ID": "1"}], "b": []}
    assert reply.errors == {"c": {"error": "", "error_description": "Not found"}}
    assert reply.total == {} and reply.next == {"a": 50}
    sent = json.loads(seen[0].content)
    assert sent["halt"] == 0
    assert sent["cmd"]["a"] == "crm.deal.list?start=-1"
    assert sent["cmd"]["c"] == "crm.deal.get?id=9"
    # crm.deal.list is at 470 of 480 s: it is paused until its reset, other methods are not
    assert client.limiter.operating("crm.deal.list") == 470.0
    client.call("user.get")
    assert clock.now < 1
    client.call("crm.deal.list")
    assert clock.now >= 120


def test_batch_rejects_more_than_50_commands(clock):
    client = make_client(scripted(ok([]))[0], clock)
    with pytest.raises(ValueError):
        client.batch({f"c{i}": ("crm.deal.list", {}) for i in range(51)})


def test_batch_costs_are_summed_per_method_for_spacing(clock):
    blocks = {f"c{i}": {"operating": 340.0 + i, "processing": 0.2, "operating_reset_at": WALL0 + 500}
              for i in range(10)}
    body = {"result": {"result": {k: [] for k in blocks}, "result_error": [], "result_time": blocks}}
    handler, _ = scripted(httpx.Response(200, json=body))
    client = make_client(handler, clock)
    client.batch({k: ("crm.activity.list", {}) for k in blocks})
    assert client.limiter.operating("crm.activity.list") == 349.0  # the last command's figure
    client.batch({k: ("crm.activity.list", {}) for k in blocks})
    before = clock.now
    client.batch({k: ("crm.activity.list", {}) for k in blocks})
    # above 70% of 480 s: one batch costs 10 x 0.2 s, so the next waits 2 s x 600/480
    assert clock.now - before == pytest.approx(2.0 * 600 / 480)


def test_429_reply_time_block_gives_the_reset_and_guesses_grow(clock):
    fresh = {"error": "OPERATION_TIME_LIMIT", "time": {"operating": 481, "operating_reset_at": WALL0 + 30}}
    handler, seen = scripted(httpx.Response(429, json=fresh), ok([]))
    client = make_client(handler, clock)
    client.call("crm.deal.list")
    assert 30 <= clock.now <= 32 and len(seen) == 2  # the 429's own reset time was used
    clock.now = 0.0
    bare = httpx.Response(429, json={"error": "OPERATION_TIME_LIMIT"})
    handler, seen = scripted(bare, bare, bare, ok([]))
    client = make_client(handler, clock)
    client.call("crm.item.list")
    assert clock.now == pytest.approx(5 + 10 + 20)  # nothing known: 5, 10, 20 s


def test_dates_and_decimals_are_sent_as_text(clock):
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    handler, seen = scripted(ok([]))
    moment = datetime(2026, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    make_client(handler, clock).call("crm.deal.list", {"filter": {">=DATE_MODIFY": moment,
                                                                  ">OPPORTUNITY": Decimal("10.50")}})
    assert json.loads(seen[0].content)["filter"] == {">=DATE_MODIFY": "2026-01-15T09:30:00+03:00",
                                                     ">OPPORTUNITY": "10.50"}
