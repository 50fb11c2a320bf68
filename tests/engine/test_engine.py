"""Tests of the engine: the cache equals the ledger, exits fire, snapshots are coalesced."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import TradingState
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import MarketFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.portfolio.portfolio import Portfolio
from soltrader_tui.snapshot import EngineSnapshot
from tests.engine.scripted_feed import ScriptedFeed
from tests.factories import engine_on_sim, make_token, record_buy

START = 1_767_225_600.0


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def sim_engine(
    ledger: Ledger, seed: int = 3, hours: float = 1.0, config: Config | None = None
) -> Engine:
    config = config or Config()
    market = SimMarket(
        seed,
        START,
        tick_seconds=config.market.tick_seconds,
        rug_after_s=config.market.sim.rug_after_minutes * 60,
        listing_after_s=config.market.sim.listing_after_minutes * 60,
    )
    return engine_on_sim(ledger, market, START, hours=hours, config=config)


def scripted_engine(ledger: Ledger, feed: MarketFeed, ticks: int) -> Engine:
    config = Config.model_validate(
        {
            "strategies": {"momentum": {"enabled": False}},
            "risk": {"stop_loss_pct": 10, "take_profit_pct": 20},
            "market": {"tick_seconds": 1.0},
        }
    )
    return Engine(
        config=config,
        ledger=ledger,
        feed=feed,
        clock=VirtualClock(START),
        version="test",
        duration_s=ticks - 1,
    )


class TestCacheEqualsLedger:
    """What the engine holds in memory is exactly what a replay of its ledger gives."""

    async def test_run_then_replay(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        engine = sim_engine(ledger, hours=2)
        await engine.run()
        assert engine.portfolio.fill_count > 0, (
            "the session must trade for this test to mean anything"
        )
        replay = Portfolio.replay(ledger.starting_cash_micro, (s.fill for s in ledger.fills()))
        assert replay.state() == engine.portfolio.state()
        mine, theirs = engine.snapshot(), read_status(tmp_path / "l.sqlite").snapshot
        for field in (
            "cash_usd",
            "equity_usd",
            "realized_pnl_usd",
            "unrealized_pnl_usd",
            "win_rate",
            "round_trips",
            "fills",
            "max_drawdown_pct",
        ):
            assert getattr(mine, field) == pytest.approx(getattr(theirs, field)), field
        assert [p.qty for p in mine.positions] == [p.qty for p in theirs.positions]
        ledger.close()

    async def test_restart_restores_the_same_portfolio(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        first = sim_engine(ledger, seed=4, hours=1.5)
        await first.run()
        ledger.close()
        reopened = open_ledger(path)
        second = sim_engine(reopened, seed=4, hours=1)
        assert second.portfolio.state() == first.portfolio.state()
        before = second.snapshot()
        assert before.recent_fills == first.snapshot().recent_fills
        assert before.trading_state is TradingState.ACTIVE
        reopened.close()


class TestExits:
    """Stop-loss and take-profit close a position on the first tick past the level."""

    @pytest.mark.parametrize(
        ("path", "fires_at", "reason"),
        [
            ([1.0, 0.97, 0.93, 0.905, 0.899, 0.85], 4, "stop_loss"),
            ([1.0, 1.1, 1.15, 1.19, 1.21, 1.3], 4, "take_profit"),
        ],
    )
    async def test_exit_fires_at_the_right_tick(
        self, tmp_path: Path, path: list[float], fires_at: int, reason: str
    ) -> None:
        token = make_token("EXIT", 6)
        ledger = open_ledger(tmp_path / "l.sqlite")
        # An open position of 100 tokens bought for $100 + $0 fees: average cost exactly $1.
        record_buy(ledger, token, ts=START - 60)
        feed = ScriptedFeed(token, path)
        engine = scripted_engine(ledger, feed, ticks=len(path))
        await engine.run()
        rows = (
            sqlite3.connect(tmp_path / "l.sqlite")
            .execute("SELECT side, reason, ts_epoch FROM fills ORDER BY id")
            .fetchall()
        )
        assert [(side, why) for side, why, _ in rows] == [("buy", "test"), ("sell", reason)]
        assert rows[1][2] == START + fires_at
        assert engine.portfolio.positions == {}
        ledger.close()


class TestSnapshots:
    """At max speed the engine publishes what a screen can show, not one copy per tick."""

    async def test_coalesced(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        engine = sim_engine(ledger, hours=2)
        seen: list[EngineSnapshot] = []
        engine.on_snapshot = seen.append
        await engine.run()
        ticks = 2 * 3600 / Config().market.tick_seconds
        fills = engine.portfolio.fill_count
        assert fills > 0
        assert len(seen) < ticks / 20, "snapshots must not be published per tick"
        assert len(seen) >= fills, "one snapshot at least after every fill"
        assert seen[-1].running is False and seen[-1].fills == fills
        assert all(a.fills <= b.fills for a, b in itertools.pairwise(seen))
        ledger.close()


class TestRiskWiring:
    """Breakers change the trading state through the ledger; denials are counted per rule."""

    async def test_losing_streak_pauses_entries(self, tmp_path: Path) -> None:
        token = make_token("LOSS", 6)
        ledger = open_ledger(tmp_path / "l.sqlite")
        record_buy(ledger, token, ts=START - 60)
        config = Config.model_validate(
            {
                "strategies": {"momentum": {"enabled": False}},
                "risk": {"stop_loss_pct": 10, "max_consecutive_losses": 1},
                "market": {"tick_seconds": 1.0},
            }
        )
        feed = ScriptedFeed(token, [1.0, 0.95, 0.85, 0.85, 0.85])
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=feed,
            clock=VirtualClock(START),
            version="test",
            duration_s=4,
        )
        await engine.run()
        state = ledger.trading_state()
        assert state is not None and (state.state, state.actor) == ("paused", "risk")
        assert state.reason.startswith("max_consecutive_losses")
        assert engine.snapshot().trading_state is TradingState.PAUSED
        ledger.close()

    async def test_denials_counted_the_same_in_engine_and_status(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        config = Config.model_validate({"risk": {"max_entries_per_hour": 1}})
        engine = sim_engine(ledger, hours=4, config=config)
        await engine.run()
        mine = dict(engine.snapshot().risk_rejections)
        theirs = dict(read_status(tmp_path / "l.sqlite").snapshot.risk_rejections)
        assert mine == theirs
        assert sum(mine.values()) > 0, "a one-entry-an-hour limit must deny something in 4 h"
        ledger.close()

    async def test_daily_limit_pauses_until_utc_midnight(self, tmp_path: Path) -> None:
        token = make_token("DAY", 6)
        before_midnight = START - 10  # 2025-12-31T23:59:50Z
        ledger = open_ledger(tmp_path / "l.sqlite")
        record_buy(ledger, token, ts=before_midnight - 60)
        config = Config.model_validate(
            {
                "strategies": {"momentum": {"enabled": False}},
                "risk": {"daily_loss_limit_usd": 2, "stop_loss_pct": 50, "trailing_stop_pct": 0},
                "market": {"tick_seconds": 1.0},
            }
        )
        feed = ScriptedFeed(token, [1.0, 1.0, 0.95] + [0.95] * 20)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=feed,
            clock=VirtualClock(before_midnight),
            version="test",
            duration_s=20,
        )
        await engine.run()
        states = (
            sqlite3.connect(tmp_path / "l.sqlite")
            .execute("SELECT state, actor, reason FROM trading_state ORDER BY id")
            .fetchall()
        )
        assert [(s, a) for s, a, _ in states[-2:]] == [("paused", "risk"), ("active", "risk")]
        assert states[-2][2].startswith("daily_loss_limit")
        assert engine.snapshot().trading_state is TradingState.ACTIVE
        ledger.close()
