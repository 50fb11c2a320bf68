"""Provides stored_points: the equity points a backtest's ledger keeps, fewer than its candles
and with the same figures.

A backtest notes its equity at every candle close (48,524 of them for half a year of 5-minute
candles) and its report computes from all of them. Its ledger keeps the points `status` and
`watch` compute from, and only those:

- the first and the last point;
- every turn of the curve: a point whose value is not strictly between those of the changes
  before and after it (a peak, a trough). A point strictly inside a rising or falling stretch
  is neither a new peak (a later point of its stretch, or an earlier one, is higher) nor the
  bottom of a drawdown (a point of its stretch is lower under the same running peak), so the
  running peak, the drawdown of every point kept and the largest drawdown are exactly those of
  the whole curve: `status` shows the report's max drawdown;
- each UTC day's last change: the day's P&L counts from the last point before the day began.

A point equal to the one before it is no change (its day's last change holds the same value).
Writing a point costs its ISO time and a row with an index entry; this keeps about half of the
points of a curve that moves at every candle, and none of its flat stretches.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence

from soltrader_tui.ledger.rows import EquityPoint

DAY_S = 86_400


def stored_points(
    ts: Sequence[float], equity_micro: Sequence[int], cash_micro: Sequence[int]
) -> list[EquityPoint]:
    """The points of a curve the ledger keeps (see the module docstring).

    Args:
        ts: Each point's time, unix seconds, increasing.
        equity_micro: Each point's equity.
        cash_micro: Each point's cash.

    Returns:
        The kept points, oldest first.
    """
    if not equity_micro:
        return []
    changes = _changes(equity_micro)
    values = [equity_micro[i] for i in changes]
    days = [ts[i] // DAY_S for i in changes]
    # Two changes in a row differ, so the curve turns at an inner change exactly where rising
    # (to it) differs from rising (from it). Whole-list operations: a backtest has 50,000 points.
    rising = list(map(operator.lt, values, values[1:]))
    turns = map(operator.ne, rising, rising[1:])
    day_ends = map(operator.ne, days[1:], days[2:])
    inner = itertools.compress(changes[1:-1], map(operator.or_, turns, day_ends))
    kept = [changes[0], *inner, changes[-1]] if len(changes) > 1 else changes
    if kept[-1] != len(equity_micro) - 1:
        kept.append(len(equity_micro) - 1)  # the last point, a repeat of the last change
    return [EquityPoint(ts[i], equity_micro[i], cash_micro[i]) for i in kept]


def _changes(equity_micro: Sequence[int]) -> list[int]:
    """Indexes of the first point and of each point whose equity differs from the one before."""
    differs = map(operator.ne, equity_micro[1:], equity_micro)
    return [0, *itertools.compress(range(1, len(equity_micro)), differs)]
