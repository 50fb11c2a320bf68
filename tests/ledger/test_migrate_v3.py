"""Tests the move to schema 3: an older ledger's sells get the P&L they realized, so the
recent-fills panel shows it without a replay, and the new tables exist."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from soltrader_tui.domain import Fill
from soltrader_tui.ledger import Ledger, LedgerError
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import fill_sequences, make_fill

START = 500_000_000


def v2_ledger(path: Path, fills: list[Fill]) -> None:
    """Writes a schema-2 ledger holding `fills`, as version 2 of soltrader-tui did."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:2]:
        migration(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    conn.executemany(
        "INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount,"
        " fee, strategy, mode, ts_epoch, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                iso(f.ts),
                f.order_id,
                f.token.mint,
                f.token.symbol,
                f.token.decimals,
                f.side,
                f.qty,
                f.price_usd,
                f.quote_amount,
                f.fee,
                f.strategy,
                f.mode,
                f.ts,
                "old",
            )
            for f in fills
        ],
    )
    conn.close()


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=START, mode="paper", version="test")


class TestBackfill:
    """Each old sell's realized P&L is what a replay of the fills says."""

    @settings(
        max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(fills=fill_sequences(max_fills=30))
    def test_realized_matches_a_replay(
        self, tmp_path_factory: pytest.TempPathFactory, fills: list[Fill]
    ) -> None:
        path = tmp_path_factory.mktemp("v2") / "l.sqlite"
        v2_ledger(path, fills)
        ledger = open_ledger(path)
        portfolio = Portfolio(START)
        expected = [portfolio.apply(f).realized_micro for f in fills]
        assert [s.realized_micro for s in ledger.fills()] == expected
        assert ledger.resume() is None
        ledger.close()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.close()

    def test_fills_that_do_not_add_up_are_named(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        v2_ledger(path, [make_fill(side="sell", order_id="orphan-sell")])
        with pytest.raises(LedgerError, match="orphan-sell"):
            open_ledger(path)
        # Nothing was half-migrated: the file is still schema 2, its fill untouched.
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM fills").fetchone()[0] == 1
        conn.close()
