"""Provides StrategySwitch: which strategies may open positions, as the config and the operator say.

A strategy starts enabled or not as the config says. The operator can toggle it at runtime (the
dashboard's `s`, `watch`'s, a control request): the toggle is committed to the strategy's row
in the ledger, with its log line, before it is in force. It is kept across restarts until the
config changes: the row keeps the config's value from when the session started beside the value
in force, so a start whose config says what it said then keeps the toggle, and a start whose
config says otherwise follows the config (an edited config is the operator's newer word).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.events import (
    StateCommandAnswered,
    StrategyToggled,
    StrategyToggleRestored,
)
from soltrader_tui.ledger.rows import StrategyRow
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.strategies.base import Strategy


class StrategySwitch:
    """Owns whether each strategy may open positions; the strategies' `enabled` follows it."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        log: DecisionLog,
        strategies: Sequence[Strategy],
        on_change: Callable[[], None],
        publish: Callable[[], None],
        ts: float,
    ) -> None:
        """Takes the config's values from `strategies`, then applies the toggles the ledger
        keeps (see the module docstring), each said in a log line stamped `ts`.

        Args:
            strategies: Built from the config; their `enabled` is the config's value.
            on_change: Tells the engine its screen is out of date.
            publish: Shows a snapshot of the engine now.
        """
        self._ledger = ledger
        self._log = log
        self._strategies = {s.name: s for s in strategies}
        self._config = {s.name: s.enabled for s in strategies}
        self._on_change = on_change
        self._publish = publish
        self._restore(ts)

    def _restore(self, ts: float) -> None:
        for row in self._ledger.strategies():
            strategy = self._strategies.get(row.name)
            toggled = row.config_enabled is not None and row.enabled != row.config_enabled
            if strategy is None or not toggled:
                continue
            kept = row.config_enabled == self._config[row.name]
            if kept:
                strategy.enabled = row.enabled
            self._log.record(StrategyToggleRestored(ts, row.name, strategy.enabled, kept))

    def record_session(self) -> None:
        """Records the strategies this session runs, with the config's values and thresholds."""
        self._ledger.set_strategies(self._row(s, s.enabled) for s in self._strategies.values())

    def set(self, name: str | None, enabled: bool, actor: str, ts: float) -> str:
        """Enables or disables a strategy, committed with its log line before it is in force.

        Args:
            name: The strategy's name.
            enabled: Whether it may open positions from now on.
            actor: Who asked (the dashboard, `watch (pid …)`).
            ts: Market time now.

        Returns:
            The answer for the requester: the line written, or why nothing changed.
        """
        command = "enable" if enabled else "disable"
        strategy = self._strategies.get(name or "")
        if strategy is None or strategy.enabled is enabled:
            answer = (
                f"no strategy named {name!r} (this session runs {', '.join(self._strategies)})"
                if strategy is None
                else f"{strategy.name} is already {command}d"
            )
            self._log.record(StateCommandAnswered(ts, command, actor, answer))
            self._on_change()
            return answer
        line = self._log.prepare(StrategyToggled(ts, strategy.name, enabled, actor))
        pending = self._log.take_pending()
        try:
            self._ledger.set_strategy(self._row(strategy, enabled), [*pending, line])
        except BaseException:
            self._log.restore_pending(pending)
            raise
        # In force, and said, only once the ledger holds it.
        strategy.enabled = enabled
        self._log.publish((line,))
        self._on_change()
        self._publish()
        return line.message

    def _row(self, strategy: Strategy, enabled: bool) -> StrategyRow:
        return StrategyRow(
            strategy.name, enabled, self._config[strategy.name], strategy.entry_threshold
        )
