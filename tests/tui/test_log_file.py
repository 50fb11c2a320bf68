"""The log pane's lines are in the session's log file too, including the one the dashboard
writes itself when the engine fails."""

from __future__ import annotations

from pathlib import Path

from soltrader_tui.config.model import Config
from soltrader_tui.tui.app import make_app
from soltrader_tui.tui.checkpoint_key import CheckpointTarget
from soltrader_tui.tui.screens.error_modal import ErrorModal
from tests.tui.harness import VERSION, SnapshotHost
from tests.tui.snapshot_factory import make_snapshot


class TestFailureInLogFile:
    """An engine failure, shown in the pane and a dialog, is also an ERROR line in the file."""

    async def test_engine_failure_goes_to_the_log_file(self, tmp_path: Path) -> None:
        log = tmp_path / "logs" / "soltrader.log"
        target = CheckpointTarget(
            ledger=tmp_path / "soltrader.sqlite",
            checkpoints_dir=tmp_path / "checkpoints",
            config_file=None,
            keep=5,
            log_file=log,
        )
        host = SnapshotHost(make_snapshot(), failure=RuntimeError("quote feed vanished"))
        app = make_app(Config(), host, version=VERSION, checkpoint=target)
        async with app.run_test(size=(120, 36)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ErrorModal)
        text = log.read_text(encoding="utf-8")
        assert "ERROR   engine failed: RuntimeError: quote feed vanished" in text
        assert "Traceback" in text
