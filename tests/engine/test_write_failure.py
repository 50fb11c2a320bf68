"""A ledger write the storage refuses halts the engine cleanly: no FILL line or closing total
that the ledger does not hold, every committed fill intact, the cache equal to the ledger."""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from soltrader_tui.config.model import Config
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.connect import BUSY_TIMEOUT_MS
from soltrader_tui.ledger.log import LOGGER
from soltrader_tui.ledger.reads import read_fills
from soltrader_tui.ledger.write_failure import LedgerWriteFailed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import engine_on_sim

START = 1_767_225_600.0
CASH = 500_000_000
WRITES = ("INSERT", "UPDATE", "COMMIT", "BEGIN")

Fault = Literal["sqlite", "oserror"]


class FillingDisk(sqlite3.Connection):
    """A real SQLite connection on a disk that fills while the `at_fill`-th fill is written:
    from then on every write fails as a full disk fails (`database or disk is full`, or
    ENOSPC from the OS), until `frees_after` failed writes (None: it stays full)."""

    at_fill = 3
    fault: Fault = "sqlite"
    frees_after: int | None = None
    fills_at = "INSERT INTO FILLS"
    """The statement whose `at_fill`-th run finds the disk full."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fills_seen = 0
        self.failures = 0
        self.full = False

    def _maybe_fail(self, sql: str) -> None:
        statement = sql.lstrip().upper()
        if statement.startswith(self.fills_at):
            self.fills_seen += 1
            if self.fills_seen == self.at_fill:
                self.full = True
        if not self.full or not statement.startswith(WRITES):
            return
        if self.frees_after is not None and self.failures >= self.frees_after:
            self.full = False
            return
        self.failures += 1
        if self.fault == "oserror":
            raise OSError(errno.ENOSPC, "No space left on device")
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite sets it
        raise error

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._maybe_fail(sql)
        return super().execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._maybe_fail(sql)
        return super().executemany(sql, *args)


@pytest.fixture
def printed() -> Iterator[list[str]]:
    """Every line the engine sends to its logs (the terminal and the log file)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    yield lines
    LOGGER.removeHandler(handler)


def ledger_on_filling_disk(
    path: Path, fault: Fault, frees_after: int | None, fills_at: str = "INSERT INTO FILLS"
) -> Ledger:
    Ledger.open(path, starting_cash_micro=CASH, mode="paper", version="test").close()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=FillingDisk)
    assert isinstance(conn, FillingDisk)
    conn.fault, conn.frees_after, conn.fills_at = fault, frees_after, fills_at
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    return Ledger(conn, path)


def market(config: Config) -> SimMarket:
    return SimMarket(
        3,
        START,
        tick_seconds=config.market.tick_seconds,
        rug_after_s=config.market.sim.rug_after_minutes * 60,
        listing_after_s=config.market.sim.listing_after_minutes * 60,
    )


def committed(path: Path) -> tuple[list[str], Portfolio]:
    """The FILL lines the ledger holds and the portfolio its fills replay to."""
    conn = sqlite3.connect(path)
    try:
        lines = [r[0] for r in conn.execute("SELECT message FROM events WHERE kind = 'fill'")]
        portfolio = Portfolio.replay(CASH, (f.fill for f in read_fills(conn)))
    finally:
        conn.close()
    return lines, portfolio


class TestDiskFillsMidRun:
    """The disk fills while a fill is being recorded: the engine stops with the disk's message,
    and nothing it printed claims a fill or a total the ledger lacks."""

    @pytest.mark.parametrize("fault", ["sqlite", "oserror"])
    def test_clean_halt(self, tmp_path: Path, printed: list[str], fault: Fault) -> None:
        path = tmp_path / "l.sqlite"
        ledger = ledger_on_filling_disk(path, fault, frees_after=None)
        config = Config()
        engine = engine_on_sim(ledger, market(config), START, hours=12, config=config)
        with pytest.raises(LedgerWriteFailed) as raised:
            asyncio.run(engine.run())
        ledger.close()
        assert raised.value.disk_full
        assert str(raised.value).startswith("the ledger's disk is full: ")
        assert f"free on {tmp_path}" in str(raised.value)
        assert "the engine continues where it stopped" in str(raised.value)
        conn = ledger._conn
        assert isinstance(conn, FillingDisk) and conn.fills_seen >= FillingDisk.at_fill

        in_ledger, replayed = committed(path)
        assert len(in_ledger) == FillingDisk.at_fill - 1, "every fill before the full disk"
        fill_lines = [line for line in printed if line.startswith("FILL ")]
        assert fill_lines == in_ledger, "no FILL line the ledger does not hold"
        assert not [line for line in printed if line.startswith("session stopped")], (
            "no closing totals: the flush that would have carried them failed"
        )
        assert not [line for line in printed if "engine failed" in line]
        assert engine.portfolio.state() == replayed.state(), "the cache is what committed"
        snapshot = engine.snapshot()
        assert snapshot.error == str(raised.value)

    def test_a_disk_freed_during_the_retries_records_the_fill(
        self, tmp_path: Path, printed: list[str]
    ) -> None:
        """The fill happened: it is tried again, and recorded once the disk has room."""
        path = tmp_path / "l.sqlite"
        ledger = ledger_on_filling_disk(path, "sqlite", frees_after=2)
        config = Config()
        engine = engine_on_sim(ledger, market(config), START, hours=6, config=config)
        asyncio.run(engine.run())
        ledger.close()
        conn = ledger._conn
        assert isinstance(conn, FillingDisk) and conn.failures == 2
        in_ledger, replayed = committed(path)
        assert len(in_ledger) >= FillingDisk.at_fill
        assert [line for line in printed if line.startswith("FILL ")] == in_ledger
        assert engine.portfolio.state() == replayed.state()
        [summary] = [line for line in printed if line.startswith("session stopped")]
        assert f"{replayed.round_trips} round trips" in summary


class TestDiskFullOnAStateChange:
    """A stop whose state change cannot be recorded is not shown as done."""

    def test_no_state_line_and_state_unchanged(self, tmp_path: Path, printed: list[str]) -> None:
        path = tmp_path / "l.sqlite"
        Ledger.open(path, starting_cash_micro=CASH, mode="paper", version="test").close()
        ledger = ledger_on_filling_disk(path, "sqlite", None, fills_at="INSERT INTO TRADING_STATE")
        disk = ledger._conn
        assert isinstance(disk, FillingDisk)
        disk.at_fill = 2  # the first is the new ledger's ACTIVE, the second the pause
        config = Config()
        engine = engine_on_sim(ledger, market(config), START, hours=2, config=config)
        before = engine.snapshot().trading_state
        engine.command("pause", "test")
        with pytest.raises(LedgerWriteFailed):
            asyncio.run(engine.run())
        ledger.close()
        conn = ledger._conn
        assert isinstance(conn, FillingDisk) and conn.failures >= 1
        assert not [line for line in printed if line.startswith("STATE ")]
        assert engine.snapshot().trading_state is before
        with sqlite3.connect(path) as check:
            states = [r[0] for r in check.execute("SELECT state FROM trading_state")]
        assert states == [before.value], "the ledger holds no pause, and nothing said there was"
