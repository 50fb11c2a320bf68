"""What a session leaves for the user to read: each ledger's own log, checkpoints and stops noted
in it, what a stop sold, and the copies a restore keeps (listed, and ignored by git)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from soltrader_tui import format as fmt
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.log import log_file
from soltrader_tui.tui.checkpoint_key import CheckpointTarget
from tests.commands.test_stop import ledger_with_position, status, wait_for_engine
from tests.conftest import Cli

REPO = Path(__file__).resolve().parents[2]
SESSION = ("run", "--headless", "--speed", "max", "--duration", "10m")


def logs_dir(cli: Cli) -> Path:
    """The logs folder of the isolated user (no config file: the user data folder)."""
    listed = dict(line.split(maxsplit=1) for line in cli.run("paths").stdout.splitlines()[1:])
    return Path(listed["logs"])


class TestEachLedgerLogsBesideItself:
    """Sessions on two ledgers write two logs, each naming its ledger; none is interleaved."""

    def test_two_ledgers_two_logs(self, cli: Cli, tmp_path: Path) -> None:
        a, b = tmp_path / "alpha.sqlite", tmp_path / "beta.sqlite"
        for db in (a, b, a):
            proc = cli.run(*SESSION, "--db", db)
            assert proc.returncode == 0, proc.stderr[-2000:]
        logs = logs_dir(cli)
        assert sorted(p.name for p in logs.iterdir()) == ["alpha.log", "beta.log"]
        alpha = (logs / "alpha.log").read_text(encoding="utf-8")
        beta = (logs / "beta.log").read_text(encoding="utf-8")
        assert alpha.count(f"on ledger {a}") == 2 and beta.count(f"on ledger {b}") == 1
        assert str(b) not in alpha and str(a) not in beta
        assert "session started" in alpha and "session started" in beta


class TestCheckpointsAreLogged:
    """A checkpoint taken on request is noted in the ledger's log: what, by whom, where."""

    def test_checkpoint_command(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "noted.sqlite"
        ledger_with_position(db)
        proc = cli.run("checkpoint", "--db", db)
        assert proc.returncode == 0, proc.stderr
        name = re.search(r"^checkpoint (\S+):", proc.stdout, re.MULTILINE)
        folder = re.search(r"^folder: (.+)$", proc.stdout, re.MULTILINE)
        assert name and folder
        log = (logs_dir(cli) / "noted.log").read_text(encoding="utf-8")
        line = f"CHECKPOINT {name[1]} taken by `soltrader-tui checkpoint`: ledger {db} copied to "
        assert f"{line}{folder[1]}\n" in log

    def test_c_key_target(self, tmp_path: Path) -> None:
        """The `c` key of the dashboard and of `watch` takes its checkpoint through this."""
        db = tmp_path / "keyed.sqlite"
        ledger_with_position(db)
        log = log_file(tmp_path / "logs", db)
        target = CheckpointTarget(db, tmp_path / "checkpoints", None, 5, log_file=log)
        info = target.take()
        text = log.read_text(encoding="utf-8")
        assert re.fullmatch(
            rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} INFO    CHECKPOINT {info.name} taken by "
            rf"the c key: ledger {re.escape(str(db))} copied to {re.escape(str(info.path))}\n",
            text,
        ), text


class TestStopSaysWhatItSold:
    """`stop` prints the engine's answer, then each position it sold, read from the ledger."""

    def test_running_engine(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "run.sqlite"
        ledger_with_position(db)
        engine = cli.start("run", "--headless", "--seed", "3", "--db", db)
        try:
            wait_for_engine(cli, db)
            proc = cli.run("stop", "--db", db)
        finally:
            engine.terminate()
            engine.wait(timeout=30)
        assert proc.returncode == 0, proc.stderr
        conn = sqlite3.connect(db)
        [(qty, decimals, quote, fee, price)] = conn.execute(
            "SELECT qty, decimals, quote_amount, fee, price FROM fills WHERE side = 'sell'"
        ).fetchall()
        conn.close()
        lines = proc.stdout.splitlines()
        assert "HALTED" in lines[0]
        whole, net = qty / 10**decimals, (quote - fee) / 1e6
        assert whole < 1, "below one token a quantity shows four significant digits"
        # The quantity and price as the dashboard shows them: the one formatter's forms.
        assert lines[1].startswith(
            f"sold SOLX: {fmt.qty(whole)} at {fmt.price(price)}, proceeds ${net:,.2f} "
            f"after ${fee / 1e6:,.2f} fees, realized "
        ), lines
        assert lines[2] == f"total proceeds ${net:,.2f} from 1 position"

    def test_no_engine_names_what_the_next_start_sells(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "idle.sqlite"
        ledger_with_position(db)
        proc = cli.run("stop", "--db", db)
        assert proc.returncode == 0, proc.stderr
        held = status(cli, db)["open_positions"]
        assert isinstance(held, list) and len(held) == 1
        assert re.search(
            r"^open positions, sold at the next start: SOLX [\d,.]+$", proc.stdout, re.M
        )

    def test_nothing_open(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "flat.sqlite"
        Ledger.open(db, starting_cash_micro=500_000_000, mode="paper", version="test").close()
        proc = cli.run("stop", "--db", db)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[1] == "no position is open: nothing to sell"


class TestRestoreLeftovers:
    """The ledger a restore replaces is kept: `checkpoints` lists it, git ignores it."""

    def test_listed_and_ignored(self, cli: Cli, tmp_path: Path) -> None:
        db = tmp_path / "kept.sqlite"
        ledger_with_position(db)
        taken = cli.run("checkpoint", "--db", db)
        name = re.search(r"^checkpoint (\S+):", taken.stdout, re.MULTILINE)
        assert taken.returncode == 0 and name, taken.stderr
        restored = cli.run("restore", name[1], "--db", db)
        assert restored.returncode == 0, restored.stderr
        aside = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
        [kept] = [p for p in aside if not p.name.endswith(("-wal", "-shm"))]

        listing = cli.run("checkpoints", "--db", db)
        assert listing.returncode == 0, listing.stderr
        assert f"Kept beside {db} (not checkpoints: open one with --db FILE):" in listing.stdout
        [row] = [line for line in listing.stdout.splitlines() if kept.name in line]
        stamp = re.search(r"(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)Z", kept.name)
        assert stamp is not None
        y, mo, d, h, mi, sec = stamp.groups()
        assert f"{y}-{mo}-{d} {h}:{mi}:{sec}" in row and "pre-restore copy" in row

        checkout = tmp_path / "checkout"
        checkout.mkdir()
        shutil.copyfile(REPO / ".gitignore", checkout / ".gitignore")
        for name in (kept.name, kept.name + "-wal", "soltrader.sqlite.damaged-20260101-000000Z"):
            (checkout / name).write_text("x")
        git = ["git", "-c", "init.defaultBranch=main", "-C", str(checkout)]
        subprocess.run([*git, "init", "-q"], check=True)
        shown = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
        assert shown.stdout.splitlines() == ["?? .gitignore"]


@pytest.mark.parametrize("key", ["ctrl+e", "r"])
def test_readme_says_which_keys_ask_for_y(key: str) -> None:
    """Both keys open a yes/no question (tests/tui: ConfirmModal), so the README says `y`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    keys = re.search(r"Dashboard keys:(.*?)\n\n", readme, re.DOTALL)
    assert keys is not None
    assert f"`{key}` then `y`" in " ".join(keys[1].split())
