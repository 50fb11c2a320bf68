"""Provides the alert rules: which engine events are worth telling the operator, at what
severity, and the two rules that need a duration (a stale price, an open circuit).

Pure: events in, drafts out. The drafts' keys decide what the cooldown folds together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soltrader_tui.alerts.fold import AlertDraft, Severity
from soltrader_tui.domain import TradingState
from soltrader_tui.engine.events import (
    BreakerTripped,
    EngineEvent,
    EngineFailed,
    FeedNoticed,
    MachineSlept,
    OrderFilled,
    PortfolioCheckFailed,
    PortfolioRebuilt,
    PriceFresh,
    PriceStale,
    ResourceLimit,
    TradingStateChanged,
)
from soltrader_tui.engine.live_events import SwapEnded, SwapRefused, SwapUnresolved
from soltrader_tui.format import duration

_CIRCUIT_OPEN = re.compile(r"^(\S+) circuit open")
_CIRCUIT_BACK = re.compile(r"^(\S+) answers again")
"""The feed's notices about a provider (market.http_feed); notices are text, not types."""


def _draft(rule: str, subject: str, severity: Severity, title: str, body: str) -> AlertDraft:
    key = f"{rule}:{subject}" if subject else rule
    return AlertDraft(rule, key, severity, title, body)


def alert_for(event: EngineEvent, *, live: bool) -> AlertDraft | None:
    """The alert an event raises at once, or None.

    Args:
        event: An event whose line was committed (or, for lines that claim nothing done,
            recorded).
        live: The session trades real money: every fill is then worth an alert.
    """
    match event:
        case EngineFailed():
            return _draft("engine_failed", "", "critical", "Engine failed", event.message)
        case TradingStateChanged(after=TradingState.HALTED):
            return _draft("state", "halted", "critical", "Trading HALTED", event.message)
        case TradingStateChanged(after=TradingState.PAUSED):
            return _draft("state", "paused", "warning", "Trading PAUSED", event.message)
        case TradingStateChanged(after=TradingState.ACTIVE):
            return _draft("state", "active", "info", "Trading ACTIVE again", event.message)
        case BreakerTripped():
            title = f"Breaker tripped: {event.breaker}"
            return _draft("breaker", event.breaker, "critical", title, event.message)
        case PortfolioCheckFailed() | PortfolioRebuilt():
            return _draft("ledger_check", "", "warning", "Ledger check failed", event.message)
        case MachineSlept() if event.open_positions > 0:
            title = f"Machine slept {duration(event.asleep_s)} with positions open"
            return _draft("machine_slept", "", "warning", title, event.message)
        case ResourceLimit():
            title = f"Resource beyond its limit: {event.what}"
            return _draft("resource", event.what, "warning", title, event.message)
        case SwapRefused():
            title = f"Swap refused before signing: {event.side.upper()} {event.symbol}"
            return _draft("swap_refused", event.check, "critical", title, event.message)
        case SwapEnded():
            title = f"Swap {event.end}: {event.side.upper()} {event.symbol}"
            return _draft("swap_ended", event.end, "warning", title, event.message)
        case SwapUnresolved():
            title = f"Swap outcome unknown: {event.side.upper()} {event.symbol}"
            return _draft("swap_unresolved", "", "warning", title, event.message)
        case OrderFilled() if live:
            title = f"Fill: {event.side.upper()} {event.symbol}"
            return _draft("fill", "", "info", title, event.message)
    return None


@dataclass(slots=True)
class _Since:
    since: float
    text: str
    told: bool = False


class DurationWatch:
    """Stale prices and open circuits, told once each when they last longer than their limit.

    Fed every event (`note`), asked at each flush (`due`) with the market time.
    """

    def __init__(self, *, stale_s: float, circuit_s: float) -> None:
        self._stale_s = stale_s
        self._circuit_s = circuit_s
        self._stale: dict[str, _Since] = {}
        self._circuits: dict[str, _Since] = {}

    def note(self, event: EngineEvent) -> None:
        """Follows the events that start or end a stale price or an open circuit."""
        if isinstance(event, PriceStale):
            self._stale.setdefault(event.symbol, _Since(event.last_ts, event.message))
        elif isinstance(event, PriceFresh):
            self._stale.pop(event.symbol, None)
        elif isinstance(event, FeedNoticed):
            opened = _CIRCUIT_OPEN.match(event.text)
            if opened is not None:
                self._circuits.setdefault(opened.group(1), _Since(event.ts, event.text))
            back = _CIRCUIT_BACK.match(event.text)
            if back is not None:
                self._circuits.pop(back.group(1), None)

    def due(self, market_ts: float | None) -> list[AlertDraft]:
        """The alerts for what has now lasted past its limit (each told once per episode)."""
        if market_ts is None:
            return []
        out = []
        for symbol, since in self._stale.items():
            age = market_ts - since.since
            if not since.told and age >= self._stale_s:
                since.told = True
                title = f"Prices stale: {symbol} for {duration(age)}"
                out.append(_draft("stale", symbol, "warning", title, since.text))
        for provider, since in self._circuits.items():
            age = market_ts - since.since
            if not since.told and age >= self._circuit_s:
                since.told = True
                title = f"Provider down: {provider} circuit open for {duration(age)}"
                out.append(_draft("circuit", provider, "warning", title, since.text))
        return out
