"""Provides factories for realistic EngineSnapshots and their parts, for dashboard tests.

Every argument has a sensible default, so a test names only what it is about:
`make_snapshot(positions=(make_position("WIF"),), equity_usd=None)`. Mints come from the
shared test factories, so they look like real base58 keys.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.monitor.why_no_entry import why_no_entry
from soltrader_tui.snapshot import (
    ApiView,
    EngineSnapshot,
    FillView,
    LogLine,
    PositionView,
    ScoreView,
    StrategyView,
)
from tests.factories import mint_for

MARKET_T0 = 1_717_243_200.0
"""2024-06-01 12:00:00 UTC: market time of the default snapshot."""

DECIMALS = {"SOL": 9, "BONK": 5, "WIF": 6, "MOODENG": 6}
PRICES = {"SOL": 152.37, "BONK": 0.00002431, "WIF": 2.8712, "MOODENG": 0.1834}

_order_ids = itertools.count(1)


def make_position(
    symbol: str = "BONK",
    *,
    whole: float = 2_000_000.0,
    avg_cost_usd: float | None = None,
    mark_usd: float | None = -1.0,
    opened_ts: float = MARKET_T0 - 754,
    strategy: str = "momentum",
    stale: bool = False,
    entry_reason: str = "fast/slow trend 0.81",
    recent_marks: tuple[tuple[float, float], ...] = (),
) -> PositionView:
    """Builds a marked position; `mark_usd=None` makes one the market has no price for."""
    decimals = DECIMALS.get(symbol, 6)
    cost = PRICES.get(symbol, 1.0) if avg_cost_usd is None else avg_cost_usd
    mark = cost * 1.05 if mark_usd == -1.0 else mark_usd
    qty = round(whole * 10**decimals)
    cost_basis = whole * cost
    value = None if mark is None else whole * mark
    return PositionView(
        mint=mint_for(symbol),
        symbol=symbol,
        decimals=decimals,
        qty=qty,
        avg_cost_usd=cost,
        cost_basis_usd=cost_basis,
        mark_usd=mark,
        value_usd=value,
        unrealized_pnl_usd=None if value is None else value - cost_basis,
        unrealized_return=None if value is None else value / cost_basis - 1,
        stop_usd=cost * 0.92,
        target_usd=cost * 1.15,
        opened_ts=opened_ts,
        strategy=strategy,
        trailing_usd=None if mark is None else mark * 0.9,
        mark_ts=None if mark is None else MARKET_T0 - 2,
        stale=stale,
        entry_reason=entry_reason,
        recent_marks=recent_marks,
    )


def make_fill_view(
    symbol: str = "BONK",
    *,
    side: str = "buy",
    quote_usd: float = 50.0,
    price_usd: float | None = None,
    realized_pnl_usd: float | None = None,
    ts: float = MARKET_T0 - 60,
    order_id: str | None = None,
    reason: str = "score crossed 0.75",
) -> FillView:
    """Builds a fill as the recent-fills panel gets it; a sell defaults to a small gain."""
    price = PRICES.get(symbol, 1.0) if price_usd is None else price_usd
    if side == "sell" and realized_pnl_usd is None:
        realized_pnl_usd = 3.21
    return FillView(
        ts=ts,
        order_id=order_id or f"paper-{next(_order_ids):06d}",
        symbol=symbol,
        side=side,
        qty_whole=quote_usd / price,
        price_usd=price,
        quote_usd=quote_usd,
        fee_usd=round(quote_usd * 0.0025 + 0.001, 6),
        realized_pnl_usd=realized_pnl_usd,
        strategy="momentum",
        reason=reason,
        mint=mint_for(symbol),
    )


def make_score(
    symbol: str = "BONK",
    *,
    score: float | None = 0.62,
    strategy: str = "momentum",
    reason: str | None = None,
) -> ScoreView:
    """Builds one strategy's score for one token; `score=None` is a warming-up strategy."""
    return ScoreView(
        strategy=strategy,
        mint=mint_for(symbol),
        symbol=symbol,
        score=score,
        reason=reason
        or ("warming 40 s / 300 s" if score is None else f"fast/slow trend {score:.2f}"),
        price_usd=PRICES.get(symbol),
        liquidity_usd=184_250.0,
    )


def make_strategy(
    name: str = "momentum",
    *,
    score: float | None = 0.62,
    round_trips: int = 7,
    realized_pnl_usd: float = 12.34,
    win_rate: float | None = 4 / 7,
    enabled: bool = True,
    entry_threshold: float | None = 0.75,
) -> StrategyView:
    """Builds a strategy's record."""
    return StrategyView(
        name=name,
        enabled=enabled,
        score=score,
        round_trips=round_trips,
        realized_pnl_usd=realized_pnl_usd,
        win_rate=win_rate,
        entry_threshold=entry_threshold,
    )


def make_api(
    provider: str = "jupiter", *, calls: int = 1234, errors: int = 2, rate_limited: int = 1
) -> ApiView:
    """Builds one provider's usage tally."""
    return ApiView(
        provider=provider,
        calls=calls,
        errors=errors,
        rate_limited=rate_limited,
        p95_ms=87.4,
        p50_ms=41.0,
        window_requests=12,
        window_limit=30,
        provider_remaining=18,
        circuit="closed",
    )


def make_log(
    seq_from: int, seq_to: int, *, level: str = "info", prefix: str = "line"
) -> tuple[LogLine, ...]:
    """Builds log lines `seq_from..seq_to` (inclusive), each message naming its seq."""
    return tuple(
        LogLine(seq=seq, ts=MARKET_T0 + seq, level=level, message=f"{prefix} {seq}")
        for seq in range(seq_from, seq_to + 1)
    )


def make_snapshot(**overrides: Any) -> EngineSnapshot:
    """Builds a mid-session paper snapshot: two positions, fills, scores, usage and a log.

    Args:
        **overrides: Any EngineSnapshot field to set instead of the default.
    """
    positions = (make_position("BONK"), make_position("WIF", whole=17.5))
    base = EngineSnapshot(
        version="0.1.0",
        mode="paper",
        trading_state=TradingState.ACTIVE,
        state_reason="new ledger",
        market_ts=MARKET_T0,
        starting_cash_usd=500.0,
        cash_usd=412.3456,
        equity_usd=512.3456,
        realized_pnl_usd=12.34,
        unrealized_pnl_usd=-3.21,
        total_return=None,
        win_rate=4 / 7,
        round_trips=7,
        wins=4,
        losses=3,
        fills=16,
        max_drawdown_pct=4.5678,
        positions=positions,
        recent_fills=(
            make_fill_view("WIF", ts=MARKET_T0 - 30),
            make_fill_view("SOL", side="sell", ts=MARKET_T0 - 90),
            make_fill_view("BONK", ts=MARKET_T0 - 754),
        ),
        scores=(make_score("SOL", score=0.41), make_score("BONK"), make_score("WIF", score=0.83)),
        strategies=(make_strategy(),),
        api=(make_api("jupiter"), make_api("solana-rpc", calls=56, errors=0, rate_limited=0)),
        log=make_log(1, 5),
    )
    snapshot = replace(base, **overrides)
    if "total_return" not in overrides and snapshot.equity_usd is not None:
        # As views.build_snapshot derives it, so overriding equity keeps the two consistent.
        snapshot = replace(
            snapshot, total_return=snapshot.equity_usd / snapshot.starting_cash_usd - 1
        )
    if "no_entry_reason" not in overrides:
        # As views.build_snapshot derives it, with the default risk limits.
        snapshot = replace(snapshot, no_entry_reason=why_no_entry(snapshot, RiskConfig()))
    return snapshot
