"""Provides the P&L each fill realized at average cost, for the schema-3 backfill.

Schema 3 stores with each sell what it realized. A ledger written before it gets the figure
from a walk over its fills here, frozen with the migration: the ledger stays below the
portfolio layer, and a later change to `Portfolio` cannot rewrite what an old migration did.
`tests/ledger/test_realized.py` proves it equal to `Portfolio`'s realized P&L on generated
fills. Pure: no SQL, no I/O.
"""

from __future__ import annotations

from soltrader_tui.domain import Fill


class FillsDoNotAddUp(ValueError):
    """A fill sells what is not held, or has no quantity; names the fill."""


class AverageCost:
    """Base units held per mint and what they cost (fees included), fed the fills in order."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[int, int]] = {}

    def realized(self, fill: Fill) -> int | None:
        """Takes in the next fill; returns the micro-USDC it realized: None for a buy; for a
        sell, its proceeds after fees less the average cost of what it sold (the whole cost when
        it closes the position, else the cost pro rata, rounded down), as `Portfolio.apply`.

        Raises:
            FillsDoNotAddUp: the fill has no positive quantity, or sells more than is held;
                nothing is changed.
        """
        mint = fill.token.mint
        qty, cost = self._held.get(mint, (0, 0))
        where = f"fill {fill.order_id!r} ({fill.side} {fill.token.symbol})"
        if fill.qty <= 0:
            raise FillsDoNotAddUp(f"{where}: qty must be positive, got {fill.qty}")
        if fill.side == "buy":
            self._held[mint] = (qty + fill.qty, cost + fill.quote_amount + fill.fee)
            return None
        if qty == 0:
            raise FillsDoNotAddUp(f"{where}: no open position in {mint}")
        if fill.qty > qty:
            raise FillsDoNotAddUp(f"{where}: sells {fill.qty} base units but only {qty} are held")
        removed = cost if fill.qty == qty else cost * fill.qty // qty
        self._held[mint] = (qty - fill.qty, cost - removed)
        return fill.quote_amount - fill.fee - removed
