"""Provides the one function that turns portfolio state into an EngineSnapshot.

The engine (from its in-memory cache of the ledger) and `status`/`watch` (from the ledger
file) both call `build_snapshot`, so the screen and the ledger cannot disagree on how a
figure is computed. Every figure that follows from the ledger and the config's risk limits is
computed here, from the same inputs on both sides: the exit levels of each position, today's
P&L against the daily loss limit, the drawdown against its limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from soltrader_tui.domain import Fill, Mode, TradingState, micro_to_usd
from soltrader_tui.monitor.why_no_entry import why_no_entry
from soltrader_tui.portfolio.portfolio import Portfolio, Position
from soltrader_tui.risk.exits import ExitPolicy

if TYPE_CHECKING:
    from soltrader_tui.config.model import RiskConfig
    from soltrader_tui.net.usage import ProviderUsage
    from soltrader_tui.risk import ExitLevels
from soltrader_tui.snapshot import (
    ApiView,
    EngineSnapshot,
    FillView,
    LogLine,
    PositionView,
    ScoreView,
    StrategyView,
)


@dataclass(frozen=True, slots=True)
class SnapshotContext:
    """What a snapshot needs besides the portfolio and the marks."""

    version: str
    mode: Mode
    trading_state: TradingState
    state_reason: str
    market_ts: float | None
    max_drawdown_pct: float | None
    strategies_enabled: Mapping[str, bool]
    running: bool
    error: str | None = None
    api_note: str = ""
    risk_rejections: Mapping[str, int] = field(default_factory=dict)
    day_start_equity_micro: int | None = None
    """Equity at the start of the market's UTC day, which today's P&L is measured from."""
    fees_today_micro: int | None = None
    """Fees (network costs in) of the fills of the market's UTC day."""
    live_vs_paper: str = ""
    """Live swaps against their paper twins (`slippage_view.live_figure`)."""
    peak_equity_micro: int | None = None
    """The equity curve's peak, which the current drawdown is measured from."""
    entry_thresholds: Mapping[str, float] = field(default_factory=dict)
    """Each strategy's entry threshold, where known: what its best score is measured against."""
    machine: str = ""
    """The header's health line (`monitor.resources.machine_line`)."""
    safety: Mapping[str, str] = field(default_factory=dict)
    """Each checked token's safety verdict by mint (`risk.token_safety.verdict`)."""
    stale_mints: frozenset[str] = frozenset()
    """Tokens whose price is older than the feed's staleness limit."""
    mark_ts: Mapping[str, float] = field(default_factory=dict)
    """Market time of each token's mark, where known."""
    entry_reasons: Mapping[str, str] = field(default_factory=dict)
    """What the strategy said when it opened each open position, where the ledger has it."""
    recent_marks: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    """Recent (market time, price) of held tokens, oldest first, where known."""
    equity_session: tuple[float, ...] = ()
    """This session's committed equity points in USD, thinned (`EquitySeries`)."""
    equity_history: tuple[float, ...] = ()
    """The ledger's whole equity curve in USD, thinned."""


def api_view(usage: ProviderUsage) -> ApiView:
    """Describes one provider's live usage for the screen."""
    return ApiView(
        provider=usage.provider,
        calls=usage.calls,
        errors=usage.errors,
        rate_limited=usage.rate_limited,
        p95_ms=usage.p95_ms,
        p50_ms=usage.p50_ms,
        window_requests=usage.window_requests,
        window_limit=usage.window_limit,
        provider_remaining=usage.provider_remaining,
        circuit=usage.circuit,
        last_error=usage.last_error,
    )


def fill_view(fill: Fill, reason: str, realized_micro: int | None) -> FillView:
    """Describes one fill for the screen."""
    return FillView(
        ts=fill.ts,
        order_id=fill.order_id,
        symbol=fill.token.symbol,
        side=fill.side,
        qty_whole=fill.token.to_whole(fill.qty),
        price_usd=fill.price_usd,
        quote_usd=micro_to_usd(fill.quote_amount),
        fee_usd=micro_to_usd(fill.fee),
        realized_pnl_usd=None if realized_micro is None else micro_to_usd(realized_micro),
        strategy=fill.strategy,
        reason=reason,
        mint=fill.token.mint,
    )


