"""Tests the fast start: the engine starts from its saved replay plus newer fills, never trusts a
save that disagrees with the ledger, and catches and repairs a wrong one with a full replay."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.timeorder import MarketTimeWentBack
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.portfolio.portfolio import Portfolio
from soltrader_tui.portfolio.resume import restore, verify
from tests.engine.test_engine import START, open_ledger, sim_engine
from tests.factories import make_fill, make_order, make_token


def full_replay(ledger: Ledger) -> Portfolio:
    return Portfolio.replay(ledger.starting_cash_micro, (s.fill for s in ledger.fills()))


async def traded_ledger(path: Path, hours: float = 2.0) -> Ledger:
    """A ledger after a simulated session that traded; open."""
    ledger = open_ledger(path)
    engine = sim_engine(ledger, seed=4, hours=hours)
    await engine.run()
    assert engine.portfolio.fill_count > 0, "the session must trade for these tests to mean much"
    return ledger


def tamper(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql, args)
    conn.close()


class TestStartFromTheSavedReplay:
    """A restart reads the saved replay and only the fills after it, and gets the same figures."""

    async def test_a_session_saves_its_replay_and_a_start_uses_it(self, tmp_path: Path) -> None:
        ledger = await traded_ledger(tmp_path / "l.sqlite")
        stored = ledger.resume()
        assert stored is not None
        last_id = max(s.id for s in ledger.fills())
        assert stored.point.last_fill_id == last_id
        restored = restore(ledger)
        assert restored.saved is not None and restored.note is None
        assert restored.portfolio.state() == full_replay(ledger).state()
        assert restored.curve.saved() == restore(ledger, use_saved=False).curve.saved()
        ledger.close()

    async def test_fills_after_the_save_are_replayed(self, tmp_path: Path) -> None:
        ledger = await traded_ledger(tmp_path / "l.sqlite")
        token = make_token("LATE", 6)
        last = ledger.market_times().newest
        assert last is not None
        buy = make_fill(
            side="buy", qty=10**6, quote_amount=5_000_000, fee=0, token=token, ts=last + 1
        )
        late_id = ledger.record_fill(
            make_order(token=token, client_order_id="late-1", ts=buy.ts), buy, realized_micro=None
        )
        restored = restore(ledger)
        assert restored.saved is not None
        assert restored.last_fill_id == late_id
        assert token.mint in restored.portfolio.positions
        assert restored.portfolio.state() == full_replay(ledger).state()
        ledger.close()


class TestUntrustedSaves:
    """A save that does not decode or does not match the ledger's fills is not used."""

    async def test_a_save_covering_other_fills_is_not_used(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        (await traded_ledger(path)).close()
        tamper(path, "UPDATE resume_point SET last_fill_id = last_fill_id - 1")
        ledger = open_ledger(path)
        restored = restore(ledger)
        assert restored.saved is None
        assert restored.note is not None and "the ledger holds" in restored.note
        assert restored.portfolio.state() == full_replay(ledger).state()
        ledger.close()

    async def test_a_damaged_save_is_not_used_and_the_log_says_so(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        (await traded_ledger(path)).close()
        tamper(path, "UPDATE resume_point SET portfolio = '{broken'")
        ledger = open_ledger(path)
        engine = sim_engine(ledger, seed=4, hours=0.01)
        assert engine.portfolio.state() == full_replay(ledger).state()
        lines = [line.message for line in engine.snapshot().log]
        assert any("saved portfolio was not used" in m and "not JSON" in m for m in lines)
        ledger.close()


class TestBackgroundCheck:
    """The saved replay the engine started from is checked against a full replay."""

    async def test_a_good_save_agrees(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = await traded_ledger(path)
        saved = restore(ledger).saved
        assert saved is not None
        assert verify(path, saved, ledger.starting_cash_micro, threading.Event()) == ()
        cancelled = threading.Event()
        cancelled.set()
        assert verify(path, saved, ledger.starting_cash_micro, cancelled) is None
        ledger.close()

    async def test_a_wrong_save_is_caught_logged_and_repaired(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        (await traded_ledger(path)).close()
        row = sqlite3.connect(path).execute("SELECT portfolio FROM resume_point").fetchone()
        wrong = json.loads(row[0])
        wrong["cash_micro"] += 7_000_000  # $7 that no fill explains
        tamper(path, "UPDATE resume_point SET portfolio = ?", json.dumps(wrong))

        ledger = open_ledger(path)
        engine = sim_engine(ledger, seed=4, hours=24)
        engine.verify_after_wall_s = 0.0
        assert engine.portfolio.cash_micro == full_replay(ledger).cash_micro + 7_000_000
        run = asyncio.create_task(engine.run())
        for _ in range(400):  # bounded: 10 s at most
            await asyncio.sleep(0.025)
            if any("rebuilt from the fills" in line.message for line in engine.snapshot().log):
                break
        engine.request_stop()
        await run
        errors = [line for line in engine.snapshot().log if line.level == "error"]
        assert any("cash_micro" in line.message for line in errors)
        assert engine.portfolio.state() == full_replay(ledger).state()
        ledger.close()
        # The repaired replay was saved: the next start agrees with a full replay again.
        again = open_ledger(path)
        restored = restore(again)
        assert restored.saved is not None
        assert restored.portfolio.state() == full_replay(again).state()
        again.close()


class TestMarketTimeNeverGoesBack:
    """A session whose clock starts before the ledger's last market time writes nothing old."""

    async def test_an_engine_on_an_earlier_clock_is_refused_and_nothing_lands(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "l.sqlite"
        ledger = await traded_ledger(path, hours=1.0)
        before = ledger.market_times()
        fills_before = len(list(ledger.fills()))
        config = Config()
        earlier = START - 7200  # a clock started behind the last session's end, as before #19
        market = SimMarket(5, earlier, tick_seconds=config.market.tick_seconds)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(earlier),
            version="test",
            duration_s=1800,
        )
        with pytest.raises(MarketTimeWentBack) as refused:
            await engine.run()
        assert refused.value.table in ("fills", "equity", "events")
        assert refused.value.new_ts < refused.value.last_ts
        assert ledger.market_times() == before
        assert len(list(ledger.fills())) == fills_before
        ledger.close()
