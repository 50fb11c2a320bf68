"""`checkpoint`, `checkpoints`, `restore` and a damaged ledger at start, as whole processes."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import pytest

from tests.commands.test_stop import status, wait_for_engine
from tests.conftest import Cli

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
        [aside] = moved_aside(db)
        assert str(aside) in start.stderr
        # Which words depend on where the bytes landed: a damaged schema is "damaged", a
        # damaged table page "failed its integrity check"; both move the file aside.
        assert "is damaged" in start.stderr or "failed its integrity check" in start.stderr
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
        [aside] = moved_aside(db)
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
        # Accelerated: the ledger's market time ran ahead of the wall clock, and a wall-clock
        # session would be refused for writing the past (issue 19); this one continues from it.
        engine = cli.start("run", "--headless", "--seed", "3", "--speed", "60", "--db", db)
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


DAMAGE_KINDS = (
    "random bytes",
    "zeroed by a sync tool",
    "text",
    "header overwritten",
    "SQLite header, no ledger version",
    "another program's SQLite database",
)


def configured_place(tmp_path: Path) -> tuple[Path, Path]:
    """A config that keeps the data in a folder of its own; returns it and its ledger path."""
    data = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  data_dir: {data.as_posix()}\n")
    return config.resolve(), (data / "soltrader.sqlite").resolve()


def status_of(cli: Cli, config: Path) -> dict[str, object]:
    proc = cli.run("status", "--json", "--config", config)
    assert proc.returncode == 0, proc.stderr
    report: dict[str, object] = json.loads(proc.stdout)
    return report


def damaged_bytes(kind: str, ledger: bytes, scratch: Path) -> bytes:
    """What the ledger file holds after one kind of damage that leaves it unrecognisable."""
    if kind == "random bytes":
        return random.Random(6).randbytes(len(ledger))
    if kind == "zeroed by a sync tool":
        return bytes(len(ledger))
    if kind == "text":
        return b"<<<<<<< conflicted copy\n" * 300
    if kind == "header overwritten":
        return b"\x00\x17" * 50 + ledger[100:]
    if kind == "SQLite header, no ledger version":
        return b"SQLite format 3\x00" + b"\xff" * 4000
    conn = sqlite3.connect(scratch)
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('ann', '555')")
    conn.commit()
    conn.close()
    return scratch.read_bytes()


def moved_aside(ledger: Path) -> list[Path]:
    """The main files moved aside as damaged (their -wal/-shm companions left out)."""
    found = ledger.parent.glob(f"{ledger.name}.damaged-*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm")))


class TestNotALedgerAtTheConfiguredPlace:
    """A file that no longer reads as a ledger where the config keeps ours is our ledger,
    damaged: moved aside, bytes intact, with the restore command; `--db` files stay put."""

    @pytest.mark.parametrize("kind", DAMAGE_KINDS)
    def test_moved_aside_then_restored(self, cli: Cli, tmp_path: Path, kind: str) -> None:
        config, db = configured_place(tmp_path)
        made = cli.run(*SESSION, "--config", config)
        assert made.returncode == 0, made.stderr[-2000:]
        at_checkpoint = status_of(cli, config)
        assert at_checkpoint["fills"], "the session must trade for the restore to mean anything"
        taken = cli.run("checkpoint", "--config", config)
        assert taken.returncode == 0, taken.stderr
        name = re.search(r"^checkpoint (\S+):", taken.stdout, re.MULTILINE)
        assert name, taken.stdout
        sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        content = damaged_bytes(kind, db.read_bytes(), tmp_path / "other-program.db")
        db.write_bytes(content)

        start = cli.run(*SESSION, "--config", config)
        assert start.returncode == 2
        assert "Traceback" not in start.stderr
        [aside] = moved_aside(db)
        assert f"{db} is damaged" in start.stderr and str(aside) in start.stderr
        assert aside.read_bytes() == content, "the damaged file is kept as it was"
        assert not db.exists()
        assert f"soltrader-tui restore {name[1]} --config {config}" in start.stderr

        restored = cli.run("restore", name[1], "--config", config)
        assert restored.returncode == 0, restored.stderr
        assert without_clock(status_of(cli, config)) == without_clock(at_checkpoint)
        again = cli.run(*SESSION, "--config", config)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "session started" in again.stderr
        assert status_of(cli, config)["fills"] >= at_checkpoint["fills"]  # type: ignore[operator]
        assert moved_aside(db) == [aside], "the engine started on the restored ledger"

    def test_read_only_commands_say_damaged_and_touch_nothing(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        config, db = configured_place(tmp_path)
        db.parent.mkdir()
        content = b"\x00" * 8192
        db.write_bytes(content)
        for command in ("status", "checkpoint"):
            proc = cli.run(command, "--config", config)
            assert proc.returncode == 2, proc.stderr
            assert f"{db} is damaged" in proc.stderr and "next start moves it aside" in proc.stderr
            assert "--db" not in proc.stderr, "no advice to pass another file"
        assert db.read_bytes() == content
        assert moved_aside(db) == []

    @pytest.mark.parametrize("kind", ["text", "another program's SQLite database"])
    def test_db_flag_file_left_untouched(self, cli: Cli, tmp_path: Path, kind: str) -> None:
        db = tmp_path / "someone-elses.db"
        content = damaged_bytes(kind, b"", tmp_path / "scratch.db")
        db.write_bytes(content)
        for args in (SESSION, ("status",), ("checkpoint",)):
            proc = cli.run(*args, "--db", db)
            assert proc.returncode == 2, proc.stderr
            assert "not a soltrader-tui ledger" in proc.stderr and "is damaged" not in proc.stderr
            assert "Traceback" not in proc.stderr
        assert db.read_bytes() == content
        beside = {p.name.removeprefix(db.name) for p in tmp_path.glob(f"{db.name}*")}
        assert beside <= {"", ".lock"}, "no -wal, -shm or aside copy"

    def test_empty_file_becomes_a_new_ledger(self, cli: Cli, tmp_path: Path) -> None:
        config, db = configured_place(tmp_path)
        db.parent.mkdir()
        db.write_bytes(b"")
        proc = cli.run(*SESSION, "--config", config)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert status_of(cli, config)["fills"]
        assert moved_aside(db) == []