def position_view(
    pos: Position,
    mark: float | None,
    levels: ExitLevels | None,
    ctx: SnapshotContext | None = None,
    trailing_usd: float | None = None,
) -> PositionView:
    """Describes one open position, marked at `mark`; `ctx` adds what the caller knows of its
    mark's age, its entry and its recent prices."""
    value = None if mark is None else pos.value_micro(mark)
    mint = pos.token.mint
    return PositionView(
        mint=pos.token.mint,
        symbol=pos.token.symbol,
        decimals=pos.token.decimals,
        qty=pos.qty,
        avg_cost_usd=pos.avg_cost_usd,
        cost_basis_usd=micro_to_usd(pos.cost_micro),
        mark_usd=mark,
        value_usd=None if value is None else micro_to_usd(value),
        unrealized_pnl_usd=None if value is None else micro_to_usd(value - pos.cost_micro),
        unrealized_return=(
            None if value is None or pos.cost_micro <= 0 else value / pos.cost_micro - 1
        ),
        stop_usd=None if levels is None else levels.stop_usd,
        target_usd=None if levels is None else levels.target_usd,
        opened_ts=pos.opened_ts,
        strategy=pos.strategy,
        trailing_usd=trailing_usd,
        mark_ts=None if ctx is None else ctx.mark_ts.get(mint),
        stale=ctx is not None and mint in ctx.stale_mints,
        entry_reason="" if ctx is None else ctx.entry_reasons.get(mint, ""),
        recent_marks=() if ctx is None else ctx.recent_marks.get(mint, ()),
    )


def strategy_views(
    portfolio: Portfolio,
    enabled: Mapping[str, bool],
    scores: Sequence[ScoreView],
    thresholds: Mapping[str, float] | None = None,
) -> tuple[StrategyView, ...]:
    """Summarises each strategy: best current score, entry threshold and its round trips."""
    names = sorted(set(enabled) | set(portfolio.strategy_stats))
    views = []
    for name in names:
        stats = portfolio.strategy_stats.get(name)
        known = [s.score for s in scores if s.strategy == name and s.score is not None]
        views.append(
            StrategyView(
                name=name,
                enabled=enabled.get(name, False),
                score=max(known) if known else None,
                round_trips=0 if stats is None else stats.round_trips,
                realized_pnl_usd=0.0 if stats is None else micro_to_usd(stats.realized_micro),
                win_rate=None if stats is None else stats.win_rate,
                entry_threshold=None if thresholds is None else thresholds.get(name),
            )
        )
    return tuple(views)


