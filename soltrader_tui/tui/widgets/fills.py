"""Provides FillsPanel: the most recent fills, newest first, with what each one realized."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, FillView
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from soltrader_tui.tui.widgets.table import Column, FittedTable, Row, num, pnl

COLUMNS = (
    Column("time", "Time"),
    Column("side", "Side"),
    Column("symbol", "Symbol"),
    Column("qty", "Qty", numeric=True, drop=6),
    Column("price", "Price", numeric=True, drop=4),
    Column("quote", "Quote $", numeric=True, drop=3),
    Column("fee", "Fee $", numeric=True, drop=2),
    Column("realized", "Realized", numeric=True, drop=5),
    Column("why", "Strategy / reason", 16, short="Why", drop=1, fill=True),
)
"""On a narrow table the strategy and reason go first (the log line of each fill has them),
then the fee and the quote amount."""

_SIDE_STYLE = {"buy": "cyan", "sell": "magenta"}


def fill_row(fill: FillView) -> Row:
    """One table row for a fill, keyed by its order id."""
    f = fill
    why = f"{f.strategy}: {f.reason}" if f.reason else f.strategy
    return Row(
        f.order_id,
        (
            fmt.ts(f.ts),
            Text(f.side.upper(), style=_SIDE_STYLE.get(f.side, "")),
            f.symbol,
            num(fmt.qty(f.qty_whole)),
            num(fmt.price(f.price_usd)),
            num(fmt.usd(f.quote_usd)),
            num(fmt.usd(f.fee_usd)),
            pnl(f.realized_pnl_usd, fmt.signed_usd(f.realized_pnl_usd)),
            why,
        ),
    )


class FillsPanel(SnapshotPanel):
    """Recent fills as the ledger recorded them; rows change only when a fill lands."""

    PANEL_TITLE = "Recent fills"

    def compose(self) -> ComposeResult:
        """Builds the table with its columns."""
        yield FittedTable(COLUMNS, id="fills-table", cursor_type="row")

    def show(self, snapshot: EngineSnapshot) -> None:
        """Syncs the rows with the snapshot's recent fills (already newest first)."""
        table = self.query_one("#fills-table", FittedTable)
        # Fills never change once recorded, so an unchanged head means nothing to do.
        shown = [row.key.value for row in table.ordered_rows]
        if shown != [f.order_id for f in snapshot.recent_fills]:
            table.sync([fill_row(f) for f in snapshot.recent_fills])
        self.set_title(f"{self.PANEL_TITLE} ({fmt.count(snapshot.fills)} total)")
