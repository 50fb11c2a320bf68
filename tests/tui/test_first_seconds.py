"""Tests the first seconds of a session (issue 19, item 4; issue 12, items 2 and 4): on the
simulator every token is scored from the first seconds (the strategies start warm on its past);
where no past is known each token's row says how warm its strategy is, with its progress; at
120×36 and at 80×24 every token has its row; and the header says what the engine is doing now
rather than how the state began ("new ledger")."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot

from soltrader_tui import __version__
from soltrader_tui.clock import VirtualClock, WallClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, TradingState
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sources import build_market
from soltrader_tui.tui.app import SolTraderApp, make_app
from tests.factories import engine_on_sim
from tests.tui.harness import session
from tests.tui.snapshot_factory import make_score, make_snapshot

START = 1_767_225_600.0
SIZES = [(120, 36), (80, 40)]
"""80×24 leaves the scores out (its compact layout keeps the money, the positions and the log;
the header names the best score), so the narrow size here is 80×40, where they show."""
SCORE_CELL = re.compile(r"\b[01]\.\d\d [▏▎▍▌▋▊▉█ ]")
"""A score cell: the score, then its bar."""


def screen_text(app: object, selector: str) -> str:
    from textual.widget import Widget

    screen = app.screen  # type: ignore[attr-defined]
    widget = screen.query_one(selector, Widget)
    region = widget.region
    strips = screen._compositor.render_strips()
    return "\n".join(s.crop(region.x, region.right).text for s in strips[region.y : region.bottom])


class SimFeedWithoutPast(SimFeed):
    """The simulator as a live source whose past is unknown (no OHLCV client yet)."""

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        return ()


async def run_to_end(app: SolTraderApp, pilot: Pilot[int], size: tuple[int, int]) -> str:
    """Waits for the engine's short session to end; returns the scores panel's text."""
    for _ in range(400):
        await pilot.pause(0.05)
        shown = app.dashboard.snapshot
        if shown.market_ts is not None and not shown.running:
            break
    await pilot.pause(0.1)  # the last snapshot's repaint
    return screen_text(app, "#scores")


def rows_of(text: str, symbol: str) -> list[str]:
    return [ln for ln in text.splitlines() if f" {symbol} " in ln]


class TestScoredFromTheStart:
    """On the simulator every token has a score, not a warm-up, from the first seconds: the
    strategies were fed the market's past before the first tick."""

    @pytest.mark.parametrize("size", SIZES)
    async def test_forty_seconds_in_every_token_has_a_score(
        self, tmp_path: Path, size: tuple[int, int]
    ) -> None:
        config = Config()
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        engine = engine_on_sim(ledger, market, START, hours=40 / 3600, config=config)
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=size) as pilot:
            text = await run_to_end(app, pilot, size)
            shown = app.dashboard.snapshot
            await pilot.press("q")
        ledger.close()
        symbols = sorted({v.symbol for v in shown.scores})
        assert len(symbols) == 4, "the simulated market lists four tokens"
        assert all(v.score is not None for v in shown.scores), [v.reason for v in shown.scores]
        for symbol in symbols:
            rows = rows_of(text, symbol)
            assert rows, f"{symbol} has no visible row at {size}:\n{text}"
            assert not any("warming" in ln for ln in rows), f"{symbol} at {size}: {rows}"
            assert any(SCORE_CELL.search(ln) for ln in rows), f"{symbol} at {size}: {rows}"


class TestDefaultDashboard:
    """The default session (the simulator served over loopback HTTP, on the wall clock) shows a
    score for every token within five seconds of start."""

    async def test_every_token_scored_within_five_seconds(self, tmp_path: Path) -> None:
        config = Config()
        setup = build_market(config, config_dir=None, seed=3, speed=None, duration_s=None)
        assert setup.server is not None, "the default session reads the simulator over HTTP"
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        engine = Engine(
            config=config, ledger=ledger, feed=setup.feed, clock=setup.clock, version="t"
        )
        app = make_app(config, engine, version=__version__)
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                began = time.monotonic()
                while time.monotonic() - began < 5.0:
                    await pilot.pause(0.1)
                    scores = app.dashboard.snapshot.scores
                    if len({v.symbol for v in scores}) == 4 and all(
                        v.score is not None for v in scores
                    ):
                        break
                took = time.monotonic() - began
                await pilot.pause(0.1)
                text = screen_text(app, "#scores")
                await pilot.press("q")
                await app.workers.wait_for_complete()
        finally:
            setup.close()
            ledger.close()
        assert took < 5.0, [v.reason for v in scores]
        for symbol in {v.symbol for v in scores}:
            assert any(SCORE_CELL.search(ln) for ln in rows_of(text, symbol)), text


