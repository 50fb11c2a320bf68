"""The dashboard's `c` key: a checkpoint of the running session's ledger, told in a toast."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

from soltrader_tui import __version__
from soltrader_tui.checkpoints.store import list_checkpoints, verify_copy
from soltrader_tui.config.model import Config
from soltrader_tui.monitor.ledger_view import read_status
from soltrader_tui.tui.app import SolTraderApp, make_app
from soltrader_tui.tui.checkpoint_key import CHECKPOINT_GROUP, CheckpointTarget
from tests.tui.harness import SnapshotHost
from tests.tui.snapshot_factory import make_snapshot
from tests.tui.test_app_engine import build


def toasts(seen: list[Message]) -> list[Notification]:
    """The checkpoint toasts among the messages (the engine's warnings toast too)."""
    notes = [m.notification for m in seen if isinstance(m, Notify)]
    return [n for n in notes if n.title.startswith("Checkpoint")]


def target_for(db: Path, tmp_path: Path) -> CheckpointTarget:
    return CheckpointTarget(
        ledger=db, checkpoints_dir=tmp_path / "checkpoints", config_file=None, keep=5
    )


async def press_c_and_wait(app: SolTraderApp, pilot: Pilot[int], seen: list[Message]) -> None:
    """Presses `c`, waits for the checkpoint worker, then for the toast it leads to."""
    before = len(toasts(seen))
    await pilot.press("c")
    for worker in [w for w in app.workers if w.group == CHECKPOINT_GROUP]:
        await worker.wait()
    for _ in range(100):
        await pilot.pause(0.02)
        if len(toasts(seen)) > before:
            return
    raise AssertionError("no toast after pressing c")


class TestCheckpointKey:
    """Pressing c writes a checkpoint folder while the engine trades, and a toast names it."""

    async def test_c_checkpoints_the_running_engine(self, tmp_path: Path) -> None:
        db = tmp_path / "tui.sqlite"
        engine = build(db, hours=None)
        seen: list[Message] = []
        app = make_app(Config(), engine, version=__version__, checkpoint=target_for(db, tmp_path))
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            for _ in range(400):
                await pilot.pause(0.02)
                if app.dashboard.snapshot.fills:
                    break
            assert app.dashboard.snapshot.fills, "the engine must have traded before c"
            await press_c_and_wait(app, pilot, seen)
            running_after = app.dashboard.snapshot.running
            await pilot.press("q")
            await app.workers.wait_for_complete()
        [info] = list_checkpoints(tmp_path / "checkpoints")
        [toast] = toasts(seen)
        assert toast.title == "Checkpoint taken" and toast.severity == "information"
        assert info.name in toast.message and str(info.path) in toast.message
        assert info.reason == "manual"
        verify_copy(info.path / "ledger.sqlite")
        assert info.fills is not None and 0 < info.fills <= read_status(db).snapshot.fills
        assert running_after, "taking a checkpoint must not stop the engine"

    async def test_a_failed_checkpoint_is_a_toast_not_a_crash(self, tmp_path: Path) -> None:
        missing = tmp_path / "gone.sqlite"
        seen: list[Message] = []
        host = SnapshotHost(make_snapshot())
        app = make_app(
            Config(), host, version=__version__, checkpoint=target_for(missing, tmp_path)
        )
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            await pilot.pause()
            await press_c_and_wait(app, pilot, seen)
            [toast] = toasts(seen)
            assert toast.title == "Checkpoint failed" and toast.severity == "error"
            assert f"no ledger at {missing}" in toast.message
            assert app.screen is app.dashboard, "no error modal for a checkpoint"
            assert host.stop_requests == 0
        assert list_checkpoints(tmp_path / "checkpoints") == []

    async def test_without_a_target_c_says_not_available(self, tmp_path: Path) -> None:
        seen: list[Message] = []
        app = make_app(Config(), SnapshotHost(make_snapshot()), version=__version__)
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            [toast] = toasts(seen)
            assert "not available" in toast.message and toast.severity == "warning"
            assert [w for w in app.workers if w.group == CHECKPOINT_GROUP] == []
