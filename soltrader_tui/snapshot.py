"""Provides EngineSnapshot: the immutable picture of the engine that screens render.

The engine publishes one after every fill or state change and otherwise at most every
~50 ms of wall time. `status`, `watch` and the TUI all render the same type, so a number
cannot mean one thing on one screen and another elsewhere. A figure that is not known is
`None` and shows as "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from soltrader_tui.domain import Mode, TradingState

LOG_LINES = 200
"""Log lines a snapshot carries, the engine's and `watch`'s alike (the log pane keeps more)."""

STALE_PRICE = "STALE price"
"""How a score's reason starts while the token's price is stale (the screen, `status` and
`health` all read it)."""


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open position, marked to market."""

    mint: str
    symbol: str
    decimals: int
    qty: int
    """Base units held."""
    avg_cost_usd: float
    """USD per whole token, buy fees included."""
    cost_basis_usd: float
    mark_usd: float | None
    """Latest price, USD per whole token; None when the market has none."""
    value_usd: float | None
    unrealized_pnl_usd: float | None
    unrealized_return: float | None
    """Unrealized P&L over cost basis, as a fraction (0.05 is +5%)."""
    stop_usd: float | None
    """Price at which the stop-loss exit fires."""
    target_usd: float | None
    """Price at which the take-profit exit fires."""
    opened_ts: float
    strategy: str
    trailing_usd: float | None = None
    """The trailing stop's level (the high-water mark less the trail); None without a trail or
    before a first mark. `stop_usd` is the higher of it and the fixed stop."""
    mark_ts: float | None = None
    """Market time of the mark; None when not known."""
    stale: bool = False
    """The mark is older than the feed's staleness limit (`market.stale_after_s`)."""
    entry_reason: str = ""
    """What the strategy said when it opened the position; "" when the ledger has no reason."""
    recent_marks: tuple[tuple[float, float], ...] = ()
    """(market time, price) of the token's recent accepted prices, oldest first; empty when
    not known (`status` and `watch` read only the latest mark)."""


@dataclass(frozen=True, slots=True)
class FillView:
    """One recorded fill, newest first in a snapshot."""

    ts: float
    order_id: str
    symbol: str
    side: str
    qty_whole: float
    price_usd: float
    quote_usd: float
    fee_usd: float
    realized_pnl_usd: float | None
    """For a sell: the P&L it realized; None for a buy."""
    strategy: str
    reason: str
    mint: str = ""


@dataclass(frozen=True, slots=True)
class ScoreView:
    """A strategy's latest score for one token."""

    strategy: str
    mint: str
    symbol: str
    score: float | None
    """In [0, 1]; None while the strategy is still warming up."""
    reason: str
    price_usd: float | None
    liquidity_usd: float | None


@dataclass(frozen=True, slots=True)
class StrategyView:
    """How one strategy has done, from its round trips in the ledger."""

    name: str
    enabled: bool
    score: float | None
    """The strategy's best current score over all tokens."""
    round_trips: int
    realized_pnl_usd: float
    win_rate: float | None
    entry_threshold: float | None = None
    """The score a token must reach for a buy; None where not known (an older ledger)."""


@dataclass(frozen=True, slots=True)
class ApiView:
    """Usage of one outbound provider."""

    provider: str
    calls: int
    errors: int
    rate_limited: int
    p95_ms: float | None
    p50_ms: float | None = None
    window_requests: int | None = None
    """Requests sent in the provider's current rate-limit window."""
    window_limit: int | None = None
    """Requests the configured rate limit allows per window."""
    provider_remaining: int | None = None
    """What the provider itself says is left of its budget (rate-limit headers), if it says."""
    circuit: str | None = None
    """'closed' (healthy), 'open' (calls skipped) or 'half_open' (probing)."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the engine's decision log."""

    seq: int
    ts: float
    level: str
    message: str


@dataclass(frozen=True, slots=True)
class WalletView:
    """The trading wallet's balances as last read from the chain (a live market only)."""

    pubkey: str
    sol: float | None = None
    """Whole SOL; None before the first read."""
    usdc: float | None = None
    """Whole USDC (the configured mint); None before the first read."""
    other_tokens: int = 0
    """Other mints with a balance."""
    read_at: float | None = None
    """Wall time of the last successful read."""
    error: str = ""
    """Why the last read failed ("" when it did not): the figures are then the previous ones."""


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """Everything a screen shows, taken at one instant."""

    version: str
    mode: Mode
    trading_state: TradingState
    state_reason: str
    market_ts: float | None
    """Market time of the last tick; None before the first."""
    starting_cash_usd: float
    cash_usd: float
    equity_usd: float | None
    """None while an open position has no mark."""
    realized_pnl_usd: float
    unrealized_pnl_usd: float | None
    total_return: float | None
    """Equity over starting cash, minus one, as a fraction; None while equity is unknown."""
    win_rate: float | None
    round_trips: int
    wins: int
    losses: int
    fills: int
    max_drawdown_pct: float | None
    positions: tuple[PositionView, ...] = ()
    risk_rejections: tuple[tuple[str, int], ...] = ()
    """Denied entries per risk rule, most frequent first (from the ledger's log lines)."""
    day_pnl_usd: float | None = None
    """Equity change since the UTC day started (realized + unrealized)."""
    fees_today_usd: float | None = None
    """Fees paid on the market's UTC day (a live fill's SOL costs in), USD."""
    live_vs_paper: str = ""
    """Live swaps against their paper twins, one short line ("" with no live swap)."""
    daily_loss_limit_usd: float | None = None
    drawdown_pct: float | None = None
    """Current drawdown from the equity curve's peak, percent (the engine's and `watch`'s alike)."""
    max_drawdown_limit_pct: float | None = None
    recent_fills: tuple[FillView, ...] = ()
    scores: tuple[ScoreView, ...] = ()
    strategies: tuple[StrategyView, ...] = ()
    api: tuple[ApiView, ...] = ()
    api_note: str = ""
    """Why `api` is empty when it is (for example: the market is read in-process)."""
    log: tuple[LogLine, ...] = field(default=())
    """The newest log lines, oldest first, bounded."""
    running: bool = True
    """False once the engine has stopped (duration reached, quit, or failed)."""
    no_entry_reason: str = ""
    """Why no entry is happening right now, in one line for the header ("best score 0.61
    WIFX (momentum), entry at 0.75", "max open positions reached (3/3)"); "" once stopped."""
    error: str | None = None
    """The engine's failure, when it failed."""
    machine: str = ""
    """The process and the machine in one line for the header ("RSS 84 MB · CPU 3.1 % · lag
    2 ms", and a recent sleep); "" when not known."""
    wallet: WalletView | None = None
    """The trading wallet's balances, on a live market with a wallet configured; else None."""
    safety: tuple[tuple[str, str], ...] = ()
    """Each checked token's safety verdict ("safe", "freeze auth", "top10 62%", ...) by mint,
    from the facts the entry rules judge; a token left out was not checked ("—")."""
    equity_session: tuple[float, ...] = ()
    """Equity in USD at each point of the curve the ledger holds from this session, oldest
    first, thinned evenly to a bounded count; empty before the first is committed."""
    equity_history: tuple[float, ...] = ()
    """The same over the ledger's whole history, every session; empty when not known."""
