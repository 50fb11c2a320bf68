"""The dashboard driven by the real engine on a real ledger shows what `status` reads from it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from soltrader_tui import __version__
from soltrader_tui import format as fmt
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sim_chain import SimChain
from soltrader_tui.monitor.ledger_view import read_status, status_json
from soltrader_tui.solana.safety import ChainSafetySource
from soltrader_tui.tui.app import make_app
from soltrader_tui.tui.widgets.portfolio import PortfolioPanel
from tests.factories import engine_on_sim

START = 1_767_225_600.0


def build(db: Path, *, hours: float | None, seed: int = 3, speed_virtual: bool = True) -> Engine:
    config = Config()
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version=__version__)
    market = SimMarket(seed, START, tick_seconds=config.market.tick_seconds)
    return engine_on_sim(ledger, market, START, hours=hours, config=config, version=__version__)


class TestDashboardTellsTheLedgerTruth:
    """After a session, every figure on the dashboard equals `status --json` on the same file."""

    async def test_figures_equal_status(self, tmp_path: Path) -> None:
        db = tmp_path / "tui.sqlite"
        engine = build(db, hours=3)
        app = make_app(Config(), engine, version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(400):  # the engine starts after the first refresh; wait for its end
                await pilot.pause(0.05)
                shown = app.dashboard.snapshot
                if shown.market_ts is not None and not shown.running:
                    break
            assert shown.running is False and shown.market_ts is not None
            panel = app.screen.query_one(PortfolioPanel)
            screen = {k: panel.value(k).plain for k in ("equity", "realized", "win-rate", "fills")}
            positions = app.screen.query_one("#positions DataTable", DataTable)
            position_rows = positions.row_count
            header = app.screen.query_one("#status-bar").render()
            title = app.title
            await pilot.press("q")
        status = status_json(read_status(db))
        assert status["fills"] > 0, "the session must trade for this to mean anything"
        assert screen["equity"] == fmt.usd(status["equity_usd"])
        realized = fmt.signed_usd(status["realized_pnl_usd"])
        assert screen["realized"] == f"{realized} · fees today {fmt.usd(status['fees_today_usd'])}"
        assert status["fees_today_usd"] > 0  # the session traded today, and paid for it
        assert screen["win-rate"] == fmt.pct(status["win_rate"])
        assert screen["fills"] == fmt.count(status["fills"])
        assert position_rows == len(status["open_positions"])
        # A long reason (a breaker's) leaves the version to the title; the engine's status stays.
        assert __version__ in title and "PAPER" in str(header)
        assert "engine stopped" in str(header)

    async def test_quit_commits_and_stops_the_engine(self, tmp_path: Path) -> None:
        db = tmp_path / "quit.sqlite"
        engine = build(db, hours=None, seed=5)
        app = make_app(Config(), engine, version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.dashboard.snapshot.market_ts is not None:
                    break
            await pilot.press("q")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app.return_code == 0
        report = read_status(db)
        assert report.snapshot.running is False
        assert report.snapshot.fills == engine.portfolio.fill_count


class TestSafetyVerdicts:
    """Beside each token's score, the verdict of the same safety rules its entries meet."""

    async def test_unsafe_simulated_tokens_are_flagged(self, tmp_path: Path) -> None:
        config = Config()
        ledger = Ledger.open(
            tmp_path / "safety.sqlite", starting_cash_micro=500_000_000, mode="paper", version="t"
        )
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        safety = ChainSafetySource(SimChain(market))
        engine = engine_on_sim(ledger, market, START, hours=0.05, config=config, safety=safety)
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):
                await pilot.pause(0.05)
                if not app.dashboard.snapshot.running and app.dashboard.snapshot.market_ts:
                    break
            await pilot.pause(0.1)
            table = app.screen.query_one("#scores-table", DataTable)
            shown = {
                str(row[0]): str(row[2]) for row in map(table.get_row_at, range(table.row_count))
            }
            await pilot.press("q")
        assert shown == {
            "SOLX": "safe",
            "RVRT": "mint auth",
            "MEME": "freeze auth",
            "CALM": "safe",
        }, "NEWB lists later; the others carry the verdict of their mint's bytes"


class TestEmergencyStopKey:
    """ctrl+e then y halts and flattens, whatever widget has the focus."""

    async def test_ctrl_e_y_with_focus_in_a_table(self, tmp_path: Path) -> None:
        from soltrader_tui.domain import TradingState
        from soltrader_tui.market.sim import sim_mint
        from soltrader_tui.tui.screens.confirm import ConfirmModal
        from tests.factories import record_buy

        db = tmp_path / "stop.sqlite"
        seed_ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        token = SimMarket(3, START).token(sim_mint("SOLX"))
        assert token is not None
        record_buy(
            seed_ledger, token, ts=START - 60, qty=300_000_000, quote_amount=45_000_000, fee=100_000
        )
        seed_ledger.close()
        engine = build(db, hours=None)
        app = make_app(Config(), engine, version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.02)
                if app.dashboard.snapshot.market_ts is not None:
                    break
            app.screen.query_one("#fills DataTable", DataTable).focus()
            await pilot.press("ctrl+e")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            for _ in range(200):
                await pilot.pause(0.01)
                if app.dashboard.snapshot.trading_state is TradingState.HALTED:
                    break
            assert app.dashboard.snapshot.trading_state is TradingState.HALTED
            await pilot.press("q")
            await app.workers.wait_for_complete()
        report = read_status(db)
        assert report.snapshot.positions == ()
        assert report.snapshot.trading_state is TradingState.HALTED
        assert "dashboard" in report.snapshot.state_reason
