"""The positions table, the equity charts and a position's detail: what the operator sees is
what the ledger holds, enter opens a position's detail, escape goes back, and `x` then `y`
closes the position through the engine as a manual exit (`n` changes nothing)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Label, Sparkline

from soltrader_tui import __version__
from soltrader_tui import format as fmt
from soltrader_tui.clock import VirtualClock, WallClock
from soltrader_tui.config.model import Config, RiskConfig
from soltrader_tui.domain import Fill
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.monitor.ledger_view import read_status, status_json
from soltrader_tui.monitor.watcher import LedgerWatcher
from soltrader_tui.tui.app import SolTraderApp, make_app
from soltrader_tui.tui.screens.confirm import ConfirmModal
from soltrader_tui.tui.screens.position_detail import PositionDetail
from soltrader_tui.tui.widgets.positions import STALE
from soltrader_tui.tui.widgets.price_chart import DOT, LINE, STROKE, Level, chart_lines
from soltrader_tui.tui.widgets.table import FittedTable
from tests.factories import make_fill, make_order
from tests.tui.harness import session
from tests.tui.snapshot_factory import MARKET_T0, make_position, make_snapshot

START = 1_767_225_600.0
ENTRY_REASON = "fast/slow trend 0.82 crossed 0.75"
SIZE = (130, 44)


def quiet_config() -> Config:
    """Exits only far away, with a trail, so the position stays open unless the operator acts."""
    return Config(
        risk=RiskConfig(
            stop_loss_pct=60.0, take_profit_pct=300.0, trailing_stop_pct=50.0, max_hold_minutes=0
        )
    )


def seed_position(ledger: Ledger, market: SimMarket, ts: float, symbol: str = "SOLX") -> Fill:
    """Commits a $50 buy of a simulated token as a strategy's entry would, with its reason."""
    token = market.token(sim_mint(symbol))
    assert token is not None
    quote = market.quote(token.mint, "buy", 50_000_000)
    assert quote is not None
    fill = make_fill(
        side="buy", qty=quote.out_amount, quote_amount=50_000_000, fee=126_000, token=token, ts=ts
    )
    order = make_order(token=token, client_order_id=fill.order_id, ts=ts, reason="momentum_entry")
    ledger.record_fill(replace(order, detail=ENTRY_REASON), fill, realized_micro=None)
    return fill


def plain(cells: list[Any]) -> list[str]:
    return [cell.plain if isinstance(cell, Text) else str(cell) for cell in cells]


async def wait_until(pilot: Pilot[int], app: SolTraderApp, done: Any, what: str) -> None:
    for _ in range(400):
        await pilot.pause(0.05)
        if done(app.dashboard.snapshot):
            await pilot.pause(0.2)  # the last repaint
            return
    raise AssertionError(f"never happened: {what}")


async def focus_positions(pilot: Pilot[int], app: SolTraderApp) -> None:
    """Moves the focus to the positions table with the keyboard alone."""
    for _ in range(12):
        focused = app.focused
        if focused is not None and focused.id == "positions-table":
            return
        await pilot.press("tab")
    raise AssertionError("tab never reached the positions table")


