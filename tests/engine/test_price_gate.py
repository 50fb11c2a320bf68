"""Exits act only on prices the engine trusts, and only at a quote that agrees with them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, Signal
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.strategies.base import ScoreReading
from tests.engine.scripted_feed import ScriptedFeed
from tests.factories import make_token, record_buy

START = 1_767_225_600.0
TOKEN = make_token("GATE", 6)


class QuoteStaysFeed(ScriptedFeed):
    """Its price ticks follow the script, but its pool (and so every quote) stays at the first
    price: a price feed that has gone wrong while the swap route has not."""

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        price = self._prices[min(self.polls, len(self._prices) - 1)]
        self.polls += 1
        return [MarketTick(self._token, ts, price, self._pool.liquidity_usd())]


async def run(tmp_path: Path, feed: ScriptedFeed, ticks: int) -> list[tuple[str, str, str]]:
    """Runs an engine holding 100 GATE at $1 average cost; returns (kind, level, message) of
    the price lines and the sides and reasons of the fills."""
    ledger = Ledger.open(
        tmp_path / "l.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
    )
    record_buy(ledger, TOKEN, ts=START - 60)
    config = Config.model_validate(
        {
            "strategies": {"momentum": {"enabled": False}},
            "risk": {"stop_loss_pct": 10, "take_profit_pct": 20},
            "market": {"tick_seconds": 1.0},
        }
    )
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=feed,
        clock=VirtualClock(START),
        version="t",
        duration_s=ticks - 1,
    )
    await engine.run()
    assert engine.snapshot().error is None
    ledger.close()
    conn = sqlite3.connect(tmp_path / "l.sqlite")
    fills = [("fill", side, why) for side, why in conn.execute("SELECT side, reason FROM fills")]
    lines = conn.execute(
        "SELECT kind || coalesce(':' || rule, ''), level, message FROM events"
        " WHERE kind IN ('refused', 'price')"
    ).fetchall()
    return fills + [(k, lv, m) for k, lv, m in lines]


class TestExitsOnTrustedPrices:
    """A rug still reaches the stop-loss; a price the quote contradicts sells nothing."""

    async def test_a_crash_the_quote_confirms_reaches_the_stop_loss(self, tmp_path: Path) -> None:
        # -95 % in one tick is a 20× move, past max_move_factor 10: the quote confirms it.
        seen = await run(tmp_path, ScriptedFeed(TOKEN, [1.0, 1.0, 0.05, 0.05]), ticks=4)
        assert ("fill", "sell", "stop_loss") in seen
        assert any(k == "price" and "believed" in m for k, _, m in seen)
        assert not any(k.startswith("refused:") for k, _, _ in seen)

    async def test_a_jump_the_quote_denies_is_refused(self, tmp_path: Path) -> None:
        seen = await run(tmp_path, QuoteStaysFeed(TOKEN, [1.0, 1.0, 30.0, 30.0]), ticks=4)
        assert [s for s in seen if s[0] == "fill"] == [("fill", "buy", "test")]
        refused = [m for k, _, m in seen if k == "refused:jump"]
        assert len(refused) == 1 and refused[0].startswith("PRICE REFUSED GATE 30 [jump]")

    async def test_take_profit_on_a_price_the_quote_contradicts_sells_nothing(
        self, tmp_path: Path
    ) -> None:
        # +30 % is inside the move limit and past the 20 % target, but the pool still says $1.
        seen = await run(tmp_path, QuoteStaysFeed(TOKEN, [1.0, 1.0, 1.3, 1.3, 1.3]), ticks=5)
        assert [s for s in seen if s[0] == "fill"] == [("fill", "buy", "test")]
        refused = [m for k, _, m in seen if k == "refused:quote_deviation"]
        assert len(refused) == 1
        assert "disagrees with the swap quote's price" in refused[0]

    async def test_take_profit_the_quote_agrees_with_fills(self, tmp_path: Path) -> None:
        seen = await run(tmp_path, ScriptedFeed(TOKEN, [1.0, 1.0, 1.3, 1.3]), ticks=4)
        assert ("fill", "sell", "take_profit") in seen


class BuyOnThirdTick:
    """A strategy that wants to buy on the third tick it sees, whatever the price."""

    name = "always"
    enabled = True
    entry_threshold = 0.75
    timeframe_s = None
    warmup_s = 0.0
    """Needs no past: the test counts the ticks it sees."""

    def __init__(self) -> None:
        self.ticks = 0

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        self.ticks += 1
        if self.ticks == 3 and not holding:
            return Signal(tick.token, self.name, "buy", 0.9, "test entry")
        return None

    def score(self, mint: str) -> ScoreReading:
        return ScoreReading(None, "test")

    def forget(self, mint: str) -> None:
        return None


async def run_entry(tmp_path: Path, feed: ScriptedFeed) -> list[str]:
    """Runs an engine with no position and a strategy that buys on the third tick; returns
    the sides of the fills and the refusal lines."""
    ledger = Ledger.open(
        tmp_path / "e.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
    )
    config = Config.model_validate(
        {"market": {"tick_seconds": 1.0}, "risk": {"min_pool_age_minutes": 0}}
    )
    engine = Engine(
        config=config,
        ledger=ledger,
        feed=feed,
        clock=VirtualClock(START),
        version="t",
        duration_s=4,
        strategies=[BuyOnThirdTick()],
    )
    await engine.run()
    ledger.close()
    conn = sqlite3.connect(tmp_path / "e.sqlite")
    sides = [side for (side,) in conn.execute("SELECT side FROM fills")]
    refused = [
        k for (k,) in conn.execute("SELECT 'refused:' || rule FROM events WHERE kind = 'refused'")
    ]
    return sides + refused


class TestEntriesOnTrustedPrices:
    """An entry is made only at a quote that agrees with the price that decided it."""

    async def test_an_entry_the_quote_contradicts_is_not_made(self, tmp_path: Path) -> None:
        # The price ticks say $1.40 (within the move limit), the pool still quotes $1.
        seen = await run_entry(tmp_path, QuoteStaysFeed(TOKEN, [1.0, 1.4, 1.4, 1.4, 1.4]))
        assert seen == ["refused:quote_deviation"]

    async def test_an_entry_the_quote_agrees_with_is_made(self, tmp_path: Path) -> None:
        seen = await run_entry(tmp_path, ScriptedFeed(TOKEN, [1.0, 1.4, 1.4, 1.4, 1.4]))
        assert seen == ["buy"]


class FrozenFeed(ScriptedFeed):
    """Hands over its first observation again and again: the price stops being renewed (an
    API that keeps answering with an old price, or stops answering for this token)."""

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        self.polls += 1
        return [MarketTick(self._token, START, self._prices[0], self._pool.liquidity_usd())]


class TestStaleHeldToken:
    """A held token without a fresh price: its price rules wait and say so; time still counts."""

    async def test_stop_needs_a_price_and_max_hold_still_closes(self, tmp_path: Path) -> None:
        ledger = Ledger.open(
            tmp_path / "s.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        record_buy(ledger, TOKEN, ts=START - 60)
        config = Config.model_validate(
            {
                "strategies": {"momentum": {"enabled": False}},
                "risk": {"stop_loss_pct": 10, "max_hold_minutes": 2},
                "market": {"tick_seconds": 1.0, "stale_after_s": 3},
            }
        )
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=FrozenFeed(TOKEN, [1.0]),
            clock=VirtualClock(START),
            version="t",
            duration_s=70,
        )
        await engine.run()
        ledger.close()
        conn = sqlite3.connect(tmp_path / "s.sqlite")
        sells = conn.execute("SELECT reason, ts_epoch FROM fills WHERE side = 'sell'").fetchall()
        assert sells == [("max_hold", START + 60)]
        lines = [m for (m,) in conn.execute("SELECT message FROM events WHERE kind = 'stale'")]
        assert any(
            m.startswith("stop-loss for GATE needs a price: last accepted is 4 s old")
            for m in lines
        ), lines
