"""Provides StatusBar: version, mode, trading state and engine status on the top line."""

from __future__ import annotations

from dataclasses import dataclass

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
MODE_STYLE = {
    "paper": "bold black on cyan",
    "live": "bold white on red",
}
"""PAPER calm; LIVE, real money, red (the whole bar is tinted too: `StatusBar.-live`)."""


def activity(snapshot: EngineSnapshot) -> str:
    """What the engine is doing now, for the header.

    PAUSED and HALTED say why (the stored reason: what a breaker or the operator said). ACTIVE
    says why nothing is being bought right now (`EngineSnapshot.no_entry_reason`: warming up,
    the best score against its entry threshold, a risk limit), not how the state began ("new
    ledger" would stay for hours).
    """
    s = snapshot
    if s.trading_state is not TradingState.ACTIVE:
        return s.state_reason
    if not s.running:
        return ""
    return s.no_entry_reason or "trading"


@dataclass(frozen=True, slots=True)
class _Form:
    """How much of the line to spell out."""

    wide: bool
    """Separators with room around them."""
    version: bool
    words: bool
    """"market … UTC" around the market time."""
    dot: bool = False
    """The engine's status as its coloured dot only, while it runs."""
    machine: bool = False
    """The health line (memory, CPU, loop lag, a recent sleep) at the end."""


_FITS = (
    _Form(wide=True, version=True, words=True, machine=True),
    _Form(wide=False, version=True, words=True, machine=True),
    _Form(wide=True, version=True, words=True),
    _Form(wide=False, version=True, words=True),
    _Form(wide=False, version=False, words=True),
    _Form(wide=False, version=False, words=False),
    _Form(wide=False, version=False, words=False, dot=True),
)
"""Ever shorter forms of the line, tried in turn until one fits."""


def status_text(snapshot: EngineSnapshot, width: int | None = None) -> Text:
    """The status line for `snapshot`: who we are, what mode, what state, and why.

    Args:
        snapshot: What to show.
        width: Cells available (None: no limit). A line too long loses, in turn, its wide
            separators, the version (the terminal's title has it), the words around the
            market time, the word "running" (its green dot stays), then the end of the reason.
    """
    if width is None:
        return _line(snapshot, _FITS[0])
    text = Text()
    for form in _FITS:
        text = _line(snapshot, form)
        if text.cell_len <= width:
            return text
    doing = activity(snapshot)
    keep = max(0, len(doing) - (text.cell_len - width) - 1)
    return _line(snapshot, _FITS[-1], doing=doing[:keep] + "…")


def _line(s: EngineSnapshot, form: _Form, doing: str | None = None) -> Text:
    text = Text()
    if form.version:
        text.append(f" soltrader-tui {s.version} ", "bold")
        text.append(" ")
    text.append_text(
        Text.assemble(
            (f" {s.mode.upper()} ", MODE_STYLE.get(s.mode, "bold on red")),
            " ",
            (f" {s.trading_state.value.upper()} ", STATE_STYLE.get(s.trading_state, "bold")),
        )
    )
    doing = activity(s) if doing is None else doing
    if doing:
        text.append(f" {doing}")
    bar = "  │  " if form.wide else " │ "
    market = f"market {fmt.ts(s.market_ts)} UTC" if form.words else fmt.ts(s.market_ts)
    text.append(f"{bar}{market}{bar}", style="dim")
    if s.error is not None:
        text.append("✖ engine failed", style="bold red")
    elif not s.running:
        text.append("■ engine stopped", style="bold yellow")
    else:
        text.append("●" if form.dot else "● running", style="green")
    if form.machine and s.machine:
        style = "bold yellow" if "asleep" in s.machine else "dim"
        text.append(f"{bar}{s.machine}", style=style)
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
        self.set_class(snapshot.mode == "live", "-live")
        text = status_text(snapshot, self.size.width or None)
        old = self.content
        if not isinstance(old, Text) or (old.plain, old.spans) != (text.plain, text.spans):
            self.update(text, layout=False)

    def on_resize(self) -> None:
        """Fits the line to the new width."""
        self.watch_snapshot(self.snapshot)