def ledger_rows(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


class TestPositionsTable:
    """One row per position: entry, mark, P&L, exit levels, age, and STALE on an old mark."""

    async def test_a_stale_mark_is_flagged(self) -> None:
        fresh, old = make_position("BONK"), make_position("WIF", stale=True)
        async with session(make_snapshot(positions=(fresh, old))) as s:
            feed = [row[4] for row in s.rows("#positions-table")]
            assert feed == ["", STALE]

    async def test_a_loss_shows_negative(self) -> None:
        down = make_position("BONK", mark_usd=0.00002431 * 0.9)
        async with session(make_snapshot(positions=(down,))) as s:
            row = s.rows("#positions-table")[0]
            assert row[6] == "-10.0%"
            assert row[5].startswith("-$")


class TestEquityChart:
    """The session's equity curve under the portfolio figures; "—" before the first point."""

    async def test_no_points_shows_a_dash(self) -> None:
        async with session(make_snapshot(equity_session=()), size=(120, 40)) as s:
            caption = s.label("#portfolio-equity-caption").plain
            assert caption == "session: —"
            assert not s.app.screen.query_one("#portfolio-equity", Sparkline).visible

    async def test_points_are_drawn_with_their_range(self) -> None:
        points = (500.0, 503.25, 498.5, 501.0)
        async with session(make_snapshot(equity_session=points), size=(120, 40)) as s:
            assert s.app.screen.query_one("#portfolio-equity", Sparkline).data == points
            assert s.label("#portfolio-equity-caption").plain == "session: $498.50 – $503.25"

    async def test_only_roomy_terminals_have_the_lines_for_it(self) -> None:
        points = (500.0, 501.0)
        async with session(make_snapshot(equity_session=points), size=(120, 39)) as s:
            assert not s.app.screen.query_one("#portfolio-equity", Sparkline).display
            assert "session:" not in s.text("#portfolio")
        async with session(make_snapshot(equity_session=points), size=(120, 40)) as s:
            assert s.app.screen.query_one("#portfolio-equity", Sparkline).display
            assert "session: $500.00 – $501.00" in s.text("#portfolio")

    async def test_wide_screens_show_the_ledgers_history(self) -> None:
        history = (480.0, 500.0, 512.5)
        snap = make_snapshot(equity_history=history)
        async with session(snap, size=(199, 40)) as s:
            assert not s.app.screen.query_one("#equity-history").display
        async with session(snap, size=(200, 40)) as s:
            assert s.app.screen.query_one("#equity-history").display
            assert s.app.screen.query_one("#history-chart", Sparkline).data == history
            assert "ledger: $480.00 – $512.50" in s.text("#equity-history")


class TestDetail:
    """enter on a row opens that position's detail; escape goes back; nothing is sent."""

    async def test_enter_opens_escape_closes(self) -> None:
        marks = tuple((MARKET_T0 - 60 + 5 * i, 2.8712 * (1 + i / 100)) for i in range(12))
        wif = make_position("WIF", whole=17.5, recent_marks=marks)
        async with session(make_snapshot(positions=(make_position("BONK"), wif))) as s:
            await focus_positions(s.pilot, s.app)
            await s.pilot.press("down", "enter")
            await s.pilot.pause()
            assert isinstance(s.app.screen, PositionDetail)
            assert s.app.screen.mint == wif.mint
            assert "POSITION WIF" in s.label("#detail-title").plain
            assert s.label("#detail-reason").plain == "Entry reason: fast/slow trend 0.81"
            fills = s.rows("#detail-fills")
            assert [row[2] for row in fills] == ["WIF"], "the position's own fill only"
            await s.pilot.press("escape")
            await s.pilot.pause()
            assert not isinstance(s.app.screen, PositionDetail)
            assert s.host.commands == []

    async def test_x_then_n_sends_nothing(self) -> None:
        async with session(make_snapshot(positions=(make_position("BONK"),))) as s:
            await focus_positions(s.pilot, s.app)
            await s.pilot.press("enter", "x")
            await s.pilot.pause()
            assert isinstance(s.app.screen, ConfirmModal)
            await s.pilot.press("n")
            await s.pilot.pause()
            assert isinstance(s.app.screen, PositionDetail), "back to the detail"
            assert s.host.commands == []


class TestPriceChart:
    """The detail's chart: a dot per slice of time, entry/stop/target as lines of their colour."""

    def test_levels_and_prices_land_on_their_rows(self) -> None:
        prices = [1.0, 1.1, 1.2, 1.3]
        lines = chart_lines(
            prices, (Level("stop", 0.8, "red"), Level("target", 1.5, "green")), 20, 8
        )
        text = [line.plain for line in lines]
        assert text[0].endswith(LINE * 4), "the target is the highest: the top row"
        assert text[-1].endswith(LINE * 4), "the stop is the lowest: the bottom row"
        assert sum(t.count(DOT) for t in text) == 4
        assert fmt.price(1.5) in text[0] and fmt.price(0.8) in text[-1]

    def test_a_jump_is_drawn_as_one_stroke(self) -> None:
        text = [line.plain for line in chart_lines([1.0, 2.0], (), 14, 5)]
        assert [t[-1] for t in text] == [DOT, STROKE, STROKE, STROKE, " "]

    def test_no_prices_says_so(self) -> None:
        assert chart_lines([], (), 40, 8)[0].plain == "no recent prices to draw"


class TestOnTheEngine:
    """On the real engine and ledger: the table, the chart and the detail say what the ledger
    holds, and a confirmed close is a manual exit committed to the ledger."""

    async def test_table_and_chart_equal_the_ledger(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = quiet_config()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        buy = seed_position(ledger, market, START - 60)
        engine = Engine(  # no strategy: only the risk exits may sell, and they are far away
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="t",
            duration_s=1800,
            strategies=[],
        )
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, app, lambda s: not s.running and s.market_ts, "the end")
            table = app.screen.query_one("#positions-table", FittedTable)
            first = table.ordered_rows[0].key.value
            assert first is not None
            row = plain(list(table.full_row(first).cells))
            chart = app.screen.query_one("#portfolio-equity", Sparkline).data
            await focus_positions(pilot, app)
            await pilot.press("enter")
            await pilot.pause(0.2)
            reason = app.screen.query_one("#detail-reason", Label).content
            await pilot.press("escape", "q")
        ledger.close()
        # The curve: every point the ledger committed, in USD, in order.
        points = ledger_rows(db, "SELECT equity_micro FROM equity ORDER BY ts_epoch")
        assert chart == tuple(m / 1e6 for (m,) in points) and len(points) > 10
        # The row: figures computed here from the ledger's rows alone, then as `status --json`.
        ((price,),) = ledger_rows(db, "SELECT price FROM marks WHERE mint = ?", buy.token.mint)
        cost = (buy.quote_amount + buy.fee) / 1e6
        pnl = buy.token.to_whole(buy.qty) * price - cost
        assert abs(pnl) > 0.005, "a P&L of zero would hide its sign"
        assert row[0] == buy.token.symbol
        assert row[2] == fmt.price(cost / buy.token.to_whole(buy.qty))
        assert row[3] == fmt.price(price)
        assert row[5] == fmt.signed_usd(pnl)
        assert row[6] == fmt.pct(pnl / cost, signed=True)
        status = status_json(read_status(db, risk=config.risk))
        (held,) = status["open_positions"]
        assert row[1] == fmt.quantity(held["qty"], buy.token.decimals)
        assert row[5] == fmt.signed_usd(held["unrealized_pnl_usd"])
        shown = read_status(db, risk=config.risk).snapshot.positions[0]
        assert row[7:10] == [
            fmt.price(x) for x in (shown.stop_usd, shown.target_usd, shown.trailing_usd)
        ]
        assert shown.trailing_usd is not None, "a trail of 50% has a level once marked"
        assert row[10] == fmt.age(START - 60, START + 1800)
        assert str(reason) == f"Entry reason: {ENTRY_REASON}"

    async def test_close_is_a_manual_exit_in_the_ledger(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = quiet_config()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        clock = WallClock()
        market = SimMarket(3, clock.now(), tick_seconds=config.market.tick_seconds)
        buy = seed_position(ledger, market, clock.now() - 60)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=clock,
            version="t",
            strategies=[],
        )
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, app, lambda s: s.market_ts is not None, "a first tick")
            await focus_positions(pilot, app)
            await pilot.press("enter", "x", "n")
            await pilot.pause(0.3)
            assert isinstance(app.screen, PositionDetail)
            assert len(app.dashboard.snapshot.positions) == 1, "n sold nothing"
            await pilot.press("x", "y")
            await wait_until(pilot, app, lambda s: not s.positions, "the position closed")
            screen_after = app.screen
            engine.command("close", "dashboard", buy.token.mint)  # a second close: nothing left
            again = f"CLOSE {buy.token.symbol} by dashboard: no open position in it"
            await wait_until(
                pilot, app, lambda s: any(x.message.startswith(again) for x in s.log), "a no"
            )
            log = [line.message for line in app.dashboard.snapshot.log]
            await pilot.press("q")
            await app.workers.wait_for_complete()
        ledger.close()
        assert not isinstance(screen_after, PositionDetail), "the detail closed on the answer"
        sells = ledger_rows(
            db, "SELECT reason, qty, mint FROM fills WHERE side = 'sell' ORDER BY id"
        )
        assert sells == [("manual", buy.qty, buy.token.mint)]
        orders = ledger_rows(db, "SELECT reason, status FROM orders WHERE side = 'sell'")
        assert orders == [("manual", "filled")]
        assert any(m.startswith("FILL SELL") and "manual" in m for m in log), log
        assert read_status(db).snapshot.positions == ()


