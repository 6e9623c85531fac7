"""The Bitrix24 REST client: one POST per call, paced, retried, redirect-aware, secret-free in every message.

Thread-safe: the sync runs streams side by side on threads that share one client (and so one limiter).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from connectors.bitrix24.batch import MAX_COMMANDS, BatchReply, command
from connectors.bitrix24.errors import (
    BackoffRequested,
    Bitrix24Error,
    ConfigError,
    OperationTimeLimit,
    QueryLimitExceeded,
    RateLimited,
    ServerError,
    classify,
)
from connectors.bitrix24.ratelimit import RateLimiter, parse_reset_at
from connectors.bitrix24.retry import RetryPolicy, is_retryable, transport_error
from connectors.bitrix24.stats import RequestStats
from connectors.bitrix24.webhook import Webhook, install_log_redaction, parse_webhook

__all__ = ["Bitrix24Client", "BatchReply", "RequestStats", "parse_reset_at"]

log = logging.getLogger("connectors.bitrix24.client")

REDIRECTS = (301, 302, 303, 307, 308)

install_log_redaction()  # httpx logs each request's URL, secret included


class Bitrix24Client:
    def __init__(self, webhook_url: str, *, transport: httpx.BaseTransport | None = None,
                 limiter: RateLimiter | None = None, timeout: float = 60.0, max_retries: int = 8,
                 user_agent: str = "dozhim/0.1", retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None, max_redirects: int = 3) -> None:
        self._webhook: Webhook = parse_webhook(webhook_url)
        self.limiter = limiter or RateLimiter()
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self._sleep = sleep or self.limiter.sleep
        self.max_redirects = max_redirects
        self.stats = RequestStats()
        self._lock = threading.Lock()
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=False,  # a followed redirect turns the POST into a GET and loses the body
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "User-Agent": user_agent},
        )

    # --- public -----------------------------------------------------------------------------------------
    @property
    def portal_url(self) -> str:
        """`https://host` of the portal (changes after a domain-move redirect). Safe to show."""
        return self._webhook.portal_url

    @property
    def webhook(self) -> Webhook:
        return self._webhook

    def redact(self, text: str) -> str:
        return self._webhook.redact(text)

    def call(self, method: str, params: dict | None = None, *, stream: str = "meta") -> dict:
        """Call one method; returns the full reply JSON (`result`, `total`, `next`, `time`)."""
        body = self._request(method, params or {}, stream, [method])
        self.limiter.record(method, body.get("time"))
        return body

    def batch(self, commands: dict[str, tuple[str, dict]], *, halt: bool = False,
              stream: str = "meta") -> BatchReply:
        """Run up to 50 commands in one request. Command errors come back in `.errors`, not raised."""
        if not commands or len(commands) > MAX_COMMANDS:
            raise ValueError(f"a batch takes 1..{MAX_COMMANDS} commands, got {len(commands)}")
        methods = {key: method for key, (method, _) in commands.items()}
        payload = {"halt": 1 if halt else 0,
                   "cmd": {key: command(method, params) for key, (method, params) in commands.items()}}
        body = self._request("batch", payload, stream, sorted(set(methods.values())))
        reply = BatchReply.from_reply(body)
        for method, time_block in _per_method(reply.time, methods).items():
            self.limiter.record(method, time_block)
        for key, error in reply.errors.items():
            self._note_command_error(methods.get(key, ""), error)
        return reply

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Bitrix24Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Bitrix24Client(portal_url={self.portal_url!r})"

    # --- the request loop -------------------------------------------------------------------------------
    def _request(self, method: str, payload: dict, stream: str, limited: list[str]) -> dict:
        faults = 0
        limit_hits = 0
        limit_waited = 0.0
        while True:
            waited = self.limiter.acquire(limited)
            self.stats.add("seconds_waited", waited)
            if limit_hits:
                limit_waited += waited
            outcome = self._attempt(method, payload, stream)
            if isinstance(outcome, dict):
                return outcome
            error = outcome
            if isinstance(error, RateLimited):
                limit_hits += 1
                limit_waited += self._on_limit(error, limited, limit_hits)
                if limit_waited > self.limiter.max_wait:
                    raise self._scrub(BackoffRequested(
                        f"Bitrix24 kept refusing {method} for {limit_waited:.0f} s "
                        f"({error.code or 'limit'}); run the sync again later",
                        code=error.code, http_status=error.http_status, method=method))
                continue
            if not is_retryable(error) or faults >= self.retry.max_retries:
                raise self._scrub(error)
            faults += 1
            delay = self.retry.delay(faults)
            self.stats.add("retries")
            log.warning("retry %d/%d of %s in %.1f s: %s", faults, self.retry.max_retries, method, delay,
                        self.redact(error.user_message))
            self.stats.add("seconds_waited", delay)
            self._sleep(delay)

    def _attempt(self, method: str, payload: dict, stream: str) -> dict | Bitrix24Error:
        """One POST (following domain moves). Returns the reply body or the error it means."""
        try:
            status, body = self._post(method, payload, stream)
        except Bitrix24Error as error:
            return error
        error = classify(status, body, method=method)
        if error is not None:
            if isinstance(body, dict) and method != "batch":
                self.limiter.record(method, body.get("time"), success=False)
            return error
        if not isinstance(body, dict) or "result" not in body:
            return ServerError(f"Bitrix24 sent a reply without a result for {method}; try again later",
                               http_status=status, method=method)
        return body

    def _post(self, method: str, payload: dict, stream: str) -> tuple[int, Any]:
        content = json.dumps(payload, ensure_ascii=False, default=_json_default).encode()
        for _ in range(self.max_redirects + 1):
            webhook = self._webhook
            self.stats.add_request(stream)
            try:
                response = self._http.post(webhook.method_url(method), content=content)
            except httpx.HTTPError as exc:
                raise transport_error(exc, method, webhook.redact) from None
            if response.status_code not in REDIRECTS:
                return response.status_code, _decode(response)
            location = response.headers.get("location", "")
            if not location:
                return response.status_code, _decode(response)
            moved = webhook.moved_to(location)
            with self._lock:
                self._webhook = moved
            self.stats.add("redirects")
            log.warning("Bitrix24 portal moved: %s -> %s (update the webhook URL)",
                        webhook.portal_url, moved.portal_url)
        raise ConfigError(f"Bitrix24 redirected more than {self.max_redirects} times; check the webhook URL",
                          method=method)

    def _on_limit(self, error: RateLimited, methods: list[str], hits: int) -> float:
        """Wait out a limit. A 429 pauses only its method (the next acquire waits); a 503 pauses all."""
        if isinstance(error, OperationTimeLimit):
            self.stats.add("status_429")
            pause = max(self.limiter.blocked(m) for m in methods)
            log.info("Bitrix24 time budget used up for %s; pausing it %.0f s", ", ".join(methods), pause)
            return 0.0  # the wait happens (and is counted) in the next acquire
        self.stats.add("status_503")
        self.limiter.overflowed()
        delay = self.retry.delay(min(hits, 8))
        log.info("Bitrix24 rate limit (503); backing off %.1f s", delay)
        self.stats.add("seconds_waited", delay)
        self._sleep(delay)
        return delay

    def _note_command_error(self, method: str, error: dict) -> None:
        """Limits met inside a batch pause the method, so the caller's next batch waits for it."""
        found = classify(200, error, method=method)
        if isinstance(found, OperationTimeLimit):
            self.stats.add("status_429")
            self.limiter.blocked(method)
        elif isinstance(found, QueryLimitExceeded):
            self.stats.add("status_503")
            self.limiter.overflowed()

    def _scrub(self, error: Bitrix24Error) -> Bitrix24Error:
        error.message = self.redact(error.message)
        error.description = self.redact(error.description)
        error.args = (error.message,)
        return error


def _json_default(value: Any) -> Any:
    """Dates as ISO 8601 with their offset (what Bitrix24 filters expect), Decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} to Bitrix24")


def _decode(response: httpx.Response) -> Any:
    """Parsed JSON, or the raw text (HTML page, truncated body), or None when empty."""
    raw = response.content
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return response.text[:2000]


def _per_method(times: dict[str, Any], methods: dict[str, str]) -> dict[str, dict]:
    """Batch `result_time` folded per method: the last block (latest `operating`), with `processing` summed
    over the commands, so the limiter sees what one such request costs the method's budget."""
    folded: dict[str, dict] = {}
    for key, block in times.items():
        if not isinstance(block, dict):
            continue
        method = methods.get(key, "batch")
        cost = block.get("processing", block.get("duration")) or 0
        spent = folded.get(method, {}).get("processing", 0.0)
        try:
            folded[method] = {**block, "processing": spent + float(cost)}
        except (TypeError, ValueError):
            folded[method] = {**block, "processing": spent}
    return folded
