"""Tests of the ledger file: contract, transactions, refusal of files it must not touch."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from soltrader_tui.domain import Fill, TradingState
from soltrader_tui.ledger import Ledger, LedgerDamaged, LedgerError, open_reader
from soltrader_tui.ledger.connect import IntegrityCheck
from soltrader_tui.ledger.rows import EventRow, MarkRow, from_iso, iso
from soltrader_tui.ledger.schema import SCHEMA_VERSION, migrate
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import fill_sequences, make_fill, make_order

CONTRACT_COLUMNS = {
    "id": "INTEGER",
    "ts": "TEXT",
    "order_id": "TEXT",
    "mint": "TEXT",
    "symbol": "TEXT",
    "decimals": "INTEGER",
    "side": "TEXT",
    "qty": "INTEGER",
    "price": "REAL",
    "quote_amount": "INTEGER",
    "fee": "INTEGER",
    "strategy": "TEXT",
    "mode": "TEXT",
}


def open_ledger(path: Path, cash: int = 500_000_000) -> Ledger:
    return Ledger.open(path, starting_cash_micro=cash, mode="paper", version="test")


def order_for(fill: Fill):  # type: ignore[no-untyped-def]
    return make_order(
        side=fill.side,
        in_amount=fill.quote_amount if fill.side == "buy" else fill.qty,
        token=fill.token,
        ts=fill.ts,
        client_order_id=fill.order_id,
        strategy=fill.strategy,
    )


class TestContract:
    """Users and scripts query the ledger; its shape is a contract."""

    def test_new_ledger_is_wal_versioned_with_contract_columns(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        ledger.close()
        conn = sqlite3.connect(tmp_path / "l.sqlite")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        cols = {r[1]: r[2] for r in conn.execute("PRAGMA table_info(fills)")}
        assert {k: cols[k] for k in CONTRACT_COLUMNS} == CONTRACT_COLUMNS
        pk = [r[1] for r in conn.execute("PRAGMA table_info(fills)") if r[5]]
        assert pk == ["id"]

    def test_fill_round_trips_through_the_file(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        fill = make_fill(side="buy", qty=123_456, quote_amount=50_000_000, fee=130_000)
        ledger.record_fill(
            order_for(fill),
            fill,
            [EventRow(fill.ts, "info", "fill", "bought")],
            realized_micro=None,
        )
        assert [s.fill for s in ledger.fills()] == [fill]
        row = (
            sqlite3.connect(tmp_path / "l.sqlite")
            .execute("SELECT ts, side, qty, quote_amount, fee, mode FROM fills")
            .fetchone()
        )
        assert row == (iso(fill.ts), "buy", 123_456, 50_000_000, 130_000, "paper")
        assert from_iso(row[0]) == pytest.approx(fill.ts, abs=1e-3)

    def test_starting_cash_is_kept_from_creation(self, tmp_path: Path) -> None:
        open_ledger(tmp_path / "l.sqlite", cash=100_000_000).close()
        again = open_ledger(tmp_path / "l.sqlite", cash=999_000_000)
        assert again.starting_cash_micro == 100_000_000


class TestTransactions:
    """A fill and what it changes commit together or not at all, and only once."""

    def test_duplicate_fill_is_refused_and_nothing_half_written(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        fill = make_fill()
        ledger.record_fill(order_for(fill), fill, realized_micro=None)
        with pytest.raises(sqlite3.IntegrityError):
            ledger.record_fill(
                replace(order_for(fill), client_order_id="other"),
                fill,
                [EventRow(fill.ts, "info", "fill", "should not be written")],
                realized_micro=None,
            )
        conn = sqlite3.connect(tmp_path / "l.sqlite")
        assert conn.execute("SELECT count(*) FROM fills").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0

    def test_a_new_ledger_appears_whole_to_a_reader(self, tmp_path: Path) -> None:
        # CI once caught `status` between the schema's commit and the meta rows' commit.
        path = tmp_path / "l.sqlite"
        seen: list[str] = []

        def seed(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', '1')")
            with pytest.raises(LedgerError) as refused:
                read_status(path)
            seen.append(str(refused.value))

        conn = sqlite3.connect(path, isolation_level=None)
        migrate(conn, path, seed=seed)
        conn.close()
        assert seen == [f"{path} is empty: no session has written to it yet"]
        assert read_status(path).snapshot.equity_usd == pytest.approx(1e-6)

    def test_a_failed_creation_leaves_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        conn = sqlite3.connect(path, isolation_level=None)

        def seed(conn: sqlite3.Connection) -> None:
            raise OSError("disk full")

        with pytest.raises(OSError):
            migrate(conn, path, seed=seed)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        conn.close()

    def test_meta_lost_to_an_old_crash_is_filled_in_at_the_next_open(self, tmp_path: Path) -> None:
        # Before creation and meta shared a transaction, a crash between them left no meta.
        path = tmp_path / "l.sqlite"
        open_ledger(path, cash=100_000_000).close()
        conn = sqlite3.connect(path)
        conn.execute("DELETE FROM meta")
        conn.commit()
        conn.close()
        assert open_ledger(path, cash=200_000_000).starting_cash_micro == 200_000_000
        assert read_status(path).snapshot.starting_cash_usd == 200

    def test_a_meta_table_without_starting_cash_is_named(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        open_ledger(path).close()
        conn = sqlite3.connect(path)
        conn.execute("DELETE FROM meta WHERE key = 'starting_cash_micro'")
        conn.commit()
        conn.close()
        with pytest.raises(LedgerError, match="meta table has no starting_cash_micro"):
            read_status(path)

    def test_state_and_bookkeeping_persist(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        ledger.set_trading_state(TradingState.PAUSED, "operator", "test", 1_700_000_000.0)
        fill = make_fill()
        mark = MarkRow(fill.token.mint, fill.token.symbol, fill.token.decimals, 2.5, 1e6, fill.ts)
        ledger.flush(marks=[mark], events=[EventRow(fill.ts, "info", "engine", "hello")])
        ledger.close()
        again = open_ledger(tmp_path / "l.sqlite")
        state = again.trading_state()
        assert state is not None and (state.state, state.reason) == ("paused", "operator")
        assert again.marks()[fill.token.mint].price_usd == 2.5

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(fills=fill_sequences(max_fills=25))
    def test_replay_of_the_file_equals_the_live_portfolio(
        self, tmp_path_factory: pytest.TempPathFactory, fills: list[Fill]
    ) -> None:
        path = tmp_path_factory.mktemp("replay") / "l.sqlite"
        ledger = open_ledger(path)
        live = Portfolio(ledger.starting_cash_micro)
        for fill in fills:
            effect = live.apply(fill)
            ledger.record_fill(order_for(fill), fill, realized_micro=effect.realized_micro)
        replayed = Portfolio.replay(ledger.starting_cash_micro, (s.fill for s in ledger.fills()))
        assert replayed.state() == live.state()
        report = read_status(path)
        assert report.snapshot.fills == len(fills)
        assert report.snapshot.cash_usd == pytest.approx(live.cash_micro / 1e6)
        ledger.close()


class TestRefusals:
    """Files that are not ledgers, or are newer, get a clear message and stay untouched."""

    def test_not_sqlite(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.txt"
        path.write_text("my trading notes\n" * 100)
        before = path.read_bytes()
        with pytest.raises(LedgerError, match="not an SQLite database"):
            open_ledger(path)
        assert path.read_bytes() == before

    def test_foreign_sqlite(self, tmp_path: Path) -> None:
        path = tmp_path / "other.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.commit()
        conn.close()
        before = path.read_bytes()
        with pytest.raises(LedgerError, match="not a soltrader-tui ledger"):
            open_ledger(path)
        assert path.read_bytes() == before

    def test_newer_schema(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        open_ledger(path).close()
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.close()
        with pytest.raises(LedgerError, match="newer soltrader-tui"):
            open_ledger(path)
        with pytest.raises(LedgerError, match="newer soltrader-tui"):
            open_reader(path)

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(LedgerError, match="does not exist"):
            open_ledger(tmp_path / "nope" / "l.sqlite")

    def test_damaged_file(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 8000)
        with pytest.raises(LedgerError, match=str(path.name)):
            open_ledger(path)


class TestDamage:
    """A ledger damaged on disk is detected before anything trades on it."""

    def damaged(self, tmp_path: Path) -> Path:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        for n in range(400):
            fill = make_fill(order_id=f"o-{n}", ts=1_700_000_000.0 + n)
            ledger.record_fill(order_for(fill), fill, realized_micro=None)
        ledger.close()
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        data = bytearray(path.read_bytes())
        assert len(data) > 40_000
        middle = len(data) // 2
        data[middle : middle + 3000] = b"\x5a" * 3000
        path.write_bytes(bytes(data))
        return path

    def test_overwritten_pages_fail_the_integrity_check(self, tmp_path: Path) -> None:
        path = self.damaged(tmp_path)
        with pytest.raises(LedgerDamaged, match=path.name):
            open_ledger(path)

    def test_the_check_run_beside_the_start_fails_it_too(self, tmp_path: Path) -> None:
        path = self.damaged(tmp_path)
        checking = IntegrityCheck(path)
        with pytest.raises(LedgerDamaged, match=path.name):
            Ledger.open(
                path, starting_cash_micro=1, mode="paper", version="test", checking=checking
            )
        # Its connection is closed once the open gave up, so the file can be moved aside.
        assert not any(t.name == "ledger-check" for t in threading.enumerate())
        path.rename(path.with_name("aside.sqlite"))

    def test_a_good_ledger_passes_the_check_run_beside(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        open_ledger(path).close()
        for existing in (path, tmp_path / "new.sqlite"):
            ledger = Ledger.open(
                existing,
                starting_cash_micro=1,
                mode="paper",
                version="test",
                checking=IntegrityCheck(existing),
            )
            assert ledger.trading_state() is None
            ledger.close()
