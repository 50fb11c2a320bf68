"""A laptop that slept: every price is stale on waking, the sleep is logged with what it risked,
and nothing is traded until each token has a price observed after the wake."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from soltrader_tui.clock import VirtualClock, WallClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MarketTick, Side, SwapQuote, Token
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.amm import Pool
from soltrader_tui.market.feed import OfflineFeed, SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.resources import from_json
from tests.factories import make_token, record_buy

TOKENS = (make_token("NAPA", 6), make_token("NAPB", 6))
START = 1_767_225_600.0
SLEEP_S = 2 * 3600 + 13 * 60
"""2 h 13 min."""


class SleepyFeed(OfflineFeed):
    """Two tokens at $1 until the machine sleeps (the clock jumps inside one poll). On waking,
    its first answers are late ones, observed before the sleep, at a $0.85 (past the stop); then
    fresh prices at $0.85, observed now."""

    source = "sleepy"
    api_note = "scripted test prices"

    def __init__(self, clock: WallClock, engine_stop: list[Engine]) -> None:
        self._clock = clock
        self._stop = engine_stop
        self._pools = {t.mint: Pool.from_price(1.0, 2e6, t.decimals) for t in TOKENS}
        self.polls = 0
        self.slept_at: float | None = None
        """Market time of the poll during which the machine slept."""
        self.fresh_from: float | None = None
        """Market time of the first poll answered with prices observed after the wake."""

    async def poll(self, ts: float) -> Sequence[MarketTick]:
        self.polls += 1
        price, seen = 1.0, ts
        if self.polls == 4:
            self.slept_at = ts
            self._clock.jump(SLEEP_S)  # the lid closes mid-poll; the answer is from before
        elif self.slept_at is not None:
            price = 0.85
            if self.polls <= 7:
                seen = self.slept_at + 0.01  # a late answer: observed before the sleep
            elif self.fresh_from is None:
                self.fresh_from = ts
            elif self.polls > 14:
                self._stop[0].request_stop()
        for pool in self._pools.values():
            pool.set_price(price)
        return [MarketTick(t, seen, price, self._pools[t.mint].liquidity_usd()) for t in TOKENS]

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        return ()

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        pool = self._pools[token.mint]
        out, impact = pool.quote_buy(in_amount) if side == "buy" else pool.quote_sell(in_amount)
        return SwapQuote(token, side, in_amount, out, impact)

    def token(self, mint: str) -> Token | None:
        return next((t for t in TOKENS if t.mint == mint), None)

    def listed_ts(self, mint: str) -> float | None:
        return 0.0


class TestMachineSlept:
    """After 2 h 13 min asleep with two positions open, the log says so, the stops wait for
    prices observed after the wake (not a late answer from before), then act on them."""

    async def test_sleep_marks_prices_stale_and_trades_only_on_fresh_ones(
        self, tmp_path: Path
    ) -> None:
        clock = WallClock()
        ledger = Ledger.open(
            tmp_path / "z.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        for token in TOKENS:
            record_buy(ledger, token, ts=clock.now() - 60)
        config = Config.model_validate(
            {
                "strategies": {"momentum": {"enabled": False}},
                "risk": {"stop_loss_pct": 10, "daily_loss_limit_usd": 1000},
                # Old prices alone would not go stale: only the sleep makes them so.
                "market": {"tick_seconds": 0.05, "stale_after_s": 86_400},
                "monitor": {"sleep_gap_s": 5},
            }
        )
        holder: list[Engine] = []
        feed = SleepyFeed(clock, holder)
        engine = Engine(config=config, ledger=ledger, feed=feed, clock=clock, version="t")
        holder.append(engine)
        headers: list[str] = []
        engine.on_snapshot = lambda snapshot: headers.append(snapshot.machine)
        await engine.run()
        assert engine.snapshot().error is None
        # The header's health line says it too, for ten minutes after the wake.
        assert any("asleep 2 h 13 min until " in line for line in headers), headers[-3:]
        ledger.close()

        conn = sqlite3.connect(tmp_path / "z.sqlite")
        slept = conn.execute(
            "SELECT id, level, message FROM events WHERE kind = 'sleep'"
        ).fetchall()
        assert [(lv, m) for _, lv, m in slept] == [
            ("warning", "asleep 2 h 13 min with 2 positions open; stops were not watched")
        ]
        sells = conn.execute(
            "SELECT symbol, reason, ts_epoch FROM fills WHERE side = 'sell' ORDER BY id"
        ).fetchall()
        assert feed.fresh_from is not None
        assert sorted((s, r) for s, r, _ in sells) == [("NAPA", "stop_loss"), ("NAPB", "stop_loss")]
        assert all(ts >= feed.fresh_from for _, _, ts in sells), (sells, feed.fresh_from)
        waiting = conn.execute(
            "SELECT message FROM events WHERE kind = 'stale' AND id > ? ORDER BY id",
            (slept[0][0],),
        ).fetchall()
        lines = [m for (m,) in waiting]
        assert any(m.startswith("stop-loss for NAPA needs a price") for m in lines), lines
        assert "FRESH NAPA: prices are current again" in lines
        assert "FRESH NAPB: prices are current again" in lines


class TestResourceLimits:
    """A sample past a `monitor` limit is logged once, and stored for `health`."""

    async def test_memory_over_its_limit_is_logged_and_stored(self, tmp_path: Path) -> None:
        ledger = Ledger.open(
            tmp_path / "r.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        config = Config.model_validate({"monitor": {"rss_mb": 1}})
        market = SimMarket(7, START, tick_seconds=config.market.tick_seconds)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="t",
            duration_s=600,
        )
        await engine.run()
        ledger.close()
        conn = sqlite3.connect(tmp_path / "r.sqlite")
        lines = conn.execute("SELECT level, message FROM events WHERE kind = 'resource'").fetchall()
        assert len(lines) == 1, lines
        assert lines[0][0] == "warning"
        assert lines[0][1].startswith("RESOURCE rss_mb ")
        assert lines[0][1].endswith(" is above its limit 1")
        (row,) = conn.execute("SELECT value FROM meta WHERE key = 'resources'").fetchone()
        status = from_json(row)
        assert status is not None and status.sample.rss_bytes > 1024 * 1024
