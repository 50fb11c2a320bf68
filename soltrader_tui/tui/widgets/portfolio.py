"""Provides PortfolioPanel: equity, cash, P&L, win rate and drawdown, as the ledger has them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Label

from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui import format as fmt
from soltrader_tui.tui.widgets.panel import SnapshotPanel, set_label
from soltrader_tui.tui.widgets.table import pnl_style

FIGURES: tuple[tuple[str, str], ...] = (
    ("equity", "Equity"),
    ("cash", "Cash"),
    ("starting-cash", "Starting cash"),
    ("realized", "Realized P&L"),
    ("unrealized", "Unrealized P&L"),
    ("return", "Total return"),
    ("win-rate", "Win rate"),
    ("round-trips", "Round trips"),
    ("fills", "Fills"),
    ("drawdown", "Max drawdown"),
    ("market-time", "Market time"),
    ("engine", "Engine"),
)
"""(id, label) of each figure, top to bottom."""


def engine_state(snapshot: EngineSnapshot) -> Text:
    """Whether the engine is running, stopped, or failed, in words and colour."""
    if snapshot.error is not None:
        return Text("✖ failed", style="bold red")
    if not snapshot.running:
        return Text("■ stopped", style="bold yellow")
    return Text("● running", style="green")


def figures(snapshot: EngineSnapshot) -> dict[str, Text]:
    """Formats every figure of the panel from `snapshot`, P&L coloured by sign."""
    s = snapshot
    drawdown = None if s.max_drawdown_pct is None else s.max_drawdown_pct / 100
    ret = s.total_return
    return {
        "equity": Text(fmt.usd(s.equity_usd)),
        "cash": Text(fmt.usd(s.cash_usd)),
        "starting-cash": Text(fmt.usd(s.starting_cash_usd)),
        "realized": Text(fmt.signed_usd(s.realized_pnl_usd), pnl_style(s.realized_pnl_usd)),
        "unrealized": Text(fmt.signed_usd(s.unrealized_pnl_usd), pnl_style(s.unrealized_pnl_usd)),
        "return": Text(fmt.pct(ret, signed=True, digits=2), pnl_style(ret)),
        "win-rate": Text(fmt.pct(s.win_rate)),
        "round-trips": Text(f"{fmt.count(s.round_trips)} ({s.wins}W/{s.losses}L)"),
        "fills": Text(fmt.count(s.fills)),
        "drawdown": Text(fmt.pct(drawdown, digits=2), "red" if drawdown else ""),
        "market-time": Text(fmt.ts(s.market_ts)),
        "engine": engine_state(s),
    }


class PortfolioPanel(SnapshotPanel):
    """The account at a glance: one label per figure, updated in place."""

    PANEL_TITLE = "Portfolio"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._values: dict[str, Label] = {}

    def compose(self) -> ComposeResult:
        """Lays the figures out as label/value pairs (two pairs a row on short screens)."""
        with Grid(id="portfolio-grid"):
            for key, label in FIGURES:
                yield Label(label, classes="figure-label")
                value = Label(fmt.MISSING, id=f"pf-{key}", classes="figure-value")
                self._values[key] = value
                yield value

    def show(self, snapshot: EngineSnapshot) -> None:
        """Updates each figure's value label."""
        for key, text in figures(snapshot).items():
            set_label(self._values[key], text)
