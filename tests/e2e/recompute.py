"""Provides an independent recomputation of a ledger's figures straight from SQL rows.

Written separately from `soltrader_tui.portfolio` on purpose: the truth tests compare the
product's numbers against this, so a bug in the portfolio cannot hide in both.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Recomputed:
    """Figures derived from the `fills`, `meta` and `marks` tables alone."""

    starting_micro: int
    cash_micro: int = 0
    realized_micro: int = 0
    fills: int = 0
    wins: int = 0
    losses: int = 0
    holdings: dict[str, int] = field(default_factory=dict)
    costs: dict[str, int] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)

    @property
    def round_trips(self) -> int:
        return self.wins + self.losses

    @property
    def equity_usd(self) -> float:
        value = sum(
            round(qty * self.marks[m] * 10**6 / 10 ** self.decimals[m])
            for m, qty in self.holdings.items()
        )
        return (self.cash_micro + value) / 1e6

    @property
    def unrealized_usd(self) -> float:
        return (
            sum(
                round(qty * self.marks[m] * 10**6 / 10 ** self.decimals[m]) - self.costs[m]
                for m, qty in self.holdings.items()
            )
            / 1e6
        )


def recompute(db: Path) -> Recomputed:
    """Replays the fills table with plain SQL rows and average cost."""
    conn = sqlite3.connect(db)
    try:
        start = int(
            conn.execute("SELECT value FROM meta WHERE key='starting_cash_micro'").fetchone()[0]
        )
        r = Recomputed(starting_micro=start, cash_micro=start)
        trip_pnl: dict[str, int] = {}
        for mint, decimals, side, qty, quote, fee in conn.execute(
            "SELECT mint, decimals, side, qty, quote_amount, fee FROM fills ORDER BY id"
        ):
            r.fills += 1
            r.decimals[mint] = decimals
            held, cost = r.holdings.get(mint, 0), r.costs.get(mint, 0)
            if side == "buy":
                r.cash_micro -= quote + fee
                r.holdings[mint], r.costs[mint] = held + qty, cost + quote + fee
                trip_pnl.setdefault(mint, 0)
                continue
            r.cash_micro += quote - fee
            removed = cost if qty == held else cost * qty // held
            pnl = quote - fee - removed
            r.realized_micro += pnl
            trip_pnl[mint] += pnl
            if qty == held:
                del r.holdings[mint], r.costs[mint]
                won = trip_pnl.pop(mint) > 0
                r.wins += won
                r.losses += not won
            else:
                r.holdings[mint], r.costs[mint] = held - qty, cost - removed
        r.marks = dict(conn.execute("SELECT mint, price FROM marks").fetchall())
        return r
    finally:
        conn.close()
