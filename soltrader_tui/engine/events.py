"""Provides the engine's events: one frozen dataclass per kind of line the engine writes.

Each event is a fact in the past tense carrying its typed figures (symbol, quantity, price,
amounts in micro-USDC, rule, state); `message` renders it to the one log line, here and
nowhere else, so the ledger, the screen and the log file say it the same way. `kind` and
`rule` are what the ledger stores with the line: `status` and the tests filter on them, so
their values never change.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from soltrader_tui.domain import TradingState, micro_to_usd
from soltrader_tui.format import duration, spoken_span, usd_micro
from soltrader_tui.market.plausibility import value_text


def plain_price(price_usd: float) -> str:
    """Formats a price with six significant digits and no exponent (memecoins cost 0.0000312)."""
    if not math.isfinite(price_usd) or price_usd <= 0:
        return str(price_usd)
    decimals = max(2, 5 - math.floor(math.log10(price_usd)))
    return f"{price_usd:,.{decimals}f}"


def clock_text(ts: float) -> str:
    """Formats a market time as HH:MM:SS (UTC), for "last price 12:00:03" in a line."""
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


def _pnl(micro: int) -> str:
    """A realized P&L as "+12.30 USD": the sign always shown, the unit after the number."""
    return f"{micro_to_usd(micro):+,.2f} USD"


@dataclass(frozen=True, slots=True)
class EngineEvent(ABC):
    """Something the engine decided or saw, at market time `ts`."""

    kind: ClassVar[str]
    """Stored with the line; `status` and the ledger's readers filter on it."""
    ts: float

    LEVEL: ClassVar[str] = "info"
    """How loud every event of the class is; an event whose loudness varies overrides `level`."""

    @property
    def level(self) -> str:
        """How loud the line is: "info", "warning" or "error"."""
        return self.LEVEL

    @property
    def rule(self) -> str | None:
        """The rule stored with the line, for lines a rule decided (a denial, a refusal)."""
        return None

    @property
    @abstractmethod
    def message(self) -> str:
        """The line as the ledger, the screen and the log file show it."""


# -- the session ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionStarted(EngineEvent):
    """The engine started trading from the ledger's state."""

    kind: ClassVar[str] = "engine"
    mode: str
    source: str
    state: TradingState
    cash_micro: int
    open_positions: int

    @property
    def message(self) -> str:
        return (
            f"session started: {self.mode} on {self.source}, state {self.state.value.upper()}, "
            f"cash {usd_micro(self.cash_micro)}, {self.open_positions} open positions"
        )


@dataclass(frozen=True, slots=True)
class StrategiesWarmed(EngineEvent):
    """The market's past was fed to the strategies before the first tick (nothing traded)."""

    kind: ClassVar[str] = "engine"
    source: str
    span_s: float
    """The longest warm-up of the strategies: the past asked for."""
    tokens: int
    ticks: int
    wall_s: float
    error: str | None = None
    """Why the past could not be had; the strategies then warm up on live prices."""

    @property
    def level(self) -> str:
        return "info" if self.error is None else "warning"

    @property
    def message(self) -> str:
        wanted = duration(self.span_s)
        if self.error is not None:
            return (
                f"no past from {self.source} ({self.error}): strategies warm up on live prices "
                f"({wanted} needed)"
            )
        if not self.ticks:
            return (
                f"no past before the start from {self.source}: strategies warm up on live "
                f"prices ({wanted} needed)"
            )
        tokens = "1 token" if self.tokens == 1 else f"{self.tokens} tokens"
        return (
            f"strategies warmed on {wanted} of {self.source} history before the start: "
            f"{tokens}, {self.ticks:,} ticks, {self.wall_s:.2f} s; no trade on it"
        )


@dataclass(frozen=True, slots=True)
class SessionStopped(EngineEvent):
    """The engine stopped; its totals are the committed fills'."""

    kind: ClassVar[str] = "engine"
    equity_micro: int | None
    realized_micro: int
    round_trips: int

    @property
    def message(self) -> str:
        return (
            f"session stopped: equity {usd_micro(self.equity_micro)}, "
            f"realized {_pnl(self.realized_micro)}, {self.round_trips} round trips"
        )


@dataclass(frozen=True, slots=True)
class EngineFailed(EngineEvent):
    """The tick loop raised; the engine stops."""

    kind: ClassVar[str] = "engine"
    LEVEL: ClassVar[str] = "error"
    error: str

    @property
    def message(self) -> str:
        return f"engine failed: {self.error}"