class TestWarmingRows:
    """With no past to warm on (a live source before its candles are fetched), every token's
    row says how warm its strategy is, with its progress."""

    @pytest.mark.parametrize("size", SIZES)
    async def test_a_minute_in_every_token_says_warming(
        self, tmp_path: Path, size: tuple[int, int]
    ) -> None:
        config = Config()
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeedWithoutPast(market),
            clock=VirtualClock(START),
            version="t",
            duration_s=40,
        )
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=size) as pilot:
            text = await run_to_end(app, pilot, size)
            symbols = sorted({v.symbol for v in app.dashboard.snapshot.scores})
            await pilot.press("q")
        ledger.close()
        assert len(symbols) == 4, "the simulated market lists four tokens"
        for symbol in symbols:
            rows = rows_of(text, symbol)
            assert rows, f"{symbol} has no visible row at {size}:\n{text}"
            # Momentum's row (the candle strategy's says "no candles yet" this early).
            assert any("warming 40 s / 300 s" in ln for ln in rows), f"{symbol} at {size}: {rows}"


class TestHeaderSaysWhatIsHappening:
    """The header's reason is the present: warming up, trading, or why it is paused."""

    @pytest.mark.parametrize("size", SIZES)
    async def test_warming_then_trading(self, size: tuple[int, int]) -> None:
        warming = make_snapshot(
            state_reason="new ledger",
            positions=(),
            scores=(
                make_score("SOL", score=None, reason="warming 40 s / 300 s"),
                make_score("WIF", score=None, reason="warming 12 s / 300 s"),
            ),
        )
        async with session(warming, size=size) as s:
            line = s.text("#status-bar")
            assert "ACTIVE  warming up 12 s / 300 s" in line
            assert "new ledger" not in line
            await s.publish(make_snapshot(state_reason="new ledger", scores=(make_score("SOL"),)))
            line = s.text("#status-bar")
            assert "ACTIVE  best score 0.62 SOL (momentum), entry at 0.75" in line
            assert "new ledger" not in line

    async def test_paused_says_why(self) -> None:
        paused = make_snapshot(
            trading_state=TradingState.PAUSED,
            state_reason="daily_loss_limit: down $30.00 today",
            scores=(make_score("SOL"),),
        )
        async with session(paused) as s:
            assert "PAUSED  daily_loss_limit: down $30.00 today" in s.text("#status-bar")


class TestHeaderSaysWhyNothingIsBought:
    """On the real engine the header carries the engine's own line: the best score of the
    enabled strategies against its entry threshold, then why entries are paused."""

    async def test_best_score_then_paused(self, tmp_path: Path) -> None:
        config = Config()
        ledger = Ledger.open(
            tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        # On the wall clock: a few ticks in, no time for trades to change the picture.
        clock = WallClock()
        market = SimMarket(3, clock.now(), tick_seconds=config.market.tick_seconds)
        engine = Engine(
            config=config, ledger=ledger, feed=SimFeed(market), clock=clock, version="t"
        )
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.dashboard.snapshot.market_ts is not None:
                    break
            await pilot.pause(0.1)
            shown, line = app.dashboard.snapshot, screen_text(app, "#status-bar")
            assert shown.no_entry_reason.startswith("best score "), shown.no_entry_reason
            assert shown.no_entry_reason.split(", entry at ")[1].startswith("0.75")
            assert f"ACTIVE  {shown.no_entry_reason}" in line
            await pilot.press("p")
            for _ in range(100):
                await pilot.pause(0.05)
                if app.dashboard.snapshot.trading_state is TradingState.PAUSED:
                    break
            await pilot.pause(0.1)
            paused = app.dashboard.snapshot
            line = screen_text(app, "#status-bar")
            await pilot.press("q")
            await app.workers.wait_for_complete()
        ledger.close()
        assert paused.no_entry_reason == "entries paused: pause by dashboard"
        assert "PAUSED  pause by dashboard" in line
