"""Provides the operator's side of the engine: the trading-state machine and the Operator.

The state machine: ACTIVE trades (entries and exits), PAUSED only exits, HALTED does nothing but
flatten. Only an explicit resume leaves HALTED; a restart comes back in the stored state.

Operator: how the engine's trading state changes. Operator commands (dashboard keys,
`soltrader-tui stop`/`resume` and `watch`'s keys through the ledger, a STOP file),
circuit-breaker trips, and checkpoints taken in the background. The engine holds one; it owns
the trading state, the queued commands and breaker events, and sells through the callable the
engine gives it. A strategy's enable or disable travels the same path (a key, or a request
through the ledger) and is handed to the engine's `StrategySwitch`. So does a position's close
(`x` in a position's detail, in the engine's own dashboard or in `watch`): one queue and one
sale, whichever way it came, answered in the ledger when it came as a request.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from soltrader_tui.clock import Clock
from soltrader_tui.domain import MarketTick, Token, TradingState
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import (
    BreakerTripped,
    CheckpointFailed,
    CheckpointTaken,
    CloseAnswered,
    StateCommandAnswered,
    TradingStateChanged,
)
from soltrader_tui.engine.orders import EXIT_RETRY_S, OrderManager
from soltrader_tui.engine.strategy_switch import StrategySwitch
from soltrader_tui.ledger.requests import EngineCommand, StateCommand
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.risk import BreakerCleared, BreakerEvent
from soltrader_tui.risk.breakers import BreakerRule
from soltrader_tui.risk.manager import RiskDesk

MANUAL_EXIT = "manual"
"""The exit reason of a position the operator closed (a position's detail, `x`)."""
STOP_FILE = "STOP"
"""A file of this name beside the ledger makes the engine stop, as `soltrader-tui stop` does."""


@dataclass(frozen=True, slots=True)
class Transition:
    """What a command does from a state: the new state (None: nothing changes) and why."""

    to: TradingState | None
    message: str


def transition(state: TradingState, command: StateCommand) -> Transition:
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


Sell = Callable[[Token, float, str], Awaitable[bool]]
"""Sells a whole position at market (token, market time, reason); returns whether it filled."""


class Operator:
    """Stop, pause, resume, breakers and checkpoints: the engine's trading state."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        log: DecisionLog,
        clock: Clock,
        risk: RiskDesk,
        orders: OrderManager,
        ticks: Mapping[str, MarketTick],
        marks: Mapping[str, float],
        sell: Sell,
        switch: StrategySwitch,
        wake: Callable[[], None],
        on_change: Callable[[], None],
        publish: Callable[[], None],
        checkpointer: Callable[[str], str] | None,
    ) -> None:
        """Takes the trading state the ledger holds (ACTIVE on a new ledger, stored at once).

        Args:
            ticks: The last accepted tick of each token (the engine's; read only).
            marks: The last accepted price of each token (the engine's; read only).
            sell: How a flatten sells a position (with the engine's price checks).
            switch: Enables and disables strategies (the `enable`/`disable` commands).
            wake: Wakes the engine's loop, so a command is acted on at once.
            on_change: Tells the engine its screen is out of date.
            publish: Shows a snapshot of the engine now.
            checkpointer: Takes a checkpoint with a reason and returns its name (blocking: run
                in a thread); None takes none.
        """
        self._ledger = ledger
        self._log = log
        self._clock = clock
        self._risk = risk
        self._orders = orders
        self._ticks = ticks
        self._marks = marks
        self._sell = sell
        self._switch = switch
        self._wake = wake
        self._on_change = on_change
        self._publish = publish
        self._checkpointer = checkpointer
        self._checkpoint_task: asyncio.Task[None] | None = None
        self._commands: deque[tuple[EngineCommand, str, int | None, str | None]] = deque()
        self._breaker_events: list[BreakerEvent] = []
        self._stop_file = ledger.path.with_name(STOP_FILE)
        self._paused_by: str | None = None
        """The breaker rule that paused entries, so only its own reset resumes them."""
        self._state, self._reason = self._restore()

    def _restore(self) -> tuple[TradingState, str]:
        stored = self._ledger.trading_state()
        if stored is None:
            state, reason = TradingState.ACTIVE, "new ledger"
            self._ledger.set_trading_state(state, reason, "engine", self._clock.now())
            return state, reason
        state = TradingState(stored.state)
        daily = BreakerRule.DAILY_LOSS.value
        if state is TradingState.PAUSED and stored.reason.startswith(f"{daily}:"):
            # Paused by the daily loss limit: it still ends at the next UTC midnight.
            self._paused_by = daily
            self._risk.breakers.note_daily_pause()
        return state, stored.reason

    @property
    def state(self) -> TradingState:
        """The trading state in force (the ledger holds it)."""
        return self._state

    @property
    def reason(self) -> str:
        """Why the trading state is what it is."""
        return self._reason

    @property
    def has_commands(self) -> bool:
        """Whether a command waits to be applied."""
        return bool(self._commands)

    @property
    def has_breaker_events(self) -> bool:
        """Whether a breaker tripped or cleared since they were last applied."""
        return bool(self._breaker_events)

    def note_breaker(self, event: BreakerEvent) -> None:
        """Queues what a breaker said, for `apply_breakers` at the end of the tick."""
        self._breaker_events.append(event)

    def command(self, command: EngineCommand, actor: str, target: str | None = None) -> None:
        """Queues stop, pause, resume, enable/disable of the strategy `target`, or the close of
        the position in the mint `target`; the loop acts on it at once, even mid-wait."""
        self._commands.append((command, actor, None, target))
        self._wake()

    # -- circuit breakers -------------------------------------------------------------------------

    async def apply_breakers(self, ts: float) -> None:
        """Changes the trading state as the queued breaker events say."""
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
            self._log.record(BreakerTripped(ts, breaker=event.rule.value, reason=event.reason))
            if event.action == "halt" and self._state is not TradingState.HALTED:
                self._set_state(TradingState.HALTED, reason, "risk", ts)
                await self._flatten(ts)
            elif event.action == "pause_entries" and self._state is TradingState.ACTIVE:
                self._paused_by = event.rule.value
                self._set_state(TradingState.PAUSED, reason, "risk", ts)

    # -- control: stop, pause, resume -----------------------------------------------------------

    def poll_requests(self) -> None:
        """Queues the requests other processes left in the ledger, and a STOP file's."""
        for request in self._ledger.pending_requests():
            self._commands.append((request.command, request.actor, request.id, request.target))
        if self._stop_file.exists():
            handled = self._stop_file.with_name(f"{STOP_FILE}.handled")
            self._stop_file.replace(handled)  # consumed once, so a later resume is not undone
            self._commands.append(("stop", f"{STOP_FILE} file", None, None))

    async def apply_commands(self) -> None:
        """Applies the queued commands in order, answering each ledger request."""
        while self._commands:
            command, actor, request_id, target = self._commands.popleft()
            if command == "enable" or command == "disable":
                result = self._switch.set(target, command == "enable", actor, self._clock.now())
            elif command == "close":
                result = await self._close(target or "", actor)
            else:
                result = await self._apply(command, actor)
            if request_id is not None:
                self._ledger.complete_request(request_id, result, self._clock.now())

    async def _apply(self, command: StateCommand, actor: str) -> str:
        now = self._clock.now()
        step = transition(self._state, command)
        if step.to is None:
            self._log.record(StateCommandAnswered(now, command, actor, step.message))
            self._on_change()
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
                f"HALTED; could not sell yet: {'; '.join(left)} (retrying every {EXIT_RETRY_S:g} s)"
            )
        return step.message

    async def _close(self, mint: str, actor: str) -> str:
        """Sells the whole position in `mint` at market through the normal exit (quote checked
        against the trusted price), recorded with the exit reason `manual`; its FILL line is
        the answer, after the commit. Anything else is said in a CLOSE line."""
        now = self._clock.now()
        pos = self._orders.portfolio.positions.get(mint)
        tick = self._ticks.get(mint)
        if pos is None:
            answer = "no open position in it (already closed?)"
            symbol = mint if tick is None else tick.token.symbol
            self._log.record(CloseAnswered(now, symbol, actor, answer))
            self._on_change()
            return answer
        if await self._sell(pos.token, now if tick is None else max(now, tick.ts), MANUAL_EXIT):
            return f"{pos.token.symbol} sold"
        answer = "not sold: no trusted price or quote now; try again"
        self._log.record(CloseAnswered(now, pos.token.symbol, actor, answer))
        self._on_change()
        return answer

    async def _flatten(self, ts: float) -> list[str]:
        """Sells every open position at market; returns the symbols that did not fill."""
        left = []
        for pos in list(self._orders.portfolio.positions.values()):
            tick = self._ticks.get(pos.token.mint)
            if not await self._sell(
                pos.token, ts if tick is None else max(ts, tick.ts), "emergency_stop"
            ):
                why = self._orders.last_refusal.get(pos.token.mint)
                left.append(pos.token.symbol if why is None else f"{pos.token.symbol} ({why})")
        return left

    def _set_state(self, state: TradingState, reason: str, actor: str, ts: float) -> None:
        line = self._log.prepare(TradingStateChanged(ts, self._state, state, reason))
        pending = self._log.take_pending()
        try:
            self._ledger.set_trading_state(state, reason, actor, ts, [*pending, line])
        except BaseException:
            self._log.restore_pending(pending)
            raise
        # The new state is in force, and said, only once the ledger holds it.
        self._state, self._reason = state, reason
        self._log.publish((line,))
        self._on_change()
        self._publish()

    def start_checkpoint(self, reason: str) -> None:
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
            self._log.record(CheckpointFailed(self._clock.now(), str(exc)))
            return
        self._log.record(CheckpointTaken(self._clock.now(), name, reason))

    async def wait_checkpoint(self) -> None:
        """Waits for a checkpoint still being taken."""
        if self._checkpoint_task is not None:
            await self._checkpoint_task