@dataclass(frozen=True, slots=True)
class FinalFlushFailed(EngineEvent):
    """The last write while stopping failed after another failure."""

    kind: ClassVar[str] = "engine"
    LEVEL: ClassVar[str] = "error"
    error: str

    @property
    def message(self) -> str:
        return f"final flush failed: {self.error}"


@dataclass(frozen=True, slots=True)
class RestoreNoted(EngineEvent):
    """Restoring the portfolio from the ledger found something the operator should know."""

    kind: ClassVar[str] = "engine"
    LEVEL: ClassVar[str] = "warning"
    note: str

    @property
    def message(self) -> str:
        return self.note


@dataclass(frozen=True, slots=True)
class PortfolioCheckFailed(EngineEvent):
    """The saved portfolio could not be compared with a full replay."""

    kind: ClassVar[str] = "engine"
    LEVEL: ClassVar[str] = "warning"
    error: str

    @property
    def message(self) -> str:
        return f"could not check the saved portfolio: {self.error}"


@dataclass(frozen=True, slots=True)
class PortfolioChecked(EngineEvent):
    """The saved portfolio equalled a full replay of the fills."""

    kind: ClassVar[str] = "engine"
    last_fill_id: int

    @property
    def message(self) -> str:
        return (
            "saved portfolio checked: equal to a full replay of the ledger's fills through "
            f"fill {self.last_fill_id}"
        )


@dataclass(frozen=True, slots=True)
class PortfolioRebuilt(EngineEvent):
    """The saved portfolio differed from a full replay and was replaced by it."""

    kind: ClassVar[str] = "engine"
    LEVEL: ClassVar[str] = "error"
    differed_in: tuple[str, ...]

    @property
    def message(self) -> str:
        return (
            f"the saved portfolio differed from a full replay of the ledger in "
            f"{', '.join(self.differed_in)}: rebuilt from the fills, which are the truth; the "
            "figures on screen are now the ledger's"
        )


@dataclass(frozen=True, slots=True)
class FeedNoticed(EngineEvent):
    """The market feed reported on its own health (a provider down, back, rate-limited)."""

    kind: ClassVar[str] = "feed"
    notice_level: str
    text: str

    @property
    def level(self) -> str:
        return self.notice_level

    @property
    def message(self) -> str:
        return self.text


# -- decisions and orders ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalRaised(EngineEvent):
    """A strategy asked to buy or sell."""

    kind: ClassVar[str] = "signal"
    side: str
    symbol: str
    strategy: str
    score: float
    reason: str

    @property
    def message(self) -> str:
        return (
            f"SIGNAL {self.side.upper()} {self.symbol} by {self.strategy} "
            f"(score {self.score:.2f}): {self.reason}"
        )


@dataclass(frozen=True, slots=True)
class OrderDenied(EngineEvent):
    """The risk manager denied an entry; the rule is stored so `status` counts per rule."""

    kind: ClassVar[str] = "denied"
    symbol: str
    denied_by: str
    reason: str

    @property
    def rule(self) -> str | None:
        return self.denied_by

    @property
    def message(self) -> str:
        return f"DENIED BUY {self.symbol}: {self.denied_by}: {self.reason}"


@dataclass(frozen=True, slots=True)
class OrderRejected(EngineEvent):
    """The executor refused an order (no route, slippage past the limit)."""

    kind: ClassVar[str] = "rejected"
    LEVEL: ClassVar[str] = "warning"
    side: str
    symbol: str
    order_reason: str
    reason: str

    @property
    def message(self) -> str:
        return f"REJECTED {self.side.upper()} {self.symbol} ({self.order_reason}): {self.reason}"


@dataclass(frozen=True, slots=True)
class OrderFilled(EngineEvent):
    """An order filled; `realized_micro` is set for a sell."""

    kind: ClassVar[str] = "fill"
    side: str
    qty: float
    """Whole tokens (not base units)."""
    symbol: str
    price_usd: float
    quote_micro: int
    fee_micro: int
    order_reason: str
    realized_micro: int | None

    @property
    def message(self) -> str:
        text = (
            f"FILL {self.side.upper()} {self.qty:,.4f} {self.symbol} @ "
            f"${plain_price(self.price_usd)} for {usd_micro(self.quote_micro)} "
            # A fee is cents of a cent on a small order: four decimals show it.
            f"(fee ${micro_to_usd(self.fee_micro):,.4f}) [{self.order_reason}]"
        )
        if self.realized_micro is not None:
            text += f", realized {_pnl(self.realized_micro)}"
        return text


