"""Provides the trading-state machine: which command moves which state where, and what it says.

ACTIVE trades (entries and exits), PAUSED only exits, HALTED does nothing but flatten. Only an
explicit resume leaves HALTED; a restart comes back in the stored state.
"""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.domain import TradingState
from soltrader_tui.ledger.control import Command

STOP_FILE = "STOP"
"""A file of this name beside the ledger makes the engine stop, as `soltrader-tui stop` does."""


@dataclass(frozen=True, slots=True)
class Transition:
    """What a command does from a state: the new state (None: nothing changes) and why."""

    to: TradingState | None
    message: str


def transition(state: TradingState, command: Command) -> Transition:
    """Returns what `command` does from `state`."""
    if command == "stop":
        # Stopping again while halted still flattens whatever could not be sold before.
        return Transition(TradingState.HALTED, "emergency stop: positions flattened, HALTED")
    if command == "pause":
        if state is TradingState.ACTIVE:
            return Transition(TradingState.PAUSED, "entries paused; exits still managed")
        if state is TradingState.PAUSED:
            return Transition(None, "already PAUSED")
        return Transition(None, "HALTED: resume first (soltrader-tui resume)")
    if state is TradingState.ACTIVE:
        return Transition(None, "already ACTIVE")
    return Transition(TradingState.ACTIVE, f"resumed from {state.value.upper()}: ACTIVE")
