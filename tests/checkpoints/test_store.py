"""Tests of checkpoints: taken safely, listed, rotated, restored, and damaged ledgers set aside."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui import __version__
from soltrader_tui.checkpoints.store import (
    MAX_SLUG,
    CheckpointError,
    CheckpointInfo,
    list_checkpoints,
    newest_restorable,
    quarantine,
    reason_slug,
    restore_checkpoint,
    rotate,
    take_checkpoint,
)
from soltrader_tui.config.model import Config
from soltrader_tui.domain import Fill, Token
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.rows import EventRow, Heartbeat, MarkRow
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.monitor.ledger_view import read_status, status_json
from tests.e2e.recompute import recompute
from tests.factories import BONK, WIF, engine_on_sim, make_fill, make_order

START = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC."""
CONFIG_TEXT = "# the config in use\nrisk:\n  order_usd: 25\n"


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def record(ledger: Ledger, fill: Fill) -> None:
    """Commits a fill with its order (without the realized P&L: checkpoints replay the fills)."""
    order = make_order(side=fill.side, token=fill.token, ts=fill.ts, client_order_id=fill.order_id)
    ledger.record_fill(order, fill, realized_micro=None)


def round_trip(ledger: Ledger, n: int, token: Token = BONK) -> None:
    """Commits a buy and the sell of the same quantity; every third trip loses."""
    sold = 11_000_000 if n % 3 else 9_000_000
    ts = START + 10 * n
    record(ledger, make_fill("buy", 1_000_000, 10_000_000, token=token, ts=ts, order_id=f"b{n}"))
    record(ledger, make_fill("sell", 1_000_000, sold, token=token, ts=ts + 5, order_id=f"s{n}"))


def small_ledger(path: Path, trips: int = 2) -> Path:
    """A closed ledger with some round trips, an open WIF position and a mark for it."""
    ledger = open_ledger(path)
    for n in range(trips):
        round_trip(ledger, n)
    record(ledger, make_fill("buy", 5_000_000, 20_000_000, 20_000, token=WIF, ts=START + 999))
    ledger.flush(marks=[MarkRow(WIF.mint, "WIF", WIF.decimals, 4.5, 1e6, START + 999)])
    ledger.close()
    return path


def fill_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM fills").fetchone()[0])


def damage(path: Path) -> None:
    """Overwrites every page after the first with garbage, keeping the SQLite header."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(b"\xa5" * max(4096, size - 4096))


def checkpoint(
    ledger: Path,
    folder: Path,
    now: float = START,
    *,
    reason: str = "manual",
    keep: int = 10,
    config_file: Path | None = None,
) -> CheckpointInfo:
    """Takes a checkpoint with the defaults most tests want."""
    return take_checkpoint(
        ledger, folder, config_file=config_file, reason=reason, keep=keep, now=now
    )


@pytest.fixture(scope="module")
def engine_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger written by the real engine: one market hour on the simulated market."""
    path = tmp_path_factory.mktemp("engine") / "soltrader.sqlite"
    ledger = open_ledger(path)
    config = Config()
    market = SimMarket(
        3,
        START,
        tick_seconds=config.market.tick_seconds,
        rug_after_s=config.market.sim.rug_after_minutes * 60,
        listing_after_s=config.market.sim.listing_after_minutes * 60,
    )
    asyncio.run(engine_on_sim(ledger, market, START, hours=1, config=config).run())
    ledger.close()
    return path


