"""Provides the risk engine's pure parts: pre-trade checks, sizing, exits and circuit breakers.

Nothing here reads a clock or does I/O: times and market facts are passed in, and every
decision comes back as a value (a denial, an exit rule, a breaker event) for the engine to
log, show and write to the ledger.
"""

from __future__ import annotations

from soltrader_tui.risk.book import RiskBook
from soltrader_tui.risk.breakers import (
    BreakerAction,
    BreakerCleared,
    BreakerEvent,
    BreakerRule,
    Breakers,
    BreakerTripped,
    utc_day,
)
from soltrader_tui.risk.checks import (
    Denial,
    DenialRule,
    EntryRequest,
    check_entry,
)
from soltrader_tui.risk.exits import (
    ExitLevels,
    ExitPolicy,
    ExitRule,
    update_high_water,
)
from soltrader_tui.risk.sizing import EntrySize, entry_cost_micro, size_entry

__all__ = [
    "BreakerAction",
    "BreakerCleared",
    "BreakerEvent",
    "BreakerRule",
    "BreakerTripped",
    "Breakers",
    "Denial",
    "DenialRule",
    "EntryRequest",
    "EntrySize",
    "ExitLevels",
    "ExitPolicy",
    "ExitRule",
    "RiskBook",
    "check_entry",
    "entry_cost_micro",
    "size_entry",
    "update_high_water",
    "utc_day",
]