def build_snapshot(
    ctx: SnapshotContext,
    portfolio: Portfolio,
    marks: Mapping[str, float],
    *,
    risk: RiskConfig | None = None,
    recent_fills: Sequence[FillView] = (),
    scores: Sequence[ScoreView] = (),
    api: Sequence[ApiView] = (),
    log: Sequence[LogLine] = (),
) -> EngineSnapshot:
    """Assembles an immutable snapshot; unknown figures stay None.

    Args:
        ctx: What the caller knows besides the portfolio and the marks.
        portfolio: The fills replayed (the engine's cache, or a reader's replay).
        marks: The latest price of each token.
        risk: The limits in force (stops, targets, the day's loss and drawdown limits); None: "—".
        recent_fills: Newest first.
        scores: Any order: shown enabled strategies first, then by strategy and symbol.
        api: Usage per provider.
        log: Oldest first.
    """
    equity = portfolio.equity_micro(marks)
    unrealized = portfolio.unrealized_micro(marks)
    snapshot = EngineSnapshot(
        version=ctx.version,
        mode=ctx.mode,
        trading_state=ctx.trading_state,
        state_reason=ctx.state_reason,
        market_ts=ctx.market_ts,
        starting_cash_usd=micro_to_usd(portfolio.starting_cash_micro),
        cash_usd=micro_to_usd(portfolio.cash_micro),
        equity_usd=None if equity is None else micro_to_usd(equity),
        realized_pnl_usd=micro_to_usd(portfolio.realized_micro),
        unrealized_pnl_usd=None if unrealized is None else micro_to_usd(unrealized),
        total_return=_total_return(equity, portfolio.starting_cash_micro),
        win_rate=portfolio.win_rate,
        round_trips=portfolio.round_trips,
        wins=portfolio.wins,
        losses=portfolio.losses,
        fills=portfolio.fill_count,
        max_drawdown_pct=ctx.max_drawdown_pct,
        positions=_position_views(ctx, portfolio, marks, risk),
        risk_rejections=tuple(sorted(ctx.risk_rejections.items(), key=lambda kv: (-kv[1], kv[0]))),
        day_pnl_usd=_day_pnl_usd(equity, ctx.day_start_equity_micro),
        daily_loss_limit_usd=None if risk is None else risk.daily_loss_limit_usd,
        drawdown_pct=_drawdown_pct(equity, ctx.peak_equity_micro),
        max_drawdown_limit_pct=None if risk is None else risk.max_drawdown_pct,
        recent_fills=tuple(recent_fills),
        scores=_ordered_scores(scores, ctx.strategies_enabled),
        strategies=strategy_views(portfolio, ctx.strategies_enabled, scores, ctx.entry_thresholds),
        api=tuple(api),
        api_note=ctx.api_note,
        log=tuple(log),
        running=ctx.running,
        error=ctx.error,
        safety=tuple(sorted(ctx.safety.items())),
    )
    return _with_context(snapshot, ctx, risk)


def _with_context(
    snapshot: EngineSnapshot, ctx: SnapshotContext, risk: RiskConfig | None
) -> EngineSnapshot:
    """Adds what follows from the snapshot itself (why nothing is bought) and the caller's
    lines and charts."""
    return replace(
        snapshot,
        no_entry_reason=why_no_entry(snapshot, risk),
        machine=ctx.machine,
        live_vs_paper=ctx.live_vs_paper,
        fees_today_usd=None if ctx.fees_today_micro is None else micro_to_usd(ctx.fees_today_micro),
        equity_session=ctx.equity_session,
        equity_history=ctx.equity_history,
    )


def _ordered_scores(
    scores: Sequence[ScoreView], enabled: Mapping[str, bool]
) -> tuple[ScoreView, ...]:
    """Enabled strategies' scores first, then by strategy and symbol."""
    return tuple(
        sorted(scores, key=lambda v: (not enabled.get(v.strategy), v.strategy, v.symbol, v.mint))
    )


def _position_views(
    ctx: SnapshotContext,
    portfolio: Portfolio,
    marks: Mapping[str, float],
    risk: RiskConfig | None,
) -> tuple[PositionView, ...]:
    """Each open position, oldest first, with its stop, target and trailing level when the
    limits are known."""
    exits = None if risk is None else ExitPolicy.from_config(risk)
    return tuple(
        position_view(
            p,
            marks.get(mint),
            None if exits is None else exits.levels(p.avg_cost_usd, p.high_water_usd),
            ctx,
            None if exits is None else exits.trailing_usd(p.high_water_usd),
        )
        for mint, p in sorted(portfolio.positions.items(), key=lambda kv: kv[1].opened_ts)
    )


def _total_return(equity: int | None, starting_cash_micro: int) -> float | None:
    if equity is None or starting_cash_micro <= 0:
        return None
    return equity / starting_cash_micro - 1


def _day_pnl_usd(equity: int | None, day_start: int | None) -> float | None:
    return None if equity is None or day_start is None else micro_to_usd(equity - day_start)


def _drawdown_pct(equity: int | None, peak: int | None) -> float | None:
    """How far equity is below its peak, in percent (0 at or above it)."""
    if equity is None or peak is None or peak <= 0:
        return None
    return max(0.0, (peak - equity) * 100.0 / peak)
