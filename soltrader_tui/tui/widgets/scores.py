"""Provides ScoresPanel: each strategy's record and its live score for every token."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from soltrader_tui import format as fmt
from soltrader_tui.snapshot import EngineSnapshot, ScoreView, StrategyView
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from soltrader_tui.tui.widgets.table import Column, Row, add_columns, num, pnl, sync_rows

SCORE_WIDTH = 21
"""The score cell: "0.62 ██████▏   " or a reason such as "warming 140 s / 300 s"."""

STRATEGY_COLUMNS = (
    Column("name", "Strategy"),
    Column("enabled", "Enabled"),
    Column("best", "Best score", 10, numeric=True),
    Column("trips", "Round trips", 11, numeric=True),
    Column("realized", "Realized", 10, numeric=True),
    Column("win-rate", "Win rate", 8, numeric=True),
)

SCORE_COLUMNS = (
    Column("symbol", "Symbol"),
    Column("score", "Score  0 ─ 1", SCORE_WIDTH),
    Column("price", "Price", 11, numeric=True),
    Column("liquidity", "Liquidity", 14, numeric=True),
    Column("reason", "Reason", 40),
    Column("strategy", "Strategy"),
)
"""Symbol and score first: at 80 columns they are what fits, and a token whose strategy is
still warming up says so there, with its progress."""


def score_style(x: float | None) -> str:
    """Colour of a score: bright when it is near an entry, dim when near an exit."""
    if x is None:
        return "dim"
    if x >= 0.7:
        return "green"
    if x <= 0.3:
        return "red"
    return "yellow"


def strategy_row(view: StrategyView) -> Row:
    """One summary row for a strategy, keyed by its name."""
    v = view
    return Row(
        v.name,
        (
            v.name,
            Text("yes", style="green") if v.enabled else Text("no", style="dim"),
            num(fmt.score(v.score)),
            num(fmt.count(v.round_trips)),
            pnl(v.realized_pnl_usd, fmt.signed_usd(v.realized_pnl_usd)),
            num(fmt.pct(v.win_rate)),
        ),
    )


def score_cell(view: ScoreView) -> Text:
    """The score as a number and a bar; while there is none, why (e.g. its warm-up progress)."""
    if view.score is None:
        return Text(view.reason or fmt.MISSING, style="dim italic")
    return Text.assemble(
        fmt.score(view.score) + " ", (fmt.score_bar(view.score), score_style(view.score))
    )


def score_row(view: ScoreView) -> Row:
    """One row for a strategy's score of one token, keyed by strategy and mint."""
    v = view
    return Row(
        f"{v.strategy}/{v.mint}",
        (
            v.symbol,
            score_cell(v),
            num(fmt.price(v.price_usd)),
            num(fmt.usd(v.liquidity_usd)),
            v.reason,
            v.strategy,
        ),
    )


class ScoresPanel(SnapshotPanel):
    """Strategies summary above the per-token scores, both updated cell by cell."""

    PANEL_TITLE = "Strategies and scores"

    def compose(self) -> ComposeResult:
        """Builds the summary table and the scores table."""
        strategies: DataTable[object] = DataTable(
            id="strategies-table", cursor_type="none", zebra_stripes=False
        )
        add_columns(strategies, STRATEGY_COLUMNS)
        yield strategies
        scores: DataTable[object] = DataTable(id="scores-table", cursor_type="row")
        add_columns(scores, SCORE_COLUMNS)
        yield scores

    def show(self, snapshot: EngineSnapshot) -> None:
        """Syncs both tables with the snapshot."""
        sync_rows(
            self.query_one("#strategies-table", DataTable),
            [strategy_row(v) for v in snapshot.strategies],
        )
        sync_rows(
            self.query_one("#scores-table", DataTable), [score_row(v) for v in snapshot.scores]
        )
