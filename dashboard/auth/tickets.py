"""Single-use, short-lived tickets: how the frame handler (POST /b24/app) hands a verified user to the
Streamlit session without a cookie (a cross-site frame with third-party cookies blocked keeps none).

A ticket is 32 random bytes; the book maps it to the user for 60 s and forgets it on its first use. The
routes and the Streamlit script run in one process, so the book is a module-level object.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from dashboard.auth.errors import SignInRefused
from dashboard.auth.signing import Clock

TICKET_SECONDS = 60


@dataclass(frozen=True)
class SignedInUser:
    user_id: int
    name: str


class TicketBook:
    def __init__(self, clock: Clock = time.time, lifetime: float = TICKET_SECONDS) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._open: dict[str, tuple[SignedInUser, float]] = {}
        self._lock = threading.Lock()

    def issue(self, user: SignedInUser) -> str:
        ticket = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            # forget the expired ones, so tickets nobody redeemed do not pile up
            self._open = {t: entry for t, entry in self._open.items() if entry[1] > now}
            self._open[ticket] = (user, now + self._lifetime)
        return ticket

    def redeem(self, ticket: str) -> SignedInUser:
        with self._lock:
            entry = self._open.pop(ticket, None)
        if entry is None:
            raise SignInRefused("ticket_unknown")
        user, expires_at = entry
        if self._clock() >= expires_at:
            raise SignInRefused("ticket_expired")
        return user


TICKETS = TicketBook()
