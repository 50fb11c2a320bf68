"""Tests enabling and disabling a strategy at runtime: it goes through the same command path as
pause and resume (in-process, or a request through the ledger as `watch` sends it), is committed
to the ledger with its line before it is in force, and is kept across restarts until the config
changes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from soltrader_tui.config.model import Config
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger, requests
from soltrader_tui.ledger.rows import StrategyRow
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.strategies import make_strategies
from tests.factories import engine_on_sim

START = 1_767_225_600.0

OTHERS_OFF = {s.name: False for s in make_strategies(Config().strategies) if s.name != "momentum"}
"""Every strategy but momentum, as the default config has them: disabled."""


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def config(**strategies: Any) -> Config:
    return Config.model_validate({"strategies": strategies})


def build(ledger: Ledger, cfg: Config, hours: float | None = None) -> Engine:
    market = SimMarket(3, START, tick_seconds=cfg.market.tick_seconds)
    return engine_on_sim(ledger, market, START, hours=hours, config=cfg)


def enabled(engine: Engine) -> dict[str, bool]:
    return {v.name: v.enabled for v in engine.snapshot().strategies}


def strategy_lines(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [
            str(r[0])
            for r in conn.execute("SELECT message FROM events WHERE kind = 'strategy' ORDER BY id")
        ]
    finally:
        conn.close()


async def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def run_until(engine: Engine, condition: Callable[[], bool]) -> None:
    task = asyncio.create_task(engine.run())
    try:
        await wait_until(condition)
    finally:
        engine.request_stop()
        await task


async def session(db: Path, cfg: Config) -> dict[str, bool]:
    """A short session on the ledger with `cfg`; returns which strategies it ran enabled."""
    ledger = open_ledger(db)
    try:
        engine = build(ledger, cfg, hours=10 / 3600)
        await engine.run()
        return enabled(engine)
    finally:
        ledger.close()


class TestToggleInTheLedger:
    """A toggle is in the ledger (row and line) and the snapshot once the engine answers."""

    async def test_disable_from_the_dashboard(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine = build(ledger, Config())
        assert enabled(engine) == {**OTHERS_OFF, "momentum": True}
        engine.command("disable", "dashboard", "momentum")
        await run_until(engine, lambda: not enabled(engine)["momentum"])
        rows = {row.name: row for row in ledger.strategies()}
        assert rows["momentum"] == StrategyRow("momentum", False, True, 0.75)
        assert rows["ema_cross"] == StrategyRow("ema_cross", False, False, 0.5)
        assert set(rows) == set(OTHERS_OFF) | {"momentum"}
        ledger.close()
        assert strategy_lines(db) == [
            "STRATEGY momentum DISABLED by dashboard: it still scores but opens no position; "
            "open positions keep their risk exits"
        ]

    async def test_enable_through_a_ledger_request_as_watch_sends_it(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine = build(ledger, config(momentum={"enabled": False}))
        task = asyncio.create_task(engine.run())
        try:
            await wait_until(lambda: engine.snapshot().market_ts is not None)
            request = requests.submit(db, "enable", "watch (pid 7)", "momentum")
            await wait_until(lambda: requests.result(db, request) is not None)
        finally:
            engine.request_stop()
            await task
        ledger.close()
        assert enabled(engine)["momentum"] is True
        assert requests.result(db, request) == (
            "STRATEGY momentum ENABLED by watch (pid 7): it may open positions"
        )

    async def test_nothing_to_change_is_answered(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        ledger = open_ledger(db)
        engine = build(ledger, Config())
        task = asyncio.create_task(engine.run())
        try:
            await wait_until(lambda: engine.snapshot().market_ts is not None)
            already = requests.submit(db, "enable", "watch (pid 7)", "momentum")
            unknown = requests.submit(db, "disable", "watch (pid 7)", "grid")
            await wait_until(lambda: requests.result(db, unknown) is not None)
        finally:
            engine.request_stop()
            await task
        ledger.close()
        assert requests.result(db, already) == "momentum is already enabled"
        assert requests.result(db, unknown) == (
            "no strategy named 'grid' (this session runs "
            + ", ".join(s.name for s in make_strategies(Config().strategies))
            + ")"
        )
        assert enabled(engine) == {**OTHERS_OFF, "momentum": True}


class TestToggleSurvivesARestart:
    """The ledger's toggle is kept at the next start until the config changes; then the
    config wins, and the toggle is gone."""

    async def test_kept_until_the_config_changes(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        off = config(momentum={"enabled": False})
        ledger = open_ledger(db)
        engine = build(ledger, off)
        engine.command("enable", "dashboard", "momentum")
        await run_until(engine, lambda: enabled(engine)["momentum"])
        ledger.close()

        assert (await session(db, off))["momentum"] is True, "same config: the toggle is kept"
        assert (await session(db, Config()))["momentum"] is True, "config now says enabled"
        assert (await session(db, off))["momentum"] is False, "the toggle ended with the change"
        assert strategy_lines(db) == [
            "STRATEGY momentum ENABLED by dashboard: it may open positions",
            "strategy momentum stays ENABLED as toggled before, though the config says disabled "
            "(press s to change it)",
            "strategy momentum follows the config again (ENABLED): the config changed since it "
            "was toggled",
        ]

    async def test_a_toggle_stored_while_no_engine_ran_is_kept(self, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        await session(db, Config())
        assert requests.send_or_store(db, "enable", "watch (pid 7)", "", "ema_cross") is None
        ran = await session(db, Config())
        assert ran == {**OTHERS_OFF, "ema_cross": True, "momentum": True}
