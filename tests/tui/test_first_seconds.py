"""Tests the first seconds of a session (issue 19, item 4): until a strategy is warm, each
token's row says so with its progress, at 120×36 and at 80×24, every token has its row, and the
header says what the engine is doing now rather than how the state began ("new ledger")."""

from __future__ import annotations

from pathlib import Path

import pytest

from soltrader_tui import __version__
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.tui.app import make_app
from tests.factories import engine_on_sim
from tests.tui.harness import session
from tests.tui.snapshot_factory import make_score, make_snapshot

START = 1_767_225_600.0
SIZES = [(120, 36), (80, 24)]


def screen_text(app: object, selector: str) -> str:
    from textual.widget import Widget

    screen = app.screen  # type: ignore[attr-defined]
    widget = screen.query_one(selector, Widget)
    region = widget.region
    strips = screen._compositor.render_strips()
    return "\n".join(s.crop(region.x, region.right).text for s in strips[region.y : region.bottom])


class TestWarmingRows:
    """Every token of the simulated market has a row saying how warm its strategy is."""

    @pytest.mark.parametrize("size", SIZES)
    async def test_a_minute_in_every_token_says_warming(
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
            for _ in range(400):
                await pilot.pause(0.05)
                shown = app.dashboard.snapshot
                if shown.market_ts is not None and not shown.running:
                    break
            symbols = sorted({v.symbol for v in shown.scores})
            assert len(symbols) == 4, "the simulated market lists four tokens"
            await pilot.pause(0.1)  # the last snapshot's repaint
            text = screen_text(app, "#scores")
            await pilot.press("q")
        ledger.close()
        for symbol in symbols:
            rows = [ln for ln in text.splitlines() if f" {symbol} " in ln]
            assert rows, f"{symbol} has no visible row at {size}:\n{text}"
            # Momentum's row (the candle strategy's says "no candles yet" this early).
            assert any("warming 40 s / 300 s" in ln for ln in rows), f"{symbol} at {size}: {rows}"


class TestHeaderSaysWhatIsHappening:
    """The header's reason is the present: warming up, trading, or why it is paused."""

    @pytest.mark.parametrize("size", SIZES)
    async def test_warming_then_trading(self, size: tuple[int, int]) -> None:
        warming = make_snapshot(
            state_reason="new ledger",
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
            assert "ACTIVE  trading" in line and "new ledger" not in line

    async def test_paused_says_why(self) -> None:
        paused = make_snapshot(
            trading_state=TradingState.PAUSED,
            state_reason="daily_loss_limit: down $30.00 today",
            scores=(make_score("SOL"),),
        )
        async with session(paused) as s:
            assert "PAUSED  daily_loss_limit: down $30.00 today" in s.text("#status-bar")