@dataclass(frozen=True, slots=True)
class RoundTripClosed(EngineEvent):
    """A sell closed a position."""

    kind: ClassVar[str] = "round_trip"
    symbol: str
    won: bool
    realized_micro: int
    wins: int
    round_trips: int

    @property
    def message(self) -> str:
        return (
            f"ROUND TRIP {self.symbol} closed: {'WIN' if self.won else 'LOSS'} "
            f"{_pnl(self.realized_micro)}; win rate {self.wins}/{self.round_trips}"
        )


# -- the operator and the breakers ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BreakerTripped(EngineEvent):
    """A circuit breaker fired. Stored without a rule: only denials and refusals carry one."""

    kind: ClassVar[str] = "breaker"
    LEVEL: ClassVar[str] = "warning"
    breaker: str
    reason: str

    @property
    def message(self) -> str:
        return f"BREAKER {self.breaker}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TradingStateChanged(EngineEvent):
    """The trading state moved (a command, a breaker, a halt)."""

    kind: ClassVar[str] = "state"
    before: TradingState
    after: TradingState
    reason: str

    @property
    def level(self) -> str:
        return "info" if self.after is TradingState.ACTIVE else "warning"

    @property
    def message(self) -> str:
        return f"STATE {self.before.value.upper()} -> {self.after.value.upper()}: {self.reason}"


@dataclass(frozen=True, slots=True)
class StateCommandAnswered(EngineEvent):
    """A state command changed nothing (already paused, halted needs a resume)."""

    kind: ClassVar[str] = "state"
    command: str
    actor: str
    answer: str

    @property
    def message(self) -> str:
        return f"{self.command.upper()} by {self.actor}: {self.answer}"


@dataclass(frozen=True, slots=True)
class CloseAnswered(EngineEvent):
    """The operator's close of one position sold nothing (no such position, or no sale)."""

    kind: ClassVar[str] = "state"
    LEVEL: ClassVar[str] = "warning"
    symbol: str
    actor: str
    answer: str

    @property
    def message(self) -> str:
        return f"CLOSE {self.symbol} by {self.actor}: {self.answer}"


@dataclass(frozen=True, slots=True)
class StrategyToggled(EngineEvent):
    """The operator enabled or disabled a strategy (the dashboard's `s`, `watch`)."""

    kind: ClassVar[str] = "strategy"
    name: str
    enabled: bool
    actor: str

    @property
    def message(self) -> str:
        if self.enabled:
            return f"STRATEGY {self.name} ENABLED by {self.actor}: it may open positions"
        return (
            f"STRATEGY {self.name} DISABLED by {self.actor}: it still scores but opens no "
            "position; open positions keep their risk exits"
        )


@dataclass(frozen=True, slots=True)
class StrategyToggleRestored(EngineEvent):
    """At start, a strategy toggled in an earlier session: kept, or the config changed since."""

    kind: ClassVar[str] = "strategy"
    name: str
    enabled: bool
    """In force from now on."""
    kept: bool
    """The toggle is kept (the config is as it was); False: the config changed and wins."""

    @property
    def message(self) -> str:
        state = "ENABLED" if self.enabled else "DISABLED"
        if self.kept:
            return (
                f"strategy {self.name} stays {state} as toggled before, though the config says "
                f"{'disabled' if self.enabled else 'enabled'} (press s to change it)"
            )
        return (
            f"strategy {self.name} follows the config again ({state}): the config changed "
            "since it was toggled"
        )


@dataclass(frozen=True, slots=True)
class CheckpointTaken(EngineEvent):
    """A checkpoint was written."""

    kind: ClassVar[str] = "checkpoint"
    name: str
    reason: str

    @property
    def message(self) -> str:
        return f"CHECKPOINT {self.name} ({self.reason})"


@dataclass(frozen=True, slots=True)
class CheckpointFailed(EngineEvent):
    """A checkpoint could not be written; trading goes on."""

    kind: ClassVar[str] = "checkpoint"
    LEVEL: ClassVar[str] = "warning"
    error: str

    @property
    def message(self) -> str:
        return f"checkpoint failed: {self.error}"


