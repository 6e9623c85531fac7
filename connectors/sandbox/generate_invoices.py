"""Smart invoices (entityTypeId 31) of one deal, with their own stage history.

One invoice per invoice stage the deal entered, created a few hours after the stage entry: paid when the
deal moved on (not to a failure) or was won, sent or new while the deal still sits there, refused or left
new on lost deals. A prepayment invoice is for half the amount.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from connectors.sandbox.clock import DAY, HOUR, Clock
from connectors.sandbox.generate_pipelines import INVOICE_CATEGORY, INVOICE_PREFIX, Pipeline, Stage

# The stages an invoice went through to reach its final one.
_CHAINS = {"N": ["N"], "S": ["N", "S"], "P": ["N", "S", "P"], "D": ["N", "D"]}


class InvoiceWriter:
    def __init__(self, rng: random.Random, clock: Clock, next_id: int = 1):
        self.rng = rng
        self.clock = clock
        self.next_id = next_id

    def for_deal(
        self,
        deal_id: int,
        manager: int,
        path: list[tuple[Pipeline, Stage]],
        moves: list[int],
        outcome: str,
        amount: float,
        currency: str,
        contact: int | None,
        company: int,
        history: list[tuple],
        history_id: Callable[[], int],
    ) -> list[tuple]:
        """Invoice rows for the deal; their stage-history rows are appended to `history`."""
        rows = []
        for i, (_, stage) in enumerate(path):
            if not stage.invoice:
                continue
            moved_on = i < len(path) - 1
            final = self._final_stage(outcome, moved_on and path[i + 1][1].semantics != "F")
            chain = _CHAINS[final]
            times = self._times(len(chain), moves[i], moves[i + 1] if moved_on else self.clock.now)
            inv_id = self.next_id
            self.next_id += 1
            for k, (code, t) in enumerate(zip(chain, times, strict=True)):
                semantic = {"P": "S", "D": "F"}.get(code, "P")
                type_id = 1 if k == 0 else 3 if code in "PD" else 2
                history.append(
                    (
                        history_id(),
                        type_id,
                        inv_id,
                        self.clock.dt(t),
                        INVOICE_CATEGORY,
                        semantic,
                        INVOICE_PREFIX + code,
                        31,
                    )
                )
            share = 0.5 if "PREPAYMENT" in stage.status_id else 1.0
            rows.append(
                self._row(inv_id, deal_id, manager, chain, times, amount * share, currency, contact, company)
            )
        return rows

    def _final_stage(self, outcome: str, paid_and_moved_on: bool) -> str:
        rng = self.rng
        if outcome == "won" or paid_and_moved_on:
            return "P" if rng.random() < 0.95 else "S"
        if outcome == "lost":
            return "D" if rng.random() < 0.6 else "N"
        return rng.choice(("N", "S", "S"))

    def _times(self, n: int, stage_entered: int, done_by: int) -> list[int]:
        rng, now = self.rng, self.clock.now
        times = [min(stage_entered + rng.randrange(60, 4 * HOUR), now)]
        for _ in range(n - 1):
            times.append(max(times[-1] + 60, min(done_by, times[-1] + rng.randrange(HOUR, 5 * DAY))))
        return [min(t, now) for t in times]

    def _row(
        self,
        inv_id: int,
        deal_id: int,
        manager: int,
        chain: list[str],
        times: list[int],
        amount: float,
        currency: str,
        contact: int | None,
        company: int,
    ) -> tuple:
        """A row in INVOICE_FIELDS order."""
        c = self.clock
        return (
            inv_id,
            "",
            f"Счёт №{inv_id} от {c.date(times[0])}",
            str(1000 + inv_id),
            manager,
            manager,
            manager,
            c.dt(times[0]),
            c.dt(times[-1]),
            c.dt(times[-1]),
            INVOICE_CATEGORY,
            "Y",
            INVOICE_PREFIX + chain[-1],
            INVOICE_PREFIX + chain[-2] if len(chain) > 1 else "",
            c.date(times[0]),
            c.date(times[0] + 10 * DAY),
            company or None,
            contact,
            f"{amount:.2f}",
            "N",
            "0.00",
            currency,
            1,
            manager,
            deal_id,
            "",
        )
