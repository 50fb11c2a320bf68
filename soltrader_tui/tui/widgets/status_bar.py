"""Provides StatusBar: version, mode, trading state and engine status on the top line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from soltrader_tui.domain import TradingState
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui import format as fmt

STATE_STYLE = {
    TradingState.ACTIVE: "bold black on green",
    TradingState.PAUSED: "bold black on yellow",
    TradingState.HALTED: "bold white on red",
}
"""ACTIVE green, PAUSED yellow, HALTED red."""


def status_text(snapshot: EngineSnapshot) -> Text:
    """The status line for `snapshot`: who we are, what mode, what state, and why."""
    s = snapshot
    text = Text.assemble(
        (f" soltrader-tui {s.version} ", "bold"),
        " ",
        (f" {s.mode.upper()} ", "bold black on cyan" if s.mode == "paper" else "bold on red"),
        " ",
        (f" {s.trading_state.value.upper()} ", STATE_STYLE.get(s.trading_state, "bold")),
    )
    if s.state_reason:
        text.append(f" {s.state_reason}")
    text.append(f"  │  market {fmt.ts(s.market_ts)} UTC  │  ", style="dim")
    if s.error is not None:
        text.append("✖ engine failed", style="bold red")
    elif not s.running:
        text.append("■ engine stopped", style="bold yellow")
    else:
        text.append("● running", style="green")
    return text


class StatusBar(Static):
    """The dashboard's header line, rendered from the latest snapshot."""

    snapshot: reactive[EngineSnapshot | None] = reactive(
        None, always_update=True, init=False, repaint=False
    )
    """The latest snapshot, bound to the screen's one."""

    def watch_snapshot(self, snapshot: EngineSnapshot | None) -> None:
        """Re-renders the line when what it shows changed."""
        if snapshot is None:
            return
        text = status_text(snapshot)
        old = self.content
        if not isinstance(old, Text) or (old.plain, old.spans) != (text.plain, text.spans):
            self.update(text, layout=False)
