"""Provides PositionDetail: one open position in full (figures, why it was opened, its recent
prices against its entry, stop and target, its fills) and the key that closes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, FillView, PositionView
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.widgets.fills import COLUMNS as FILL_COLUMNS
from soltrader_tui.tui.widgets.fills import fill_row
from soltrader_tui.tui.widgets.panel import set_label
from soltrader_tui.tui.widgets.positions import STALE
from soltrader_tui.tui.widgets.price_chart import Level, PriceChart
from soltrader_tui.tui.widgets.table import add_columns, pnl_style, sync_rows

REFRESH_S = 0.5
"""Wall seconds between two looks at the newest snapshot while the detail is open."""


@dataclass(frozen=True, slots=True)
class PositionClose:
    """The operator confirmed: sell this whole position at market."""

    mint: str
    symbol: str


def levels(p: PositionView) -> tuple[Level, ...]:
    """The lines the chart marks: entry (average cost), stop and target."""
    return (
        Level("entry", p.avg_cost_usd, "blue"),
        Level("stop", p.stop_usd, "red"),
        Level("target", p.target_usd, "green"),
    )


def figures(p: PositionView, market_ts: float | None) -> Table:
    """The position's figures as label/value pairs, two pairs a row."""
    mark = fmt.price(p.mark_usd) + (f" {STALE}" if p.stale else "")
    pairs = (
        ("Qty", Text(fmt.quantity(p.qty, p.decimals))),
        ("Strategy", Text(p.strategy)),
        ("Entry", Text(fmt.price(p.avg_cost_usd))),
        ("Mark", Text(mark, style="yellow" if p.stale else "")),
        ("P&L", Text(fmt.signed_usd(p.unrealized_pnl_usd), pnl_style(p.unrealized_pnl_usd))),
        (
            "P&L %",
            Text(fmt.pct(p.unrealized_return, signed=True), pnl_style(p.unrealized_return)),
        ),
        ("Stop", Text(fmt.price(p.stop_usd), style="red")),
        ("Target", Text(fmt.price(p.target_usd), style="green")),
        ("Trail", Text(fmt.price(p.trailing_usd))),
        ("Age", Text(fmt.age(p.opened_ts, market_ts))),
        ("Opened", Text(fmt.ts(p.opened_ts))),
        ("Mark at", Text(fmt.ts(p.mark_ts))),
    )
    table = Table.grid(expand=True)
    for _ in range(2):
        table.add_column(style="dim", width=10, no_wrap=True)
        table.add_column(ratio=1, no_wrap=True)
    for i in range(0, len(pairs), 2):
        (k1, v1), (k2, v2) = pairs[i], pairs[i + 1]
        table.add_row(k1, v1, k2, v2)
    return table


def position_fills(snapshot: EngineSnapshot, p: PositionView) -> list[FillView]:
    """The recent fills of the position (since it opened), oldest first."""
    return [
        f
        for f in reversed(snapshot.recent_fills)
        if (f.mint == p.mint if f.mint else f.symbol == p.symbol) and f.ts >= p.opened_ts
    ]


class PositionDetail(ModalScreen[PositionClose | None]):
    """One position, kept current while open; `x` closes it (after a confirmation), escape
    goes back. Dismisses with the close the operator confirmed, or None."""

    DEFAULT_CSS = """
    PositionDetail {
        align: center middle;
    }
    PositionDetail > #detail-dialog {
        width: 96%;
        max-width: 120;
        height: 96%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    PositionDetail #detail-title {
        text-style: bold;
        padding-bottom: 1;
    }
    PositionDetail #detail-reason, PositionDetail #detail-legend {
        color: $text-muted;
    }
    PositionDetail #detail-figures {
        height: auto;
        padding-bottom: 1;
    }
    PositionDetail PriceChart {
        height: 1fr;
        min-height: 5;
    }
    PositionDetail #detail-fills {
        height: auto;
        max-height: 8;
    }
    PositionDetail #detail-keys {
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("x", "close_position", "Close position"),
    ]

    def __init__(self, mint: str, latest: Callable[[], EngineSnapshot]) -> None:
        """Builds the detail of the position in `mint`.

        Args:
            mint: The position's token.
            latest: Returns the newest snapshot the dashboard shows.
        """
        super().__init__()
        self.mint = mint
        self._latest = latest
        self.position: PositionView | None = None
        """The position as last shown; None once it is no longer open."""

    def compose(self) -> ComposeResult:
        """Lays out the title, figures, entry reason, chart, fills and keys."""
        with Vertical(id="detail-dialog"):
            yield Label("", id="detail-title")
            yield Static("", id="detail-figures")
            yield Label("", id="detail-reason")
            yield PriceChart(id="detail-chart")
            yield Label("", id="detail-legend")
            fills: DataTable[object] = DataTable(id="detail-fills", cursor_type="none")
            add_columns(fills, FILL_COLUMNS)
            yield fills
            yield Label("x = close this position at market    esc = back", id="detail-keys")

    def on_mount(self) -> None:
        """Shows the position now, then keeps it current."""
        self.position = self._find(self._latest())
        self._show(self._latest())
        self.set_interval(REFRESH_S, lambda: self._show(self._latest()))

    def _find(self, snapshot: EngineSnapshot) -> PositionView | None:
        return next((p for p in snapshot.positions if p.mint == self.mint), None)

    def _show(self, snapshot: EngineSnapshot) -> None:
        found = self._find(snapshot)
        if found is None:
            if self.position is not None:
                symbol = self.position.symbol
                set_label(self.query_one("#detail-title", Label), f"{symbol}: position closed")
            self.position = None
            return
        p = self.position = found
        title = f"POSITION {p.symbol} · {p.strategy} · {p.mint}"
        set_label(self.query_one("#detail-title", Label), title)
        self.query_one("#detail-figures", Static).update(figures(p, snapshot.market_ts))
        set_label(self.query_one("#detail-reason", Label), f"Entry reason: {p.entry_reason or '—'}")
        prices = [price for _, price in p.recent_marks]
        if p.mark_usd is not None and (not p.recent_marks or p.mark_ts != p.recent_marks[-1][0]):
            prices.append(p.mark_usd)  # the newest mark, which the kept prices may not hold yet
        self.query_one(PriceChart).plot(prices, levels(p))
        set_label(self.query_one("#detail-legend", Label), _legend(p))
        rows = [fill_row(f) for f in position_fills(snapshot, p)]
        sync_rows(self.query_one("#detail-fills", DataTable), rows)

    def action_back(self) -> None:
        """Goes back to the dashboard."""
        self.dismiss(None)

    def action_close_position(self) -> None:
        """Asks for confirmation, then dismisses with the close for the app to send."""
        p = self.position
        if p is None:
            self.notify("The position is no longer open.", title="Close position")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(PositionClose(p.mint, p.symbol))

        qty = fmt.quantity(p.qty, p.decimals)
        self.app.push_screen(
            ConfirmModal(
                f"CLOSE {p.symbol}",
                f"Sell all {qty} {p.symbol} at market (worth {fmt.usd(p.value_usd)} at the "
                "mark) and record a manual exit?",
            ),
            answered,
        )


def _legend(p: PositionView) -> Text:
    prices = "one dot per slice of the recent prices" if p.recent_marks else "latest mark only"
    return Text.assemble(
        (f"{prices};  ", "dim"),
        ("── entry ", "blue"),
        ("── stop ", "red"),
        ("── target", "green"),
    )
