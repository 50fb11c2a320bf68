"""Provides the operator's side of the engine: the trading-state machine and EngineControls.

The state machine: ACTIVE trades (entries and exits), PAUSED only exits, HALTED does nothing but
flatten. Only an explicit resume leaves HALTED; a restart comes back in the stored state.

EngineControls: how the engine's trading state changes. Operator commands (dashboard keys,
`soltrader-tui stop`/`resume` through the ledger, a STOP file), circuit-breaker trips, and
checkpoints taken in the background. Split from the engine's tick loop; `Engine` mixes it in
and owns the state it uses (declared below for type checking).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.clock import Clock
from soltrader_tui.domain import MarketTick, Token, TradingState
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.orders import EXIT_RETRY_S, OrderManager
from soltrader_tui.ledger.requests import Command
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.risk import BreakerCleared, BreakerEvent
from soltrader_tui.risk.manager import RiskDesk
from soltrader_tui.snapshot import EngineSnapshot

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


class EngineControls:
    """Stop, pause, resume, breakers and checkpoints, for `Engine`."""

    _commands: deque[tuple[Command, str, int | None]]
    _wake: asyncio.Event
    _ledger: Ledger
    _stop_file: Path
    _clock: Clock
    _log: DecisionLog
    _state: TradingState
    _state_reason: str
    _paused_by: str | None
    _risk: RiskDesk
    _orders: OrderManager
    _marks: dict[str, float]
    _ticks: dict[str, MarketTick]
    _dirty: bool
    _breaker_events: list[BreakerEvent]
    _checkpointer: Callable[[str], str] | None
    _checkpoint_task: asyncio.Task[None] | None
    on_snapshot: Callable[[EngineSnapshot], None] | None

    def snapshot(self) -> EngineSnapshot:
        raise TypeError("the engine defines snapshot()")

    async def _exit(self, token: Token, ts: float, reason: str) -> bool:
        raise TypeError("the engine defines _exit()")

    def command(self, command: Command, actor: str) -> None:
        """Queues stop, pause or resume; the loop acts on it at once, even mid-wait."""
        self._commands.append((command, actor, None))
        self._wake.set()

    # -- circuit breakers -------------------------------------------------------------------------

    async def _apply_breakers(self, ts: float) -> None:
        events, self._breaker_events = self._breaker_events, []
        for event in events:
            if isinstance(event, BreakerCleared):
                if self._state is TradingState.PAUSED and self._paused_by == event.rule.value:
                    self._paused_by = None
                    self._set_state(
                        TradingState.ACTIVE, f"{event.rule.value}: {event.reason}", "risk", ts
                    )
                continue
            reason = f"{event.rule.value}: {event.reason}"
            self._log.emit(ts, "warning", "breaker", f"BREAKER {reason}")
            if event.action == "halt" and self._state is not TradingState.HALTED:
                self._set_state(TradingState.HALTED, reason, "risk", ts)
                await self._flatten(ts)
            elif event.action == "pause_entries" and self._state is TradingState.ACTIVE:
                self._paused_by = event.rule.value
                self._set_state(TradingState.PAUSED, reason, "risk", ts)

    # -- control: stop, pause, resume -----------------------------------------------------------

    def _poll_requests(self) -> None:
        for request in self._ledger.pending_requests():
            self._commands.append((request.command, request.actor, request.id))
        if self._stop_file.exists():
            handled = self._stop_file.with_name(f"{STOP_FILE}.handled")
            self._stop_file.replace(handled)  # consumed once, so a later resume is not undone
            self._commands.append(("stop", f"{STOP_FILE} file", None))

    async def _apply_commands(self) -> None:
        while self._commands:
            command, actor, request_id = self._commands.popleft()
            result = await self._apply(command, actor)
            if request_id is not None:
                self._ledger.complete_request(request_id, result, self._clock.now())

    async def _apply(self, command: Command, actor: str) -> str:
        now = self._clock.now()
        step = transition(self._state, command)
        if step.to is None:
            self._log.emit(now, "info", "state", f"{command.upper()} by {actor}: {step.message}")
            self._dirty = True
            return step.message
        self._set_state(step.to, f"{command} by {actor}", actor, now)
        if step.to is TradingState.ACTIVE:
            # A resume is the operator's decision: the breakers start counting from here.
            self._paused_by = None
            self._risk.breakers.rearm(self._orders.portfolio.equity_micro(self._marks))
        if step.to is not TradingState.HALTED:
            return step.message
        left = await self._flatten(now)
        if left:
            return (
                f"HALTED; could not sell yet: {', '.join(left)} (retrying every {EXIT_RETRY_S:g} s)"
            )
        return step.message

    async def _flatten(self, ts: float) -> list[str]:
        """Sells every open position at market; returns the symbols that did not fill."""
        left = []
        for pos in list(self._orders.portfolio.positions.values()):
            tick = self._ticks.get(pos.token.mint)
            if not await self._exit(
                pos.token, ts if tick is None else max(ts, tick.ts), "emergency_stop"
            ):
                left.append(pos.token.symbol)
        return left

    def _set_state(self, state: TradingState, reason: str, actor: str, ts: float) -> None:
        line = self._log.line(
            ts,
            "warning" if state is not TradingState.ACTIVE else "info",
            "state",
            f"STATE {self._state.value.upper()} -> {state.value.upper()}: {reason}",
        )
        pending = self._log.take_pending()
        try:
            self._ledger.set_trading_state(state, reason, actor, ts, [*pending, line])
        except BaseException:
            self._log.restore_pending(pending)
            raise
        # The new state is in force, and said, only once the ledger holds it.
        self._state, self._state_reason = state, reason
        self._log.publish((line,))
        self._dirty = True
        if self.on_snapshot is not None:
            self.on_snapshot(self.snapshot())

    def _start_checkpoint(self, reason: str) -> None:
        """Takes a checkpoint in a thread (the backup API is safe while the loop commits)."""
        busy = self._checkpoint_task is not None and not self._checkpoint_task.done()
        if self._checkpointer is None or busy:
            return
        self._checkpoint_task = asyncio.create_task(self._checkpoint(reason))

    async def _checkpoint(self, reason: str) -> None:
        assert self._checkpointer is not None
        try:
            name = await asyncio.to_thread(self._checkpointer, reason)
        except Exception as exc:  # a failed checkpoint is reported, never fatal to trading
            self._log.emit(self._clock.now(), "warning", "checkpoint", f"checkpoint failed: {exc}")
            return
        self._log.emit(self._clock.now(), "info", "checkpoint", f"CHECKPOINT {name} ({reason})")