class TestUnderWatch:
    """`watch` shows the same detail from the ledger, with the same close key; with no engine
    running there is nothing to sell with, so the close is refused with the reason, and nothing
    is sold (a close reaching a running engine: tests/tui/test_watch.py)."""

    async def test_close_with_no_engine_is_refused_with_the_reason(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = quiet_config()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        buy = seed_position(ledger, market, START - 60)
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="t",
            duration_s=300,
            strategies=[],
        )
        await engine.run()
        ledger.close()
        watcher = LedgerWatcher(db, poll_s=0.1, risk=config.risk)
        app = make_app(config, watcher, version=__version__)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, app, lambda s: s.market_ts is not None, "a first read")
            assert app.dashboard.snapshot.equity_session == engine.snapshot().equity_session
            await focus_positions(pilot, app)
            await pilot.press("enter")
            await pilot.pause(0.2)
            reason = app.screen.query_one("#detail-reason", Label).content
            keys = app.screen.query_one("#detail-keys", Label).content
            await pilot.press("x")
            await pilot.pause(0.2)
            confirming = isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await pilot.pause(0.5)
            still_held = app.dashboard.snapshot.positions
            await pilot.press("q")
        assert str(reason) == f"Entry reason: {ENTRY_REASON}"
        assert str(keys) == "x = close this position at market    esc = back"
        assert confirming
        assert [p.mint for p in still_held] == [buy.token.mint]
        with pytest.raises(LedgerError, match=f"no engine is running on {db}"):
            watcher._send("close", buy.token.mint)
        assert ledger_rows(db, "SELECT count(*) FROM fills WHERE side = 'sell'") == [(0,)]
        assert ledger_rows(db, "SELECT count(*) FROM control_requests") == [(0,)]


class TestEntriesKeepTheirReason:
    """Every entry the engine makes keeps what its strategy said, beside its order."""

    async def test_each_filled_buy_has_its_signal_reason(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        market = SimMarket(3, START, tick_seconds=Config().market.tick_seconds)
        engine = Engine(
            config=Config(),
            ledger=ledger,
            feed=SimFeed(market),
            clock=VirtualClock(START),
            version="t",
            duration_s=3 * 3600,
        )
        await engine.run()
        ledger.close()
        buys = ledger_rows(
            db, "SELECT strategy, detail FROM orders WHERE side = 'buy' AND status = 'filled'"
        )
        signals = [
            m for (m,) in ledger_rows(db, "SELECT message FROM events WHERE kind = 'signal'")
        ]
        assert buys, "the session must buy for this to mean anything"
        for strategy, detail in buys:
            assert detail, f"a {strategy} entry without its reason"
            assert any(m.startswith("SIGNAL BUY") and m.endswith(f": {detail}") for m in signals)
