"""Provides Figures: a backtest's results, computed from its round trips and equity curve.

Pure functions over plain numbers, so `compare` and `optimize` score runs the same way the
report shows them. Conventions (docs/strategies.md):

- Returns are per candle, from one close's equity to the next; Sharpe and Sortino are their
  mean over their standard deviation (Sortino: over the downside deviation, the root mean
  square of the negative returns), annualised by √(candles per year), risk-free rate 0.
- Max drawdown: the largest fall from a peak of the equity curve, in percent of that peak.
- Profit factor: gross profit / gross loss of the round trips (None without a loss).
- Expectancy: mean P&L per round trip, USD. Exposure: share of candles with a position open.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt

from soltrader_tui.config.model import ResearchConfig

YEAR_S = 365.0 * 86_400.0


@dataclass(frozen=True, slots=True)
class Figures:
    """The report's figures; None where a figure cannot be known (e.g. no round trips)."""

    round_trips: int
    wins: int
    win_rate: float | None
    total_pnl_usd: float
    return_pct: float
    avg_pnl_usd: float | None
    best_usd: float | None
    worst_usd: float | None
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    profit_factor: float | None
    expectancy_usd: float | None
    exposure_pct: float
    fees_usd: float
    starting_equity_usd: float
    final_equity_usd: float


def max_drawdown_pct(equity: Sequence[float]) -> float:
    """The largest fall from a running peak, in percent of that peak (0.0 for none)."""
    peak = float("-inf")
    worst = 0.0
    for value in equity:
        if value > peak:
            peak = value
        elif peak > 0:
            fall = (peak - value) / peak
            if fall > worst:
                worst = fall
    return worst * 100.0


def sharpe_sortino(equity: Sequence[float], interval_s: float) -> tuple[float | None, float | None]:
    """Annualised Sharpe and Sortino ratios of per-candle returns (see the module docstring)."""
    returns = [b / a - 1.0 for a, b in itertools.pairwise(equity) if a > 0]
    n = len(returns)
    if n < 2:
        return None, None
    mean = sum(returns) / n
    var = sum((r - mean) ** 2 for r in returns) / (n - 1)
    downside = sum(r * r for r in returns if r < 0) / n
    scale = sqrt(YEAR_S / interval_s)
    sharpe = mean / sqrt(var) * scale if var > 0 else None
    sortino = mean / sqrt(downside) * scale if downside > 0 else None
    return sharpe, sortino


def figures(
    pnls: Sequence[float],
    equity: Sequence[float],
    *,
    starting_equity_usd: float,
    interval_s: float,
    exposed_candles: int,
    candles: int,
    fees_usd: float,
) -> Figures:
    """Computes every figure of a backtest.

    Args:
        pnls: Realized P&L of each round trip, USD, fees included, in order.
        equity: Equity after each candle close, USD.
        starting_equity_usd: Equity before the first candle.
        interval_s: Candle length, for annualising.
        exposed_candles: Candles that closed with a position open.
        candles: Candles walked.
        fees_usd: Fees paid.
    """
    curve = [starting_equity_usd, *equity]
    wins = sum(1 for p in pnls if p > 0)
    gains = sum(p for p in pnls if p > 0)
    losses = -sum(p for p in pnls if p <= 0)
    n = len(pnls)
    sharpe, sortino = sharpe_sortino(curve, interval_s)
    final = curve[-1]
    return Figures(
        round_trips=n,
        wins=wins,
        win_rate=wins / n if n else None,
        total_pnl_usd=final - starting_equity_usd,
        return_pct=(final / starting_equity_usd - 1.0) * 100.0,
        avg_pnl_usd=sum(pnls) / n if n else None,
        best_usd=max(pnls) if n else None,
        worst_usd=min(pnls) if n else None,
        max_drawdown_pct=max_drawdown_pct(curve),
        sharpe=sharpe,
        sortino=sortino,
        profit_factor=gains / losses if losses > 0 else None,
        expectancy_usd=sum(pnls) / n if n else None,
        exposure_pct=100.0 * exposed_candles / candles if candles else 0.0,
        fees_usd=fees_usd,
        starting_equity_usd=starting_equity_usd,
        final_equity_usd=final,
    )


WORST = -1_000_000.0
"""The objective of a run that is no evidence (too few round trips, invalid parameters): below
any real score, and finite, so a search can still learn from it."""


def objective(f: Figures, research: ResearchConfig) -> float:
    """The number a tuning run maximises, as `research.objective` says (see its docs)."""
    if f.round_trips < research.min_round_trips:
        return WORST
    kind = research.objective
    if kind == "return":
        return f.return_pct
    if kind == "profit_factor":
        return WORST if f.profit_factor is None else min(f.profit_factor, 100.0)
    ratio = f.sortino if kind == "sortino" else f.sharpe
    if ratio is None:
        return WORST
    if kind == "sharpe_drawdown":
        return ratio - research.drawdown_penalty * f.max_drawdown_pct / 10.0
    return ratio
