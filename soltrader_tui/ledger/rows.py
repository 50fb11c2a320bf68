"""Provides the row types the ledger stores besides fills, and time-stamp formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

_DAYS: dict[int, str] = {}
"""`YYYY-MM-DD` of each UTC day number met (a session meets a handful, a backtest a few hundred)."""
_CLOCKS: dict[int, str] = {}
"""`THH:MM:SS.000Z` of each second of the day met, up to `_CLOCKS_KEPT` of them: candle and
equity times fall on a grid (a 5-minute backtest's closes and exits meet 1,152 of them)."""
_CLOCKS_KEPT = 4096


def iso(ts: float) -> str:
    """Formats unix seconds as the ledger's UTC ISO-8601 text, millisecond precision."""
    whole = int(ts)
    if whole == ts and whole >= 0:
        # Whole seconds (candle and equity times: tens of thousands in a backtest's commit) by
        # arithmetic, the day's date and the time of day cached: several times faster, and the
        # same text.
        day, second = divmod(whole, 86_400)
        date = _DAYS.get(day)
        if date is None:
            date = _DAYS[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")
        clock = _CLOCKS.get(second)
        if clock is None:
            hour, rest = divmod(second, 3600)
            clock = f"T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.000Z"
            if len(_CLOCKS) < _CLOCKS_KEPT:
                _CLOCKS[second] = clock
        return date + clock
    # isoformat is C code, several times faster than strftime on the fill path.
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def from_iso(text: str) -> float:
    """Parses the ledger's ISO-8601 text back to unix seconds."""
    return datetime.fromisoformat(text).timestamp()


@dataclass(frozen=True, slots=True)
class EventRow:
    """One line of the decision log."""

    ts: float
    level: str
    """'info' | 'warning' | 'error'."""
    kind: str
    """What happened, for filtering: 'signal', 'order', 'fill', 'denied', 'state', 'engine', …"""
    message: str
    rule: str | None = None
    """The rule a 'denied' or 'refused' line is about (`risk.checks.Rule`, the gate's rule)."""


@dataclass(frozen=True, slots=True)
class MarkRow:
    """The latest price the engine saw for a token."""

    mint: str
    symbol: str
    decimals: int
    price_usd: float
    liquidity_usd: float | None
    ts: float


@dataclass(frozen=True, slots=True)
class StrategyRow:
    """A strategy a session runs: whether it may trade now, and what the config said."""

    name: str
    enabled: bool
    """In force: the config's value, or the operator's toggle when one was made."""
    config_enabled: bool | None = None
    """The config's value when the session started (None in rows older than schema 5).
    `enabled != config_enabled` is an operator's toggle, kept until the config changes."""
    entry_threshold: float | None = None
    """The score a token must reach for a buy (None: not recorded)."""


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """A strategy's latest score for one token."""

    strategy: str
    mint: str
    symbol: str
    score: float | None
    reason: str
    ts: float


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """One point of the equity curve."""

    ts: float
    equity_micro: int
    cash_micro: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Proof of life of the engine that holds the ledger."""

    wall_ts: float
    market_ts: float | None
    pid: int
    version: str
    mode: str
    running: bool


@dataclass(frozen=True, slots=True)
class StateRow:
    """A trading-state change: what, why, and who."""

    state: str
    reason: str
    actor: str
    ts: float


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """A saved replay: the portfolio and equity curve after the fills up to `last_fill_id`."""

    last_fill_id: int
    """The id of the last fill the saved portfolio includes (0: none)."""
    last_equity_ts: float | None
    """Time of the last equity point the saved curve includes (None: none)."""
    portfolio: str
    """The portfolio as `portfolio_codec.encode_portfolio` wrote it."""
    curve: str
    """The equity curve as `portfolio_codec.encode_curve` wrote it."""


@dataclass(frozen=True, slots=True)
class UsageMinute:
    """A ledger row for `api_usage`: one provider, one UTC minute.

    `calls`, `errors` and `rate_limited` are counted since the previous `take_minutes` (add
    them to the row); `p50_ms`/`p95_ms` cover the whole minute so far (replace them).
    """

    provider: str
    minute: str
    """UTC minute as 'YYYY-MM-DDTHH:MMZ'."""
    calls: int
    errors: int
    rate_limited: int
    p50_ms: float | None
    p95_ms: float | None