# -- prices -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceMoveBelieved(EngineEvent):
    """A large price move was accepted because a swap quote agreed with it."""

    kind: ClassVar[str] = "price"
    LEVEL: ClassVar[str] = "warning"
    symbol: str
    price_usd: float
    before_usd: float | None

    @property
    def message(self) -> str:
        before = "" if self.before_usd is None else f" from {value_text(self.before_usd)}"
        return (
            f"PRICE MOVE {self.symbol} to {value_text(self.price_usd)}{before} believed: "
            "a swap quote agrees"
        )


@dataclass(frozen=True, slots=True)
class PriceStale(EngineEvent):
    """A token's price went stale: no entries until a fresh one is accepted."""

    kind: ClassVar[str] = "stale"
    LEVEL: ClassVar[str] = "warning"
    symbol: str
    last_ts: float
    """Market time of the last accepted price; its age is measured from `ts`."""

    @property
    def message(self) -> str:
        return (
            f"STALE {self.symbol}: no fresh price accepted since {clock_text(self.last_ts)} "
            f"({self.ts - self.last_ts:,.0f} s ago); no entries until one is"
        )


@dataclass(frozen=True, slots=True)
class PriceFresh(EngineEvent):
    """A stale token's prices are current again."""

    kind: ClassVar[str] = "stale"
    symbol: str

    @property
    def message(self) -> str:
        return f"FRESH {self.symbol}: prices are current again"


@dataclass(frozen=True, slots=True)
class ExitWaitingForPrice(EngineEvent):
    """A held token's stop-loss has no trusted price to act on."""

    kind: ClassVar[str] = "stale"
    LEVEL: ClassVar[str] = "warning"
    symbol: str
    last_ts: float | None
    """Market time of the last accepted price, None when none ever was."""

    @property
    def message(self) -> str:
        since = (
            "no price has been accepted"
            if self.last_ts is None
            else f"last accepted is {self.ts - self.last_ts:,.0f} s old "
            f"({clock_text(self.last_ts)})"
        )
        return f"stop-loss for {self.symbol} needs a price: {since}; exits wait for a trusted price"


@dataclass(frozen=True, slots=True)
class PriceRefused(EngineEvent):
    """The plausibility gate refused a price; the rule is stored so `status` counts per rule.

    The sentence is the gate's own (it knows the figures each rule compared), so it is
    carried as it came.
    """

    kind: ClassVar[str] = "refused"
    LEVEL: ClassVar[str] = "warning"
    refused_by: str
    text: str

    @property
    def rule(self) -> str | None:
        return self.refused_by

    @property
    def message(self) -> str:
        return self.text


# -- the machine and the alerts ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MachineSlept(EngineEvent):
    """The engine was away (the machine slept, or its loop stalled): every price is marked
    stale and re-read before any entry or exit."""

    kind: ClassVar[str] = "sleep"
    LEVEL: ClassVar[str] = "warning"
    asleep_s: float
    open_positions: int

    @property
    def message(self) -> str:
        away = f"asleep {spoken_span(self.asleep_s)}"
        if self.open_positions == 0:
            return f"{away} with no position open; prices are re-read before any trade"
        held = "1 position" if self.open_positions == 1 else f"{self.open_positions} positions"
        return f"{away} with {held} open; stops were not watched"


@dataclass(frozen=True, slots=True)
class ResourceLimit(EngineEvent):
    """A sampled resource crossed its `monitor` limit (memory, disk, loop lag)."""

    kind: ClassVar[str] = "resource"
    LEVEL: ClassVar[str] = "warning"
    what: str
    """`rss_mb`, `disk_free_mb` or `loop_lag_ms`: the limit's key in the `monitor` section."""
    value: float
    limit: float

    @property
    def message(self) -> str:
        side = "below" if self.what == "disk_free_mb" else "above"
        return f"RESOURCE {self.what} {self.value:,.0f} is {side} its limit {self.limit:,.0f}"


@dataclass(frozen=True, slots=True)
class AlertDeliveryFailed(EngineEvent):
    """An alert could not be delivered to a target (after its retries)."""

    kind: ClassVar[str] = "alert"
    LEVEL: ClassVar[str] = "warning"
    target: str
    """The target's label (secrets masked)."""
    attempts: int
    error: str

    @property
    def message(self) -> str:
        return f"ALERT NOT DELIVERED to {self.target} after {self.attempts} attempts: {self.error}"