class TestTakeCheckpoint:
    """`checkpoint` leaves a folder with the ledger, the config and a CHECKPOINT.md to read."""

    def test_copy_reads_with_the_same_figures(self, engine_ledger: Path, tmp_path: Path) -> None:
        info = checkpoint(engine_ledger, tmp_path / "checkpoints")
        copy = info.path / "ledger.sqlite"
        original = status_json(read_status(engine_ledger, now_wall=START))
        copied = status_json(read_status(copy, now_wall=START))
        assert original["fills"] > 0, "the engine must trade for this test to mean anything"
        assert {**copied, "ledger": ""} == {**original, "ledger": ""}
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    def test_config_in_use_is_copied(self, tmp_path: Path) -> None:
        config = tmp_path / "config.yaml"
        config.write_text(CONFIG_TEXT, encoding="utf-8")
        ledger = small_ledger(tmp_path / "l.sqlite")
        info = checkpoint(ledger, tmp_path / "checkpoints", config_file=config)
        assert (info.path / "config.yaml").read_text(encoding="utf-8") == CONFIG_TEXT
        assert f"`{config}` (copied as config.yaml)" in (info.path / "CHECKPOINT.md").read_text(
            encoding="utf-8"
        )

    def test_defaults_in_use_are_named(self, tmp_path: Path) -> None:
        info = checkpoint(small_ledger(tmp_path / "l.sqlite"), tmp_path / "checkpoints")
        assert not (info.path / "config.yaml").exists()
        text = (info.path / "CHECKPOINT.md").read_text(encoding="utf-8")
        assert "| Config in use | none: built-in defaults |" in text
        assert sorted(p.name for p in info.path.iterdir()) == [
            "CHECKPOINT.md",
            "checkpoint.json",
            "ledger.sqlite",
        ]

    def test_checkpoint_md_states_the_figures(self, engine_ledger: Path, tmp_path: Path) -> None:
        info = checkpoint(engine_ledger, tmp_path / "c", reason="before schema migration")
        text = (info.path / "CHECKPOINT.md").read_text(encoding="utf-8")
        s = read_status(engine_ledger, now_wall=START).snapshot
        assert f"| soltrader-tui version | {__version__} |" in text
        assert "| Taken | 2026-01-01 00:00:00 UTC |" in text
        assert "| Reason | before schema migration |" in text
        assert "| Mode | PAPER |" in text
        assert f"| Trading state | {s.trading_state.value.upper()} ({s.state_reason}) |" in text
        assert s.equity_usd is not None
        assert f"| Equity | ${s.equity_usd:,.2f} |" in text
        assert f"| Cash | ${s.cash_usd:,.2f} |" in text
        assert f"| Round trips | {s.round_trips} |" in text
        assert f"| Fills | {s.fills} |" in text
        assert "| Health | engine not running; last heartbeat " in text
        assert f"soltrader-tui restore {info.name}" in text
        for position in s.positions:
            assert f"| {position.symbol} | " in text

    def test_positions_and_pnl_rows(self, tmp_path: Path) -> None:
        info = checkpoint(small_ledger(tmp_path / "l.sqlite", trips=3), tmp_path / "c")
        text = (info.path / "CHECKPOINT.md").read_text(encoding="utf-8")
        # Trips -$1.05, +$0.95, +$0.95 ($0.025 fee each way); 5 WIF cost $20.02, worth $22.50.
        assert "| Realized P&L | +$0.85 |" in text
        assert "| Unrealized P&L | +$2.48 |" in text
        assert "| Win rate | 66.7% (2 W / 1 L) |" in text
        # Quantity and prices as the dashboard and `status` write them (the one formatter).
        assert "| WIF | 5.00 | $4.004 | $4.500 | +$2.48 |" in text

    def test_last_ten_warnings_and_errors(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        events = [
            EventRow(START + i, "warning" if i % 2 else "error", "risk", f"problem {i}")
            for i in range(12)
        ]
        ledger.flush(events=[*events, EventRow(START + 20, "info", "engine", "all fine")])
        ledger.close()
        info = checkpoint(tmp_path / "l.sqlite", tmp_path / "c")
        text = (info.path / "CHECKPOINT.md").read_text(encoding="utf-8")
        listed = [i for i in range(12) if f"| problem {i} |" in text]
        assert listed == list(range(2, 12))
        assert "all fine" not in text
        assert "| 2026-01-01 00:00:11 UTC | warning | risk | problem 11 |" in text

    def test_health_says_an_engine_holds_the_ledger(self, tmp_path: Path) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite")
        lock = EngineLock(ledger)
        lock.acquire("test engine")
        try:
            info = checkpoint(ledger, tmp_path / "c")
        finally:
            lock.release()
        assert "| Health | engine running;" in (info.path / "CHECKPOINT.md").read_text("utf-8")

    def test_checkpoint_json_for_programs(self, tmp_path: Path) -> None:
        info = checkpoint(small_ledger(tmp_path / "l.sqlite"), tmp_path / "c", now=START + 0.25)
        data = json.loads((info.path / "checkpoint.json").read_text(encoding="utf-8"))
        s = read_status(tmp_path / "l.sqlite").snapshot
        assert data["version"] == __version__
        assert data["ts"] == START + 0.25
        assert data["fills"] == s.fills == 5
        assert data["equity_usd"] == pytest.approx(s.equity_usd)
        assert data["trading_state"] == "active"
        assert (info.fills, info.trading_state, info.version) == (5, "active", __version__)


class TestNames:
    """Checkpoint folders sort by time and say why they were taken."""

    def test_name_is_time_and_reason(self, tmp_path: Path) -> None:
        info = checkpoint(
            small_ledger(tmp_path / "l.sqlite"), tmp_path / "c", reason="Before schema migration!"
        )
        assert info.name == "20260101-000000Z-before-schema-migration"
        assert info.reason == "Before schema migration!"

    def test_same_second_twice_gives_two_checkpoints(self, tmp_path: Path) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite")
        first = checkpoint(ledger, tmp_path / "c")
        second = checkpoint(ledger, tmp_path / "c")
        assert (first.name, second.name) == ("20260101-000000Z-manual", "20260101-000000Z-manual-2")
        assert [i.name for i in list_checkpoints(tmp_path / "c")] == [second.name, first.name]

    @given(st.text(max_size=200))
    def test_any_reason_makes_a_safe_folder_name(self, reason: str) -> None:
        slug = reason_slug(reason)
        assert 0 < len(slug) <= MAX_SLUG
        assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
        assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug


class TestRefusals:
    """A checkpoint of a ledger that is missing or damaged fails by name and leaves nothing."""

    def test_missing_ledger(self, tmp_path: Path) -> None:
        with pytest.raises(CheckpointError, match=r"no ledger at .*nothing to checkpoint"):
            checkpoint(tmp_path / "missing.sqlite", tmp_path / "c")

    @pytest.mark.parametrize("kind", ["damaged", "not sqlite"])
    def test_bad_ledger_leaves_no_folder(self, tmp_path: Path, kind: str) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite", trips=30)
        if kind == "damaged":
            damage(ledger)
        else:
            ledger.write_text("name,qty\nBONK,5\n", encoding="utf-8")
        with pytest.raises(CheckpointError) as caught:
            checkpoint(ledger, tmp_path / "c")
        assert str(ledger) in str(caught.value)
        assert list((tmp_path / "c").iterdir()) == []


class TestBackupDuringWrites:
    """A checkpoint taken while fills pour in restores to a consistent ledger."""

    def test_checkpoints_under_heavy_writes_are_consistent(self, tmp_path: Path) -> None:
        path = tmp_path / "live.sqlite"
        ledger = open_ledger(path)
        written = [0]
        stop = threading.Event()

        def writer() -> None:
            n = 0
            while not stop.is_set():
                round_trip(ledger, n, token=BONK if n % 2 else WIF)
                n += 1
                written[0] = 2 * n

        thread = threading.Thread(target=writer)
        thread.start()
        taken, during = [], 0
        try:
            for k in range(3):
                while written[0] < 200 * (k + 1):
                    time.sleep(0.005)
                before = written[0]
                taken.append(checkpoint(path, tmp_path / "c", now=START + k, reason="during"))
                during += written[0] - before
            mark = written[0]
            while written[0] < mark + 50:
                time.sleep(0.005)
        finally:
            stop.set()
            thread.join()
            ledger.close()
        counts = [
            self._check_restored(info, tmp_path / f"restored-{info.name}.sqlite") for info in taken
        ]
        assert during > 0, "the writer must keep committing while checkpoints are taken"
        assert counts == sorted(counts) and counts[0] >= 200
        assert counts[-1] < fill_count(path)

    @staticmethod
    def _check_restored(info: CheckpointInfo, target: Path) -> int:
        restore_checkpoint(info.name, info.path.parent, target)
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
            ids = [r[0] for r in conn.execute("SELECT id FROM fills ORDER BY id")]
            unmatched = conn.execute(
                "SELECT count(*) FROM fills WHERE order_id NOT IN (SELECT client_order_id"
                " FROM orders)"
            ).fetchone()[0]
            orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        assert ids == list(range(1, len(ids) + 1)), "fills must be contiguous"
        assert (unmatched, orders) == (0, len(ids)), "a fill and its order commit together"
        assert info.fills == len(ids)
        reopened = open_ledger(target)
        reopened.close()
        snapshot = read_status(target).snapshot
        independent = recompute(target)
        assert round(snapshot.cash_usd * 1e6) == independent.cash_micro
        assert snapshot.round_trips == independent.round_trips
        return len(ids)


class TestRotation:
    """Only the newest `storage.keep_checkpoints` checkpoints stay; nothing else is deleted."""

    @pytest.mark.parametrize("keep", [1, 3, 10])
    def test_keeps_exactly_keep(self, tmp_path: Path, keep: int) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite", trips=1)
        names = [
            checkpoint(ledger, tmp_path / "c", now=START + 60 * i, keep=keep).name
            for i in range(keep + 3)
        ]
        assert [i.name for i in list_checkpoints(tmp_path / "c")] == names[::-1][:keep]
        assert sorted(p.name for p in (tmp_path / "c").iterdir()) == sorted(names[-keep:])

    def test_never_deletes_the_one_just_written(self, tmp_path: Path) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite", trips=1)
        newest = checkpoint(ledger, tmp_path / "c", now=START + 120, keep=2)
        checkpoint(ledger, tmp_path / "c", now=START + 60, keep=2)
        older = checkpoint(ledger, tmp_path / "c", now=START, keep=2)  # the clock went back
        assert [i.name for i in list_checkpoints(tmp_path / "c")] == [newest.name, older.name]

    def test_leaves_other_folders_and_removes_stale_staging(self, tmp_path: Path) -> None:
        folder = tmp_path / "c"
        ledger = small_ledger(tmp_path / "l.sqlite", trips=1)
        checkpoint(ledger, folder, now=START)
        strays = [folder / "my notes", folder / "20250101-000000Z-no-summary"]
        for stray in strays:
            stray.mkdir()
            (stray / "ledger.sqlite").write_bytes(b"")
        stale, fresh = folder / ".incomplete-a", folder / ".incomplete-b"
        stale.mkdir()
        fresh.mkdir()
        os.utime(stale, (time.time() - 7200, time.time() - 7200))
        removed = rotate(folder, 1, protect=None)
        assert removed == []
        assert all(s.is_dir() for s in strays) and fresh.is_dir() and not stale.exists()

    def test_rotate_without_protection(self, tmp_path: Path) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite", trips=1)
        names = [checkpoint(ledger, tmp_path / "c", now=START + i).name for i in range(4)]
        assert rotate(tmp_path / "c", 2) == names[1::-1]
        assert [i.name for i in list_checkpoints(tmp_path / "c")] == names[:1:-1]


class TestListing:
    """`checkpoints` lists complete checkpoints only, newest first, with their figures."""

    def test_incomplete_and_stray_folders_are_ignored(self, tmp_path: Path) -> None:
        folder = tmp_path / "c"
        ledger = small_ledger(tmp_path / "l.sqlite")
        good = checkpoint(ledger, folder, now=START + 60)
        older = checkpoint(ledger, folder, now=START)
        shutil.copytree(good.path, folder / f".incomplete-{good.name}-x")
        no_summary = shutil.copytree(good.path, folder / "20270101-000000Z-no-summary")
        (no_summary / "checkpoint.json").unlink()
        bad_json = shutil.copytree(good.path, folder / "20270101-000000Z-bad-json")
        (bad_json / "checkpoint.json").write_text("{truncated", encoding="utf-8")
        no_ledger = shutil.copytree(good.path, folder / "20270101-000000Z-no-ledger")
        (no_ledger / "ledger.sqlite").unlink()
        shutil.copytree(good.path, folder / "Copy of checkpoint")
        (folder / "20270101-000000Z-a-file").write_text("x", encoding="utf-8")
        assert [i.name for i in list_checkpoints(folder)] == [good.name, older.name]

    def test_figures_and_size(self, tmp_path: Path) -> None:
        info = checkpoint(small_ledger(tmp_path / "l.sqlite"), tmp_path / "c")
        [listed] = list_checkpoints(tmp_path / "c")
        assert listed == info
        assert info.size_bytes == sum(p.stat().st_size for p in info.path.iterdir())
        assert info.mode == "paper" and info.ts == START and info.equity_usd is not None

    def test_missing_folder_has_none(self, tmp_path: Path) -> None:
        assert list_checkpoints(tmp_path / "nowhere") == []
        assert newest_restorable(tmp_path / "nowhere") is None


class TestRestore:
    """`restore NAME` puts a checkpoint back and keeps the ledger it replaces."""

    def _setup(self, tmp_path: Path) -> tuple[Path, CheckpointInfo]:
        (tmp_path / "data").mkdir()
        ledger_path = small_ledger(tmp_path / "data" / "soltrader.sqlite")
        info = checkpoint(ledger_path, tmp_path / "c")
        ledger = open_ledger(ledger_path)
        round_trip(ledger, 100)
        ledger.close()
        return ledger_path, info

    def test_restores_and_keeps_the_current_ledger(self, tmp_path: Path) -> None:
        ledger_path, info = self._setup(tmp_path)
        result = restore_checkpoint(info.name, tmp_path / "c", ledger_path, now=START + 3600)
        assert result.previous == ledger_path.with_name(
            "soltrader.sqlite.before-restore-20260101-010000Z"
        )
        assert fill_count(result.previous) == 7
        ledger = open_ledger(ledger_path)
        assert sum(1 for _ in ledger.fills()) == 5
        ledger.close()
        assert result.ledger == ledger_path and result.checkpoint == info
        assert not ledger_path.with_name("soltrader.sqlite.restoring").exists()

    def test_a_killed_engines_heartbeat_does_not_block(self, tmp_path: Path) -> None:
        # kill -9 leaves running=1 and a fresh heartbeat behind; the lock died with the process.
        ledger_path, info = self._setup(tmp_path)
        ledger = open_ledger(ledger_path)
        ledger.flush(heartbeat=Heartbeat(time.time(), None, 1, "test", "paper", True))
        ledger.close()
        restore_checkpoint(info.name, tmp_path / "c", ledger_path)
        assert fill_count(ledger_path) == 5

    def test_refused_while_an_engine_holds_the_lock(self, tmp_path: Path) -> None:
        ledger_path, info = self._setup(tmp_path)
        lock = EngineLock(ledger_path)
        lock.acquire("soltrader-tui run")
        try:
            with pytest.raises(CheckpointError, match="another engine is running"):
                restore_checkpoint(info.name, tmp_path / "c", ledger_path)
        finally:
            lock.release()
        assert fill_count(ledger_path) == 7

    @pytest.mark.parametrize("name", ["20990101-000000Z-nothing", "../data", ""])
    def test_unknown_name_is_refused(self, tmp_path: Path, name: str) -> None:
        ledger_path, _ = self._setup(tmp_path)
        with pytest.raises(CheckpointError, match="no checkpoint named") as caught:
            restore_checkpoint(name, tmp_path / "c", ledger_path)
        assert str(tmp_path / "c") in str(caught.value)
        assert fill_count(ledger_path) == 7

    @pytest.mark.parametrize("harm", ["overwritten", "truncated", "replaced"])
    def test_damaged_copy_is_refused(self, tmp_path: Path, harm: str) -> None:
        ledger_path = small_ledger(tmp_path / "l.sqlite", trips=30)
        info = checkpoint(ledger_path, tmp_path / "c")
        copy = info.path / "ledger.sqlite"
        if harm == "overwritten":
            damage(copy)
        elif harm == "truncated":
            with copy.open("r+b") as f:
                f.truncate(copy.stat().st_size // 3)
        else:
            copy.write_bytes(b"not a database at all")
        with pytest.raises(CheckpointError, match="cannot be restored") as caught:
            restore_checkpoint(info.name, tmp_path / "c", ledger_path)
        assert str(copy) in str(caught.value)
        assert fill_count(ledger_path) == 61

    def test_restore_onto_a_quarantined_ledger(self, tmp_path: Path) -> None:
        ledger_path, info = self._setup(tmp_path)
        quarantine(ledger_path, now=START)
        orphan = ledger_path.with_name("soltrader.sqlite-wal")
        orphan.write_bytes(b"a stray write-ahead log")
        result = restore_checkpoint(info.name, tmp_path / "c", ledger_path, now=START)
        assert result.previous is None
        assert result.moved == (
            ledger_path.with_name("soltrader.sqlite.before-restore-20260101-000000Z-wal"),
        )
        assert not orphan.exists()
        assert fill_count(ledger_path) == 5


class TestQuarantine:
    """A damaged ledger is moved aside with its -wal/-shm; the newest good checkpoint is named."""

    def test_moves_the_ledger_and_its_side_files(self, tmp_path: Path) -> None:
        ledger = tmp_path / "soltrader.sqlite"
        for suffix in ("", "-wal", "-shm"):
            ledger.with_name(ledger.name + suffix).write_bytes(suffix.encode() or b"main")
        moved = quarantine(ledger, now=START)
        assert moved == tmp_path / "soltrader.sqlite.damaged-20260101-000000Z"
        assert moved.read_bytes() == b"main"
        assert moved.with_name(moved.name + "-wal").read_bytes() == b"-wal"
        assert moved.with_name(moved.name + "-shm").read_bytes() == b"-shm"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            moved.name + s for s in ("", "-wal", "-shm")
        )

    def test_twice_in_one_second_keeps_both(self, tmp_path: Path) -> None:
        ledger = tmp_path / "soltrader.sqlite"
        ledger.write_bytes(b"first")
        first = quarantine(ledger, now=START)
        ledger.write_bytes(b"second")
        second = quarantine(ledger, now=START)
        assert second.name == first.name + "-2"
        assert (first.read_bytes(), second.read_bytes()) == (b"first", b"second")

    def test_missing_ledger(self, tmp_path: Path) -> None:
        with pytest.raises(CheckpointError, match="no ledger at"):
            quarantine(tmp_path / "soltrader.sqlite")

    def test_newest_restorable_skips_a_damaged_copy(self, tmp_path: Path) -> None:
        ledger = small_ledger(tmp_path / "l.sqlite", trips=30)
        older = checkpoint(ledger, tmp_path / "c", now=START)
        newer = checkpoint(ledger, tmp_path / "c", now=START + 60)
        assert newest_restorable(tmp_path / "c") == newer
        damage(newer.path / "ledger.sqlite")
        assert newest_restorable(tmp_path / "c") == older
        damage(older.path / "ledger.sqlite")
        assert newest_restorable(tmp_path / "c") is None
