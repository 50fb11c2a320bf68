"""The `s` key: a list of the strategies with their state; enter or space enables or disables
the one under the cursor through the engine's command path, escape closes without a change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, OptionList

from soltrader_tui import __version__
from soltrader_tui.clock import WallClock
from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market.feed import SimFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.tui.app import make_app
from soltrader_tui.tui.screens.strategy_picker import StrategyPicker
from tests.tui.harness import session
from tests.tui.snapshot_factory import make_snapshot, make_strategy

TWO = (
    make_strategy("ema_cross", enabled=False, score=0.48, entry_threshold=0.5),
    make_strategy("momentum", score=0.71, entry_threshold=0.75),
)


class TestPicker:
    """The list shows each strategy's state; the keys alone pick, flip and close."""

    async def test_lists_every_strategy_with_its_state(self) -> None:
        async with session(make_snapshot(strategies=TWO)) as s:
            await s.pilot.press("s")
            await s.pilot.pause()
            assert isinstance(s.app.screen, StrategyPicker)
            options = s.app.screen.query_one(OptionList)
            lines = [str(options.get_option_at_index(i).prompt) for i in range(2)]
            assert lines == [
                "○ disabled  ema_cross       best score 0.48, entry at 0.5",
                "● enabled   momentum        best score 0.71, entry at 0.75",
            ]

    async def test_enter_enables_a_disabled_one(self) -> None:
        async with session(make_snapshot(strategies=TWO)) as s:
            await s.pilot.press("s", "enter")
            await s.pilot.pause()
            assert s.host.commands == [("enable", "dashboard", "ema_cross")]
            assert not isinstance(s.app.screen, StrategyPicker)

    async def test_space_disables_an_enabled_one(self) -> None:
        async with session(make_snapshot(strategies=TWO)) as s:
            await s.pilot.press("s", "down", "space")
            await s.pilot.pause()
            assert s.host.commands == [("disable", "dashboard", "momentum")]

    async def test_escape_closes_without_a_change(self) -> None:
        async with session(make_snapshot(strategies=TWO)) as s:
            await s.pilot.press("s", "down", "escape")
            await s.pilot.pause()
            assert s.host.commands == []
            assert not isinstance(s.app.screen, StrategyPicker)


class TestOnTheEngine:
    """Picked on the dashboard, the engine disables the strategy, the ledger records it, and
    the summary shows it."""

    async def test_disable_momentum(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        config = Config()
        ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="t")
        clock = WallClock()
        market = SimMarket(3, clock.now(), tick_seconds=config.market.tick_seconds)
        engine = Engine(
            config=config, ledger=ledger, feed=SimFeed(market), clock=clock, version="t"
        )
        app = make_app(config, engine, version=__version__)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.dashboard.snapshot.market_ts is not None:
                    break
            names = [v.name for v in app.dashboard.snapshot.strategies]
            downs = ["down"] * names.index("momentum")  # the picker lists them in this order
            await pilot.press("s", *downs, "enter")
            for _ in range(100):
                await pilot.pause(0.05)
                shown = {v.name: v.enabled for v in app.dashboard.snapshot.strategies}
                if not shown["momentum"]:
                    break
            await pilot.pause(0.1)
            table: DataTable[object] = app.screen.query_one("#strategies-table", DataTable)
            enabled_cells = {
                str(row.key.value): Text(str(table.get_row(row.key)[1])).plain
                for row in table.ordered_rows
            }
            await pilot.press("q")
            await app.workers.wait_for_complete()
        ledger.close()
        assert shown == dict.fromkeys(names, False), "momentum off; the others were off already"
        assert enabled_cells == dict.fromkeys(names, "no")
        conn = sqlite3.connect(db)
        try:
            assert conn.execute(
                "SELECT enabled, config_enabled FROM strategies WHERE name = ?", ("momentum",)
            ).fetchone() == (0, 1)
            lines = [
                r[0] for r in conn.execute("SELECT message FROM events WHERE kind = 'strategy'")
            ]
        finally:
            conn.close()
        assert lines == [
            "STRATEGY momentum DISABLED by dashboard: it still scores but opens no position; "
            "open positions keep their risk exits"
        ]
