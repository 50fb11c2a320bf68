"""Provides StatusBar: version, mode, trading state and engine status on the top line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from soltrader_tui import format as fmt
from soltrader_tui.domain import TradingState
from soltrader_tui.snapshot import EngineSnapshot

STATE_STYLE = {
    TradingState.ACTIVE: "bold black on green",
    TradingState.PAUSED: "bold black on yellow",
    TradingState.HALTED: "bold white on red",
}
"""ACTIVE green, PAUSED yellow, HALTED red."""


def activity(snapshot: EngineSnapshot) -> str:
    """What the engine is doing now, for the header.

    PAUSED and HALTED say why (the stored reason: what a breaker or the operator said). ACTIVE
    says what is happening now, not how the state began ("new ledger" would stay for hours):
    warming up (with the least warm token's progress) until a strategy scores, then trading.
    """
    s = snapshot
    if s.trading_state is not TradingState.ACTIVE:
        return s.state_reason
    if not s.running:
        return ""
    if not s.scores:
        return "starting" if s.market_ts is None else "waiting for prices"
    if any(v.score is not None for v in s.scores):
        return "trading"
    warming = [v.reason for v in s.scores if v.reason.startswith("warming ")]
    return "warming up" + (f" {_least_warm(warming).removeprefix('warming ')}" if warming else "")


def _least_warm(reasons: list[str]) -> str:
    # "warming 40 s / 300 s": the fewest seconds seen is the one the wait is for.
    def seen(reason: str) -> float:
        try:
            return float(reason.split()[1])
        except (IndexError, ValueError):
            return float("inf")

    return min(reasons, key=seen)


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
    doing = activity(s)
    if doing:
        text.append(f" {doing}")
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
