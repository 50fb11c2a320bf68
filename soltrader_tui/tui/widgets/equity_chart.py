"""Provides the equity charts: the session's curve under the portfolio figures, and the ledger's
whole history in a panel of its own on wide screens. Both draw the points the ledger committed
(the snapshot's `equity_session` / `equity_history`), nothing interpolated."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.widgets import Label, Sparkline

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.widgets.panel import SnapshotPanel, set_label


def last(values: Sequence[float]) -> float:
    """A bar's value: the equity at the end of its slice of time (not its best moment)."""
    return values[-1]


def caption(what: str, values: Sequence[float]) -> str:
    """One line under a chart: what it shows and its range, low to high; "—" when empty."""
    if not values:
        return f"{what}: {fmt.MISSING}"
    return f"{what}: {fmt.usd(min(values))} – {fmt.usd(max(values))}"


class EquityChart(Sparkline):
    """A sparkline of equity points; sets its data only when they changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__((), summary_function=last, id=id)

    def show(self, values: tuple[float, ...]) -> None:
        """Draws `values` (oldest first); an empty curve draws nothing (a flat line would
        claim a level)."""
        if tuple(self.data or ()) != values:
            self.data = values
        self.visible = bool(values)


def show_equity(chart: EquityChart, label: Label, what: str, values: tuple[float, ...]) -> None:
    """Draws `values` in `chart` and says what they are in `label`."""
    chart.show(values)
    set_label(label, caption(what, values))


class EquityHistoryPanel(SnapshotPanel):
    """The ledger's whole equity curve, every session, thinned to the panel's width."""

    PANEL_TITLE = "Equity, whole ledger"

    def compose(self) -> ComposeResult:
        """A chart over its caption."""
        yield EquityChart(id="history-chart")
        yield Label("", id="history-caption")

    def show(self, snapshot: EngineSnapshot) -> None:
        """Draws the ledger's curve as the snapshot carries it."""
        show_equity(
            self.query_one(EquityChart),
            self.query_one("#history-caption", Label),
            "ledger",
            snapshot.equity_history,
        )
