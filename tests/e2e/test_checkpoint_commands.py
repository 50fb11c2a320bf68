"""`checkpoint`, `checkpoints`, `restore` and a damaged ledger at start, as whole processes."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.conftest import Cli
from tests.e2e.test_stop import status, wait_for_engine

SESSION = ("run", "--headless", "--speed", "max", "--duration", "30m")


def make_ledger(cli: Cli, db: Path) -> None:
    """A ledger written by a real session that traded."""
    proc = cli.run(*SESSION, "--db", db)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert status(cli, db)["fills"], "the session must trade for the checks to mean anything"


def take_checkpoint(cli: Cli, db: Path) -> tuple[str, Path]:
    proc = cli.run("checkpoint", "--db", db)
    assert proc.returncode == 0, proc.stderr
    name = re.search(r"^checkpoint (\S+):", proc.stdout, re.MULTILINE)
    folder = re.search(r"^folder: (.+)$", proc.stdout, re.MULTILINE)
    assert name and folder, proc.stdout
    return name[1], Path(folder[1])


def overwrite_middle(db: Path) -> bytes:
    """Damages the ledger as a disk fault would: bytes overwritten mid-file. Returns them."""
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = bytearray(db.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = b"\x5a" * 3000
    db.write_bytes(bytes(data))
    return bytes(data)


def without_clock(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "heartbeat_age_s"}


class TestCheckpointRestoreRoundTrip:
    """A checkpoint taken by hand is listed, survives a damaged ledger and brings it back."""

    def test_checkpoint_damage_quarantine_restore(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "l.sqlite"
        make_ledger(cli, db)
        at_checkpoint = status(cli, db)
        name, folder = take_checkpoint(cli, db)
        assert folder.name == name
        assert {"ledger.sqlite", "CHECKPOINT.md", "checkpoint.json"} <= {
            p.name for p in folder.iterdir()
        }

        listing = cli.run("checkpoints", "--db", db)
        assert listing.returncode == 0, listing.stderr
        [row] = [line for line in listing.stdout.splitlines() if name in line]
        assert "manual" in row and "ACTIVE" in row
        assert f"${at_checkpoint['equity_usd']:,.2f}" in row

        damaged = overwrite_middle(db)
        start = cli.run(*SESSION, "--db", db)
        assert start.returncode == 2
        assert "Traceback" not in start.stderr
        [aside] = tmp_path.glob("l.sqlite.damaged-*")
        assert str(aside) in start.stderr and "is damaged" in start.stderr
        assert aside.read_bytes() == damaged, "the damaged file is kept as it was"
        assert not db.exists()
        assert f"soltrader-tui restore {name} --db {db}" in start.stderr

        restored = cli.run("restore", name, "--db", db)
        assert restored.returncode == 0, restored.stderr
        assert "next start uses the restored ledger" in restored.stdout
        assert without_clock(status(cli, db)) == without_clock(at_checkpoint)

        again = cli.run(*SESSION, "--db", db)
        assert again.returncode == 0, again.stderr[-2000:]
        assert status(cli, db)["fills"] >= at_checkpoint["fills"]  # type: ignore[operator]

    def test_truncated_ledger_without_checkpoints(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "t.sqlite"
        make_ledger(cli, db)
        sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
        start = cli.run(*SESSION, "--db", db)
        assert start.returncode == 2
        [aside] = tmp_path.glob("t.sqlite.damaged-*")
        assert str(aside) in start.stderr
        assert "no checkpoint to restore" in start.stderr
        fresh = cli.run(*SESSION, "--db", db)
        assert fresh.returncode == 0, fresh.stderr[-2000:]
        assert aside.exists(), "a fresh start leaves the damaged file where it was put"


class TestRefusals:
    """Checkpoint commands that cannot do what was asked say why, exit 2 and change nothing."""

    def test_restore_refused_while_an_engine_runs(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "busy.sqlite"
        make_ledger(cli, db)
        engine = cli.start("run", "--headless", "--seed", "3", "--db", db)
        try:
            wait_for_engine(cli, db)
            name, _ = take_checkpoint(cli, db)  # safe while the engine writes
            proc = cli.run("restore", name, "--db", db)
            assert proc.returncode == 2
            assert "engine is running" in proc.stderr and "Traceback" not in proc.stderr
            assert list(tmp_path.glob("busy.sqlite.before-restore-*")) == []
            assert status(cli, db)["engine_running"] is True
        finally:
            engine.terminate()
            engine.wait(timeout=30)

    def test_missing_ledger_and_unknown_name(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "none.sqlite"
        proc = cli.run("checkpoint", "--db", db)
        assert proc.returncode == 2 and f"no ledger at {db}" in proc.stderr
        listing = cli.run("checkpoints", "--db", db)
        assert listing.returncode == 0 and "no checkpoints in" in listing.stdout
        proc = cli.run("restore", "20260101-000000Z-manual", "--db", db)
        assert proc.returncode == 2 and "no checkpoint named" in proc.stderr
        assert not db.exists()
