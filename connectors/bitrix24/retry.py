"""Retry policy: which failures are worth another try, and how long to wait before it.

Faults (5xx, HTML or garbled bodies, timeouts, dropped connections) are retried `max_retries` times with
exponential backoff and full jitter, then surface as ServerError / PortalUnreachable. Configuration errors
(auth, scope, plan) are never retried. Rate limits are not faults: the client waits them out separately.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from connectors.bitrix24.errors import (
    Bitrix24Error,
    PortalUnreachable,
    RateLimited,
    ServerError,
    UnknownHost,
)


@dataclass
class RetryPolicy:
    max_retries: int = 8
    base: float = 0.5  # first delay, seconds
    cap: float = 30.0  # longest single delay
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): half fixed, half jitter, so threads spread out."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


# getaddrinfo's "this name does not exist" (EAI_NONAME), as Linux and macOS word it: a typo in the portal
# address, not a passing fault. "Temporary failure in name resolution" (EAI_AGAIN) stays retryable.
UNKNOWN_HOST = ("Name or service not known", "nodename nor servname provided")


def is_retryable(error: Bitrix24Error) -> bool:
    """Faults worth another try. Rate limits are handled apart, everything else fails at once."""
    if isinstance(error, UnknownHost):
        return False
    return isinstance(error, ServerError | PortalUnreachable) and not isinstance(error, RateLimited)


def transport_error(exc: httpx.HTTPError, method: str, redact) -> Bitrix24Error:
    """Wrap an httpx exception (whose text includes the URL and so the secret) into a safe error."""
    detail = redact(f"{type(exc).__name__}: {exc}")[:200]
    if isinstance(exc, httpx.ConnectError) and any(text in str(exc) for text in UNKNOWN_HOST):
        return UnknownHost(f"the portal's host name does not exist while calling {method} ({detail}); "
                           "check the portal address in the webhook URL", method=method, description=detail)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return PortalUnreachable(f"cannot reach the Bitrix24 portal while calling {method} ({detail}); check "
                                 "the portal address and the network", method=method, description=detail)
    if isinstance(exc, httpx.TimeoutException):
        return ServerError(f"Bitrix24 did not answer {method} in time ({type(exc).__name__}); "
                           "try again later", method=method, description=detail)
    return ServerError(f"connection to Bitrix24 failed while calling {method} ({detail}); try again later",
                       method=method, description=detail)
