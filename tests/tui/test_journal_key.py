"""`j` shows the operator's journal over the dashboard, read from the session's ledger; escape
closes it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from soltrader_tui.config.model import Config
from soltrader_tui.tui.app import make_app
from soltrader_tui.tui.checkpoint_key import CheckpointTarget
from soltrader_tui.tui.screens.journal import JournalModal
from tests.conftest import Cli
from tests.tui.harness import VERSION, SnapshotHost
from tests.tui.snapshot_factory import make_snapshot


async def test_j_shows_the_ledgers_journal(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    ran = cli.run("run", "--headless", "--speed", "max", "--duration", "5m", "--db", db)
    assert ran.returncode == 0, ran.stderr
    target = CheckpointTarget(ledger=db, checkpoints_dir=tmp_path / "cp", config_file=None, keep=2)
    app = make_app(Config(), SnapshotHost(make_snapshot()), version=VERSION, checkpoint=target)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JournalModal)
        text = str(app.screen.query_one("#journal-lines", Static).render())
        assert "session 1 started" in text and "session 1 ended cleanly" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, JournalModal)


async def test_without_a_ledger_it_says_so() -> None:
    app = make_app(Config(), SnapshotHost(make_snapshot()), version=VERSION)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("j")
        await pilot.pause()
        assert not isinstance(app.screen, JournalModal)
        assert [n.message for n in app._notifications] == [
            "No ledger file is known to this dashboard."
        ]
