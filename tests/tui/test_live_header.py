"""The header of a live session is red, with a LIVE badge, on the engine's dashboard (`run`)
and on `watch`; a paper session's header is as it always was."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from soltrader_tui.config.model import Config
from soltrader_tui.ledger import Ledger
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.tui.app import SolTraderApp, make_app
from tests.tui.harness import VERSION, session
from tests.tui.snapshot_factory import make_snapshot


def badge_style(app: SolTraderApp, word: str) -> str:
    """The style of the header's span that shows `word` (e.g. " LIVE ")."""
    content = app.screen.query_one("#status-bar", Static).content
    assert isinstance(content, Text)
    for span in content.spans:
        if content.plain[span.start : span.end].strip() == word:
            return str(span.style)
    raise AssertionError(f"no {word!r} span in {content.plain!r}")


def bar_is_red(app: SolTraderApp) -> bool:
    bar = app.screen.query_one("#status-bar")
    background = bar.styles.background
    return bar.has_class("-live") and background.r > 2 * max(background.g, background.b)


class TestRunDashboard:
    """The engine's own dashboard, from the snapshots it publishes."""

    async def test_live_shows_a_red_badge_on_a_red_bar(self) -> None:
        async with session(make_snapshot(mode="live")) as s:
            line = s.text("#status-bar")
            assert " LIVE " in line and "PAPER" not in line
            assert "on red" in badge_style(s.app, "LIVE")
            assert bar_is_red(s.app)

    async def test_paper_is_unchanged(self) -> None:
        async with session(make_snapshot(mode="paper")) as s:
            assert badge_style(s.app, "PAPER") == "bold black on cyan"
            bar = s.app.screen.query_one("#status-bar")
            assert not bar.has_class("-live") and not bar_is_red(s.app)

    async def test_the_bar_follows_the_mode(self) -> None:
        async with session(make_snapshot(mode="paper")) as s:
            await s.publish(make_snapshot(mode="live"))
            assert bar_is_red(s.app)
            await s.publish(make_snapshot(mode="paper"))
            assert not bar_is_red(s.app)


class TestWatch:
    """`watch` reads the mode from the ledger: a live ledger's header is red there too."""

    async def test_a_live_ledger_is_shown_live(self, tmp_path: Path) -> None:
        db = tmp_path / "live.sqlite"
        Ledger.open(db, starting_cash_micro=100_000_000, mode="live", version="t").close()
        app = make_app(Config(), LedgerWatcher(db, poll_s=0.05), version=VERSION)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.dashboard.snapshot.mode == "live"
            assert "on red" in badge_style(app, "LIVE")
            assert bar_is_red(app)


class TestPortfolioFigures:
    """A live session's portfolio shows its swaps against their paper twins, and every
    session the fees paid today beside realized P&L."""

    async def test_live_vs_paper_shows_only_when_there_are_swaps(self) -> None:
        figure = "-$0.0123 · fees $0.0510/$0.0400 · 1 awaiting"
        snapshot = make_snapshot(mode="live", live_vs_paper=figure)
        async with session(snapshot, size=(200, 60)) as s:
            assert s.figure("live").plain == figure
            assert "Live vs paper" in s.text("#portfolio")
            await s.publish(make_snapshot(mode="live"))
            assert "Live vs paper" not in s.text("#portfolio")

    async def test_fees_today_sit_beside_realized(self) -> None:
        snapshot = make_snapshot(realized_pnl_usd=12.34, fees_today_usd=0.56)
        async with session(snapshot, size=(200, 60)) as s:
            assert s.figure("realized").plain == "+$12.34 · fees today $0.56"
            # The panel's value column is narrower than the whole text: "fees" it says there.
            assert "+$12.34 · fees $0.56" in s.text("#portfolio")
        async with session(make_snapshot(realized_pnl_usd=12.34, fees_today_usd=None)) as s:
            assert s.figure("realized").plain == "+$12.34"  # not known: no number shown
