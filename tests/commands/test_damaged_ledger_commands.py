"""Every command that reads a ledger answers every kind of damage the same way: exit 2, one
message naming the file and what is wrong, no traceback, the file left as it was."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

SESSION = ("run", "--headless", "--speed", "max", "--duration", "30m")
PAGE = 4096

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("status", "--json"),
    ("health",),
    ("health", "--json"),
    ("watch",),
    ("serve", "--port", "0"),
    ("checkpoint",),
    ("stop",),
    ("resume",),
    ("slippage",),
    ("slippage", "--json"),
)
"""Each command that opens the ledger (`watch` refuses before its dashboard starts)."""

DAMAGE = {
    "page-damaged": "is damaged",
    "pages-damaged-late": "is damaged",
    "truncated": "is damaged",
    "not sqlite": "is not an SQLite database",
    "zero bytes": "is empty",
    "foreign sqlite db": "not a soltrader-tui ledger",
    "newer schema": "newer soltrader-tui",
}
"""Each kind of damage, and what its message says."""


@pytest.fixture(scope="module")
def good_ledger(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a ledger a real session wrote (with fills), checkpointed into one file."""
    cli = Cli(tmp_path_factory.mktemp("good"))
    db = cli.cwd / "good.sqlite"
    made = cli.run(*SESSION, "--db", db)
    assert made.returncode == 0, made.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM fills").fetchone()[0] > 0
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.read_bytes()


def damaged(kind: str, good: bytes, path: Path) -> None:
    """Writes `path` as the good ledger after one kind of damage."""
    data = bytearray(good)
    if kind == "page-damaged":
        data[PAGE : 2 * PAGE] = b"\xa5" * PAGE  # the page after the header: every read meets it
    elif kind == "pages-damaged-late":
        # Pages a status read need not touch: only an integrity check finds them.
        data[len(data) - 2 * PAGE :] = b"\xa5" * (2 * PAGE)
    elif kind == "truncated":
        del data[len(data) // 3 :]
    elif kind == "not sqlite":
        data = bytearray(b"<<<<<<< conflicted copy\n" * 300)
    elif kind == "zero bytes":
        data = bytearray()
    elif kind == "foreign sqlite db":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.commit()
        conn.close()
        return
    elif kind == "newer schema":
        path.write_bytes(bytes(data))
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
        return
    path.write_bytes(bytes(data))


class TestEveryCommandOverEveryDamage:
    """A user pointing any read command at a damaged ledger gets the documented message."""

    @pytest.mark.parametrize("kind", list(DAMAGE))
    def test_exit_2_with_the_message(
        self, cli: Cli, tmp_path: Path, good_ledger: bytes, kind: str
    ) -> None:
        db = tmp_path / "ledger.sqlite"
        damaged(kind, good_ledger, db)
        before = db.read_bytes()
        for command in COMMANDS:
            try:
                proc = cli.run(*command, "--db", db, timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{' '.join(command)} on a {kind} ledger did not refuse it")
            said = f"{' '.join(command)} on a {kind} ledger: {proc.stderr[-1500:]}"
            assert proc.returncode == 2, said
            assert "Traceback" not in proc.stderr, said
            assert proc.stderr.startswith(f"soltrader-tui: {db}") or (
                "soltrader-tui: cannot checkpoint" in proc.stderr and str(db) in proc.stderr
            ), said
            assert DAMAGE[kind] in proc.stderr, said
            assert len(proc.stderr.strip().splitlines()) == 1, said
        assert db.read_bytes() == before, "no command wrote into the damaged file"
        assert not list(tmp_path.glob("ledger.sqlite.damaged-*")), "only a start moves it aside"

    def test_checkpoints_still_lists_beside_a_damaged_ledger(
        self, cli: Cli, tmp_path: Path, good_ledger: bytes
    ) -> None:
        """`checkpoints` reads the checkpoint folder, not the ledger: it is how the user finds
        what to restore, so it keeps working."""
        db = tmp_path / "ledger.sqlite"
        damaged("page-damaged", good_ledger, db)
        proc = cli.run("checkpoints", "--db", db)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr


def test_damage_kinds_are_real_damage(tmp_path: Path, good_ledger: bytes) -> None:
    """Each page damage is caught by SQLite's own check (else the test above proves little)."""
    for kind in ("page-damaged", "pages-damaged-late"):
        db = tmp_path / f"{kind}.sqlite"
        damaged(kind, good_ledger, db)
        shutil.copy(db, tmp_path / "probe.sqlite")
        conn = sqlite3.connect(tmp_path / "probe.sqlite")
        try:
            result = [r[0] for r in conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError:
            result = ["malformed"]
        conn.close()
        assert result != ["ok"], kind
    assert sys.version_info >= (3, 11)
