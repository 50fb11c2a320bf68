"""Tests the move to schema 9: orders keep their rows and ids and may now end `expired` or
`failed`; an unknown status is still refused; the new `swaps` table starts empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.schema import MIGRATIONS, SCHEMA_VERSION

START = 500_000_000
T0 = 1_700_000_000.0
MINT = "So1Xmint1111111111111111111111111111111111"

V8_ORDERS = [
    (2, "ord-0000001-aaaaaa", "buy", 20_000_000, "filled", "entry"),
    (7, "ord-0000002-aaaaaa", "sell", 1_234, "rejected", "no quote"),
]
"""(id, client order id, side, in_amount, status, detail): ids with gaps."""


def v8_ledger(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:8]:
        migration(conn)
    conn.execute("PRAGMA user_version = 8")
    conn.execute("INSERT INTO meta VALUES ('starting_cash_micro', ?), ('mode', 'paper')", (START,))
    for order_id, cid, side, amount, status, detail in V8_ORDERS:
        conn.execute(
            "INSERT INTO orders (id, client_order_id, ts, mint, symbol, side, in_amount, "
            "strategy, reason, status, detail, mode) VALUES (?, ?, ?, ?, 'X', ?, ?, 'm', 'r', "
            "?, ?, 'paper')",
            (order_id, cid, iso(T0 + order_id), MINT, side, amount, status, detail),
        )
    conn.close()


def read(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_orders_keep_rows_and_ids_and_may_now_expire(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    v8_ledger(path)
    before = read(path, "SELECT * FROM orders ORDER BY id")
    Ledger.open(path, starting_cash_micro=START, mode="paper", version="t").close()
    assert read(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert read(path, "SELECT * FROM orders ORDER BY id") == before
    assert read(path, "SELECT count(*) FROM swaps") == [(0,)]
    conn = sqlite3.connect(path)
    try:
        for n, status in enumerate(("expired", "failed")):
            conn.execute(
                "INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy,"
                " reason, status, mode) VALUES (?, ?, ?, 'X', 'buy', 1, 'm', 'r', ?, 'live')",
                (f"live-{n}", iso(T0 + 100 + n), MINT, status),
            )
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy,"
                " reason, status, mode) "
                "VALUES ('x', ?, ?, 'X', 'buy', 1, 'm', 'r', 'lost', 'live')",
                (iso(T0 + 200), MINT),
            )
    finally:
        conn.close()
