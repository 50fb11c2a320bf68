"""The session's log file rotates: a long session keeps the newest lines in bounded files."""

from __future__ import annotations

import logging.handlers
from pathlib import Path

from soltrader_tui.config.paths import Paths
from soltrader_tui.engine.runtime import configure_logging
from soltrader_tui.ledger.log import LOGGER, log_file


def session_paths(root: Path) -> Paths:
    (root / "logs").mkdir()
    return Paths(
        config_file=None,
        data_dir=root,
        ledger=root / "soltrader.sqlite",
        logs_dir=root / "logs",
        checkpoints_dir=root / "checkpoints",
    )


class TestLogRotation:
    """The one file handler of the engine's logger rotates at 5 MB and keeps three old files."""

    def test_the_log_file_rotates_and_keeps_three(self, tmp_path: Path) -> None:
        paths = session_paths(tmp_path)
        configure_logging(paths, to_stderr=False)
        try:
            (handler,) = LOGGER.handlers
            assert isinstance(handler, logging.handlers.RotatingFileHandler)
            assert (handler.maxBytes, handler.backupCount) == (5_000_000, 3)
            # Rotating at 5 MB is the same code path at 4 kB: only the threshold differs.
            handler.maxBytes = 4096
            for n in range(600):
                LOGGER.info("decision line %d of a long session", n)
        finally:
            for h in list(LOGGER.handlers):
                LOGGER.removeHandler(h)
                h.close()
        current = log_file(paths.logs_dir, paths.ledger)
        files = sorted(p.name for p in paths.logs_dir.iterdir())
        assert files == ["soltrader.log", "soltrader.log.1", "soltrader.log.2", "soltrader.log.3"]
        assert all(p.stat().st_size <= 4096 for p in paths.logs_dir.iterdir())
        assert current.read_text(encoding="utf-8").rstrip().endswith("long session")
        assert "decision line 599 " in current.read_text(encoding="utf-8")
