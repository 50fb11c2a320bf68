"""Provides ScoresPanel: each strategy's record, and one row per token with its scores.

With several strategies a row per strategy and token would bury the tokens (five strategies and
eight tokens are forty rows), so each token gets one row: the score of the enabled strategy
closest to its entry threshold (the one that would buy it first), and the best score of the
other strategies beside it. Every strategy's best score over all tokens is in the summary above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult

from soltrader_tui import format as fmt
from soltrader_tui.risk.token_safety import SAFE, UNKNOWN
from soltrader_tui.snapshot import EngineSnapshot, ScoreView, StrategyView
from soltrader_tui.tui.widgets.panel import SnapshotPanel
from soltrader_tui.tui.widgets.table import (
    Column,
    FittedTable,
    Row,
    num,
    pnl,
    pnl_style,
)

SCORE_WIDTH = 21
"""The score cell: "0.62 ██████▏   " or a reason such as "warming 140 s / 300 s"."""

STRATEGY_COLUMNS = (
    Column("name", "Strategy"),
    Column("enabled", "Enabled", short="On"),
    Column("best", "Best score", 4, numeric=True, short="Best"),
    Column("entry", "Entry at", 4, numeric=True, short="Entry", drop=1),
    Column("trips", "Round trips", 5, numeric=True, short="Trips", drop=2),
    Column("realized", "Realized", 10, numeric=True, drop=4),
    Column("win-rate", "Win rate", 6, numeric=True, short="Win %", drop=3),
)
"""Fixed widths fit the values; a label wider than its values widens its column, which is why
narrow tables use the short labels. The entry threshold goes first (the status line names the
best score's)."""

SCORE_COLUMNS = (
    Column("symbol", "Symbol"),
    Column("score", "Score  0 ─ 1", SCORE_WIDTH, short="Score"),
    Column("safety", "Safety", 14),
    Column("strategy", "By", 9, drop=5),
    Column("other", "Next best", 15, drop=3),
    Column("held", "Held", 7, numeric=True, drop=6),
    Column("price", "Price", 11, numeric=True, drop=4),
    Column("liquidity", "Liquidity", 14, numeric=True, drop=2),
    Column("reason", "Reason", 40, drop=1, fill=True),
)
"""Symbol and score first: at 80 columns they are what fits (a held token's symbol is coloured
by its P&L sign), and a token whose strategy is still warming up says so there, with its
progress; the token's safety verdict beside them (why a high score may still not buy); at 120
columns the strategy and the next best score fit too."""


def score_style(x: float | None) -> str:
    """Colour of a score: bright when it is near an entry, dim when near an exit."""
    if x is None:
        return "dim"
    if x >= 0.7:
        return "green"
    if x <= 0.3:
        return "red"
    return "yellow"


@dataclass(frozen=True, slots=True)
class TokenScores:
    """One token's row: the score that matters most, and the best of the others."""

    shown: ScoreView
    """The enabled strategies' score closest to its entry threshold; while none scores, an
    enabled strategy's reason (its warm-up); with none enabled, the best score of any."""
    enabled: bool
    """Whether `shown` is an enabled strategy's."""
    next_best: ScoreView | None
    """The best score of the token's other strategies (None: no other strategy)."""
    held_return: float | None
    """Unrealized return of the position in the token, None when not held."""
    safety: str = "—"
    """The token's safety verdict ("safe", "freeze auth", ...); "—" when it was not checked."""


def token_scores(snapshot: EngineSnapshot) -> list[TokenScores]:
    """Groups the snapshot's scores into one row per token, in the snapshot's order."""
    strategies = {v.name: v for v in snapshot.strategies}
    held = {p.mint: p.unrealized_return for p in snapshot.positions}
    safety = dict(snapshot.safety)
    by_mint: dict[str, list[ScoreView]] = {}
    for view in snapshot.scores:
        by_mint.setdefault(view.mint, []).append(view)
    rows = []
    for mint, views in by_mint.items():
        shown = _shown(views, strategies)
        others = [v for v in views if v is not shown]
        rows.append(
            TokenScores(
                shown=shown,
                enabled=_is_enabled(shown, strategies),
                next_best=max(others, key=_score_or_least, default=None),
                held_return=held.get(mint),
                safety=safety.get(mint, fmt.MISSING),
            )
        )
    return rows


def _is_enabled(view: ScoreView, strategies: Mapping[str, StrategyView]) -> bool:
    strategy = strategies.get(view.strategy)
    return strategy is not None and strategy.enabled


def _score_or_least(view: ScoreView) -> float:
    return -1.0 if view.score is None else view.score


def _shown(views: Sequence[ScoreView], strategies: Mapping[str, StrategyView]) -> ScoreView:
    enabled = [v for v in views if _is_enabled(v, strategies)]
    scored = [v for v in enabled if v.score is not None]
    if scored:

        def margin(v: ScoreView) -> float:
            threshold = strategies[v.strategy].entry_threshold
            return (v.score or 0.0) - (threshold or 0.0)

        return max(scored, key=margin)
    if enabled:
        return enabled[0]
    return max(views, key=_score_or_least)


def strategy_row(view: StrategyView) -> Row:
    """One summary row for a strategy, keyed by its name."""
    v = view
    entry = "—" if v.entry_threshold is None else f"{v.entry_threshold:g}"
    return Row(
        v.name,
        (
            v.name,
            Text("yes", style="green") if v.enabled else Text("no", style="dim"),
            num(fmt.score(v.score), score_style(v.score) if v.score is not None else ""),
            num(entry),
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


def other_cell(view: ScoreView | None) -> Text:
    """The next best score with its strategy, e.g. "ema_cross 0.48"."""
    if view is None:
        return Text(fmt.MISSING, style="dim")
    return Text.assemble(
        (view.strategy, "dim"), " ", (fmt.score(view.score), score_style(view.score))
    )


def safety_cell(verdict: str) -> Text:
    """The safety verdict, green when safe, red when it denies entries, dim when unchecked."""
    if verdict == SAFE:
        return Text(verdict, style="green")
    if verdict == fmt.MISSING:
        return Text(verdict, style="dim")
    return Text(verdict, style="yellow" if verdict == UNKNOWN else "bold red")


def score_row(token: TokenScores) -> Row:
    """One row for a token, keyed by its mint."""
    v = token.shown
    held = token.held_return
    return Row(
        v.mint,
        (
            Text(v.symbol, style=pnl_style(held)),
            score_cell(v),
            safety_cell(token.safety),
            Text(v.strategy, style="" if token.enabled else "dim"),
            other_cell(token.next_best),
            pnl(held, fmt.pct(held, signed=True)) if held is not None else num(""),
            num(fmt.price(v.price_usd)),
            num(fmt.usd(v.liquidity_usd)),
            v.reason,
        ),
    )


class ScoresPanel(SnapshotPanel):
    """Strategies summary above the per-token scores, both updated cell by cell."""

    PANEL_TITLE = "Strategies and scores"

    def compose(self) -> ComposeResult:
        """Builds the summary table and the scores table."""
        yield FittedTable(
            STRATEGY_COLUMNS, id="strategies-table", cursor_type="none", zebra_stripes=False
        )
        yield FittedTable(SCORE_COLUMNS, id="scores-table", cursor_type="row")

    def show(self, snapshot: EngineSnapshot) -> None:
        """Syncs both tables with the snapshot; enabled strategies lead the summary."""
        summary = sorted(snapshot.strategies, key=lambda v: (not v.enabled, v.name))
        self.query_one("#strategies-table", FittedTable).sync([strategy_row(v) for v in summary])
        self.query_one("#scores-table", FittedTable).sync(
            [score_row(t) for t in token_scores(snapshot)]
        )
