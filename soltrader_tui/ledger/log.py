"""Provides the log file of a ledger: where it is, its line format, and notes from other processes.

Each ledger logs beside itself, in `logs/<ledger file stem>.log` of the data folder: sessions on
two ledgers never interleave their lines in one file, and the default ledger keeps the familiar
`logs/soltrader.log`. The first line of every session names the ledger's full path, which tells
apart two ledgers of one name in different folders.
"""

from __future__ import annotations

import logging
import logging.handlers
from datetime import UTC, datetime
from pathlib import Path

LOGGER = logging.getLogger("soltrader_tui.engine")
"""The engine's logger: its lines go to the log file of the ledger it trades on."""


def market_time(ts: float) -> str:
    """Formats market time for a log line (UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def log_file(logs_dir: Path, ledger: Path) -> Path:
    """The log file of a ledger: `<logs_dir>/<ledger stem>.log`."""
    return logs_dir / f"{ledger.stem}.log"


class MarketTimeFormatter(logging.Formatter):
    """Puts the market time of an engine event (not the wall time) at the start of the line."""

    def format(self, record: logging.LogRecord) -> str:
        ts = getattr(record, "market_ts", None)
        stamp = market_time(ts) if isinstance(ts, float) else self.formatTime(record)
        return f"{stamp} {record.levelname:<7} {record.getMessage()}"


class QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that gives up a line it cannot write (a full disk) without printing
    logging's traceback over the terminal: the ledger is the record, and a full disk is
    reported once, as such, by whoever met it."""

    def handleError(self, record: logging.LogRecord) -> None:
        return


def note(path: Path, message: str, level: int = logging.INFO) -> None:
    """Writes one line to a ledger's log file, from any process.

    In the process whose engine logs to that file the line goes through its handler (one
    writer, which also rotates the file); elsewhere (a CLI command, `watch`) it is appended.
    A log that cannot be written costs the line, never the action it reports.

    Args:
        path: The ledger's log file (`log_file`).
        message: The line.
        level: `logging.INFO` unless the line reports a failure.
    """
    if any(_writes_to(handler, path) for handler in LOGGER.handlers):
        LOGGER.log(level, message)
        return
    record = logging.LogRecord(LOGGER.name, level, __file__, 0, message, None, None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(MarketTimeFormatter().format(record) + "\n")
    except OSError:
        pass


def _writes_to(handler: logging.Handler, path: Path) -> bool:
    return isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path
