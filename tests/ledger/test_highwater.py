"""The high-water mark beside a ledger: never ahead of what committed, refusing a ledger that
fell behind it, and reset by a new ledger or a restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from soltrader_tui.checkpoints.store import restore_checkpoint, take_checkpoint
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.highwater import LedgerBehind, read_mark, sidecar_path
from tests.factories import BONK, make_fill, make_order, record_buy

START = 1_767_225_600.0


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def fill_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM fills").fetchone()[0])


class TestHighWaterMark:
    """What the user sees: a rolled-back ledger is refused with the count of lost fills."""

    def test_mark_follows_each_commit(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        assert ledger.keep_high_water(accept_loss=False, ts=START) == 0
        for i in range(3):
            record_buy(ledger, BONK, ts=START + i)
            mark = read_mark(path)
            assert mark is not None and mark.fills == i + 1 == fill_count(path)
            assert mark.orders == i + 1
        ledger.close()

    def test_never_ahead_of_a_failed_commit(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        ledger.keep_high_water(accept_loss=False, ts=START)
        fill = record_buy(ledger, BONK, ts=START)
        before = sidecar_path(path).read_text()
        with pytest.raises(sqlite3.IntegrityError):  # the same order id again: nothing commits
            ledger.record_fill(
                make_order(client_order_id=fill.order_id), make_fill(ts=START), realized_micro=None
            )
        assert sidecar_path(path).read_text() == before
        ledger.close()

    def test_behind_is_refused_then_accepted_once(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        ledger.keep_high_water(accept_loss=False, ts=START)
        for i in range(5):
            record_buy(ledger, BONK, ts=START + i)
        ledger.close()
        with sqlite3.connect(path) as conn:  # what a lost -wal does: the newest fills gone
            conn.execute("DELETE FROM fills WHERE id > 2")
        again = open_ledger(path)
        with pytest.raises(LedgerBehind, match="3 committed fills are missing") as refused:
            again.keep_high_water(accept_loss=False, ts=START + 10)
        assert refused.value.missing == 3
        assert again.keep_high_water(accept_loss=True, ts=START + 10) == 3
        [(message,)] = again._conn.execute(
            "SELECT message FROM events WHERE kind = 'lost_fills_accepted'"
        ).fetchall()
        assert message.startswith("LOST FILLS ACCEPTED: 3 committed fills")
        again.close()
        third = open_ledger(path)
        assert third.keep_high_water(accept_loss=False, ts=START + 20) == 0
        third.close()

    def test_a_new_ledger_at_the_same_path_starts_a_new_mark(self, tmp_path: Path) -> None:
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        ledger.keep_high_water(accept_loss=False, ts=START)
        record_buy(ledger, BONK, ts=START)
        ledger.close()
        path.unlink()
        fresh = open_ledger(path)
        assert fresh.keep_high_water(accept_loss=False, ts=START) == 0
        fresh.close()

    def test_a_restored_checkpoint_is_not_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The operator chose the older ledger: restoring it resets the mark."""
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
        path = tmp_path / "l.sqlite"
        ledger = open_ledger(path)
        ledger.keep_high_water(accept_loss=False, ts=START)
        record_buy(ledger, BONK, ts=START)
        info = take_checkpoint(
            path, tmp_path / "checkpoints", config_file=None, reason="manual", keep=5, now=START
        )
        for i in range(3):
            record_buy(ledger, BONK, ts=START + 1 + i)
        ledger.close()
        restore_checkpoint(info.name, tmp_path / "checkpoints", path, now=START + 100)
        assert fill_count(path) == 1
        restored = open_ledger(path)
        assert restored.keep_high_water(accept_loss=False, ts=START + 200) == 0
        restored.close()
