"""A backtest's ledger is written in one transaction: all of it, or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.bookkeeping_writes import Flush
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.rows import EquityPoint, StrategyRow
from soltrader_tui.ledger.store import BacktestRows
from tests.factories import make_fill, make_order

T0 = 1_700_000_000.0


def rows(equity: list[EquityPoint]) -> BacktestRows:
    order = make_order(ts=T0)
    fill = make_fill(ts=T0, order_id=order.client_order_id, mode="backtest")
    return BacktestRows(
        fills=[(order, fill, None)],
        rejections=[],
        states=[],
        events=[],
        strategies=[StrategyRow("momentum", True, True, 0.75)],
        bookkeeping=Flush(equity=equity),
        session=(T0, "backtest: no API calls are made"),
    )


def counts(db: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("fills", "equity", "strategies")
        )
    finally:
        conn.close()


def test_whole_backtest_committed_together(tmp_path: Path) -> None:
    db = tmp_path / "bt.sqlite"
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="backtest", version="t")
    ledger.record_backtest(rows([EquityPoint(T0, 500_000_000, 450_000_000)]))
    ledger.close()
    assert counts(db) == (1, 1, 1)


def test_a_failure_late_in_the_write_leaves_no_fill(tmp_path: Path) -> None:
    # The equity curve is checked last; a point stamped before the one before it refuses the
    # write, and the fills written before it in the same call must go with it.
    db = tmp_path / "bt.sqlite"
    ledger = Ledger.open(db, starting_cash_micro=500_000_000, mode="backtest", version="t")
    backwards = [EquityPoint(T0 + 60, 1, 1), EquityPoint(T0, 1, 1)]
    with pytest.raises(LedgerError):
        ledger.record_backtest(rows(backwards))
    ledger.close()
    assert counts(db) == (0, 0, 0)
