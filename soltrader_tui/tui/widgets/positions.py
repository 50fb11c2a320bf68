"""Provides PositionsPanel: open positions marked to market, with their exit levels; enter on
a row asks for that position's detail."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, PositionView
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from soltrader_tui.tui.widgets.table import Column, FittedTable, Row, num, pnl

COLUMNS = (
    Column("symbol", "Symbol"),
    Column("qty", "Qty", 11, numeric=True, drop=6),
    Column("entry", "Entry", 11, numeric=True, drop=3),
    Column("mark", "Mark", 11, numeric=True, drop=7),
    Column("stale", "Feed", 5),
    Column("upnl", "P&L $", 11, numeric=True),
    Column("upnl-pct", "P&L %", 8, numeric=True),
    Column("stop", "Stop", 11, numeric=True, drop=5),
    Column("target", "Target", 11, numeric=True, drop=2),
    Column("trail", "Trail", 11, numeric=True, drop=1),
    Column("age", "Age", 8, numeric=True, drop=4),
)
"""Its P&L and a stale feed always show; its exit levels, entry, age, size and mark go first on a
narrow table (enter opens the position's detail, which lists them all)."""

STALE = "STALE"
"""The feed column of a position whose mark is older than the feed's staleness limit."""


def stale_cell(position: PositionView) -> Text:
    """The feed column: STALE while the mark is too old to act on, else blank."""
    return Text(STALE, style="bold yellow") if position.stale else Text("")


def position_row(position: PositionView, market_ts: float | None) -> Row:
    """One table row for a position, keyed by its mint."""
    p = position
    upnl_pct = p.unrealized_return
    return Row(
        p.mint,
        (
            p.symbol,
            num(fmt.quantity(p.qty, p.decimals)),
            num(fmt.price(p.avg_cost_usd)),
            num(fmt.price(p.mark_usd)),
            stale_cell(p),
            pnl(p.unrealized_pnl_usd, fmt.signed_usd(p.unrealized_pnl_usd)),
            pnl(upnl_pct, fmt.pct(upnl_pct, signed=True)),
            num(fmt.price(p.stop_usd)),
            num(fmt.price(p.target_usd)),
            num(fmt.price(p.trailing_usd)),
            num(fmt.age(p.opened_ts, market_ts)),
        ),
    )


class PositionsPanel(SnapshotPanel):
    """Open positions, one row per mint, updated cell by cell."""

    PANEL_TITLE = "Open positions"

    @dataclass
    class PositionChosen(Message):
        """The operator pressed enter on a position: show its detail."""

        mint: str

    def compose(self) -> ComposeResult:
        """Builds the table with its columns."""
        yield FittedTable(COLUMNS, id="positions-table", cursor_type="row")

    def show(self, snapshot: EngineSnapshot) -> None:
        """Syncs the rows with the snapshot's positions and counts them in the title."""
        rows = [position_row(p, snapshot.market_ts) for p in snapshot.positions]
        self.query_one("#positions-table", FittedTable).sync(rows)
        self.set_title(f"{self.PANEL_TITLE} ({len(rows)})")

    @on(DataTable.RowSelected, "#positions-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.PositionChosen(event.row_key.value))
