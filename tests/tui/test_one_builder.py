"""Tests that `watch` shows what the engine's own dashboard shows for the same ledger (issue 19,
item 3): both build their snapshot with one builder from the ledger and the config's risk limits,
so every panel reads the same, stops, targets, today's P&L and the limits included."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widget import Widget

from soltrader_tui import __version__
from soltrader_tui.config.model import Config, RiskConfig
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import UsageMinute
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.net.usage import minute_text
from soltrader_tui.snapshot import EngineSnapshot
from soltrader_tui.tui.app import SolTraderApp, make_app
from tests.factories import engine_on_sim, record_sim_position

START = 1_767_225_600.0
PANELS = ("#status-bar", "#portfolio", "#positions", "#scores", "#fills", "#api", "#log")
SIZE = (140, 44)


def panel_texts(app: SolTraderApp) -> dict[str, str]:
    """The characters each panel shows on screen."""
    screen = app.screen
    strips = screen._compositor.render_strips()
    texts = {}
    for selector in PANELS:
        region = screen.query_one(selector, Widget).region
        texts[selector] = "\n".join(
            strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]
        )
    return texts


async def settled(app: SolTraderApp, pilot: object, done: object) -> EngineSnapshot:
    for _ in range(600):
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        shown = app.dashboard.snapshot
        if done(shown):  # type: ignore[operator]
            await pilot.pause(0.2)  # type: ignore[attr-defined]  # its last repaint
            return shown
    raise AssertionError("the dashboard never settled")


def config_with_limits() -> Config:
    # Limits other than the defaults, so a screen showing the defaults (or none) would differ.
    return Config(
        risk=RiskConfig(
            daily_loss_limit_usd=40.0,
            max_drawdown_pct=15.0,
            stop_loss_pct=6.0,
            take_profit_pct=12.0,
            trailing_stop_pct=5.0,
        )
    )


class TestWatchShowsWhatTheEngineShows:
    """Run's dashboard and watch's, on one ledger: every panel reads the same."""

    async def test_every_panel_is_the_same(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = config_with_limits()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        record_sim_position(ledger, market, START - 60)  # open when the session ends
        engine = engine_on_sim(ledger, market, START, hours=0.25, config=config)
        run_app = make_app(config, engine, version=__version__)
        async with run_app.run_test(size=SIZE) as pilot:
            final = await settled(
                run_app, pilot, lambda s: s.market_ts is not None and not s.running
            )
            engine_panels = panel_texts(run_app)
            await pilot.press("q")
        ledger.close()
        assert final.positions, "a position must be open for stops and targets to mean much"
        position = final.positions[0]
        assert position.stop_usd is not None and position.target_usd is not None
        assert final.day_pnl_usd is not None and final.daily_loss_limit_usd == 40.0
        assert final.max_drawdown_limit_pct == 15.0

        watcher = LedgerWatcher(
            db, poll_s=0.1, risk=config.risk, recent_fills=config.tui.recent_fills
        )
        watch_app = make_app(config, watcher, version=__version__)
        async with watch_app.run_test(size=SIZE) as pilot:
            await settled(watch_app, pilot, lambda s: s.market_ts == final.market_ts)
            watch_panels = panel_texts(watch_app)
            await pilot.press("q")

        for selector in PANELS:
            assert watch_panels[selector] == engine_panels[selector], (
                f"{selector} differs:\nrun:\n{engine_panels[selector]}\n"
                f"watch:\n{watch_panels[selector]}"
            )
        portfolio = watch_panels["#portfolio"]
        assert "of -$40.00" in portfolio and "/ 15%" in portfolio
        assert "in-process" in watch_panels["#api"], "the session read its market in-process"


class TestWatchApiPanelIsTheSessions:
    """The API panel of `watch` shows the latest session's calls, as the engine's does: an
    earlier session's counts are not shown as this one's, and an in-process session says so."""

    async def test_an_earlier_sessions_calls_are_not_this_ones(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = Config()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        # A served-market session an hour ago (wall time) made calls.
        earlier = minute_text(int((time.time() - 3600) // 60))
        ledger.flush(usage=[UsageMinute("jupiter", earlier, 42, 1, 0, 2.0, 9.0)])
        engine = engine_on_sim(ledger, SimMarket(3, START), START, hours=0.05, config=config)
        await engine.run()
        ledger.close()
        shown = read_status(db, risk=config.risk).snapshot
        assert shown.api == ()
        assert shown.api_note == engine.snapshot().api_note
        assert "no API calls" in shown.api_note
