"""Provides the contents of one checkpoint folder: ledger copy, config copy, CHECKPOINT.md, JSON.

The figures are read from the checkpoint's own copy of the ledger, so CHECKPOINT.md
describes exactly the ledger that sits beside it, not a moment before or after.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soltrader_tui import __version__
from soltrader_tui import format as fmt
from soltrader_tui.errors import OperationalError
from soltrader_tui.ledger.connect import (
    check_file,
    connect,
    copy_ledger,
)
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.lock import engine_running, lock_path
from soltrader_tui.ledger.log_reads import StoredEvent, problem_events
from soltrader_tui.monitor.ledger_view import StatusReport, read_status
from soltrader_tui.snapshot import PositionView

LEDGER_FILE = "ledger.sqlite"
CONFIG_FILE = "config.yaml"
REPORT_FILE = "CHECKPOINT.md"
SUMMARY_FILE = "checkpoint.json"
MISSING = fmt.MISSING
LAST_PROBLEMS = 10
"""Warning and error events listed in CHECKPOINT.md."""


class CheckpointError(OperationalError):
    """A checkpoint could not be taken, found or restored; the message names the path and why."""


@dataclass(frozen=True, slots=True)
class CheckpointFacts:
    """What a checkpoint records about itself besides the ledger's figures."""

    name: str
    version: str
    ts: float
    """Wall time the checkpoint was taken, unix seconds."""
    reason: str
    ledger: Path
    """The ledger the copy was taken from."""
    config_file: Path | None
    config_note: str
    """What happened to the config copy, in words."""
    schema_version: int
    engine_running: bool | None
    """Whether an engine held the source ledger; None when it could not be told."""


def utc_text(ts: float) -> str:
    """Formats unix seconds as `2026-01-01 12:00:00 UTC`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _cell(text: str) -> str:
    # A pipe or a line break inside a cell would break the Markdown table.
    return text.replace("|", "\\|").replace("\n", " ")


def _health(facts: CheckpointFacts, report: StatusReport) -> str:
    running = {True: "running", False: "not running", None: MISSING}[facts.engine_running]
    age = report.heartbeat_age_s
    beat = MISSING if age is None else f"{age:,.1f} s before the checkpoint"
    return f"engine {running}; last heartbeat {beat}"


def _summary_table(facts: CheckpointFacts, report: StatusReport) -> list[str]:
    """The title and the table of what the checkpoint is and the figures of its ledger."""
    s = report.snapshot
    config = (
        f"`{facts.config_file}` ({_cell(facts.config_note)})"
        if facts.config_file
        else "none: built-in defaults"
    )
    return [
        f"# Checkpoint {facts.name}",
        "",
        "| | |",
        "| --- | --- |",
        f"| soltrader-tui version | {facts.version} |",
        f"| Taken | {utc_text(facts.ts)} |",
        f"| Reason | {_cell(facts.reason)} |",
        f"| Ledger copied from | `{facts.ledger}` (schema {facts.schema_version}) |",
        f"| Config in use | {config} |",
        f"| Mode | {s.mode.upper()} |",
        f"| Trading state | {s.trading_state.value.upper()} ({_cell(s.state_reason)}) |",
        f"| Equity | {fmt.usd(s.equity_usd)} |",
        f"| Cash | {fmt.usd(s.cash_usd)} |",
        f"| Starting cash | {fmt.usd(s.starting_cash_usd)} |",
        f"| Realized P&L | {fmt.signed_usd(s.realized_pnl_usd)} |",
        f"| Unrealized P&L | {fmt.signed_usd(s.unrealized_pnl_usd)} |",
        f"| Win rate | {fmt.pct(s.win_rate)} ({s.wins} W / {s.losses} L) |",
        f"| Round trips | {s.round_trips} |",
        f"| Fills | {s.fills} |",
        f"| Health | {_health(facts, report)} |",
    ]


def _positions_table(positions: Sequence[PositionView]) -> list[str]:
    if not positions:
        return ["None."]
    return [
        "| Symbol | Qty | Avg cost | Mark | Unrealized P&L |",
        "| --- | --- | --- | --- | --- |",
    ] + [
        f"| {_cell(p.symbol)} | {fmt.quantity(p.qty, p.decimals)} "
        f"| {fmt.price(p.avg_cost_usd)} | {fmt.price(p.mark_usd)} "
        f"| {fmt.signed_usd(p.unrealized_pnl_usd)} |"
        for p in positions
    ]


def _problems_table(problems: Sequence[StoredEvent]) -> list[str]:
    if not problems:
        return ["None."]
    return ["| Time | Level | Kind | Message |", "| --- | --- | --- | --- |"] + [
        f"| {utc_text(p.ts)} | {p.level} | {_cell(p.label)} | {_cell(p.message)} |"
        for p in problems
    ]


def render_markdown(
    facts: CheckpointFacts, report: StatusReport, problems: list[StoredEvent]
) -> str:
    """Renders CHECKPOINT.md: the figures of the ledger copy, its health, and how to restore it.

    Args:
        facts: What the checkpoint knows about itself.
        report: The status report read from the checkpoint's copy of the ledger.
        problems: The newest warning and error events, oldest first.

    Returns:
        Markdown text.
    """
    lines = _summary_table(facts, report)
    lines += ["", "## Open positions", ""]
    lines += _positions_table(report.snapshot.positions)
    lines += ["", f"## Last {LAST_PROBLEMS} warnings and errors", ""]
    lines += _problems_table(problems)
    lines += [
        "",
        "## Restoring",
        "",
        "Stop the engine first, then:",
        "",
        f"    soltrader-tui restore {facts.name}",
        "",
        "The current ledger is kept beside itself as `<ledger>.before-restore-<time>`.",
        "",
    ]
    return "\n".join(lines)


def summary_json(facts: CheckpointFacts, report: StatusReport) -> dict[str, Any]:
    """Returns the checkpoint.json object: the figures `checkpoints` lists, for machine reading."""
    s = report.snapshot
    return {
        "name": facts.name,
        "version": facts.version,
        "ts": facts.ts,
        "time_utc": utc_text(facts.ts),
        "reason": facts.reason,
        "ledger": str(facts.ledger),
        "config_file": None if facts.config_file is None else str(facts.config_file),
        "schema_version": facts.schema_version,
        "mode": s.mode,
        "trading_state": s.trading_state.value,
        "equity_usd": s.equity_usd,
        "cash_usd": s.cash_usd,
        "realized_pnl_usd": s.realized_pnl_usd,
        "fills": s.fills,
        "open_positions": len(s.positions),
    }


def write_contents(
    staging: Path,
    name: str,
    ledger_path: Path,
    config_file: Path | None,
    reason: str,
    ts: float,
) -> None:
    """Fills a staging folder: ledger copy, config copy, CHECKPOINT.md, then checkpoint.json.

    Raises:
        CheckpointError: the ledger cannot be read, is damaged, or is not a ledger.
        OSError: the folder cannot be written.
    """
    copy = staging / LEDGER_FILE
    schema_version = backup_ledger(ledger_path, copy)
    config_note = _copy_config(config_file, staging / CONFIG_FILE)
    try:
        report = read_status(copy, now_wall=ts, checked=True)  # backup_ledger checked it
        conn = connect(copy, readonly=True)
        try:
            problems = problem_events(conn, LAST_PROBLEMS)
        finally:
            conn.close()
    except (LedgerError, sqlite3.Error) as exc:
        raise CheckpointError(f"cannot read the copy of {ledger_path}: {exc}") from exc
    finally:
        # read_status probes the copy's engine lock; that probe file does not belong here.
        lock_path(copy).unlink(missing_ok=True)
    facts = CheckpointFacts(
        name=name,
        version=__version__,
        ts=ts,
        reason=reason,
        ledger=ledger_path,
        config_file=config_file,
        config_note=config_note,
        schema_version=schema_version,
        engine_running=_engine_holds(ledger_path),
    )
    (staging / REPORT_FILE).write_text(render_markdown(facts, report, problems), encoding="utf-8")
    # Written last: list_checkpoints treats a folder without it as incomplete.
    summary = json.dumps(summary_json(facts, report), indent=2, ensure_ascii=False)
    (staging / SUMMARY_FILE).write_text(summary + "\n", encoding="utf-8")


def backup_ledger(ledger_path: Path, target: Path) -> int:
    """Copies a ledger with SQLite's online backup API and checks the copy.

    Safe while an engine writes: the copy is one read transaction, which WAL runs beside
    the engine's commits. The copy is a single file (rollback journal, no -wal).

    Args:
        ledger_path: The ledger to copy.
        target: The new file.

    Returns:
        The copy's schema version.

    Raises:
        CheckpointError: the ledger cannot be read, is not a ledger, or fails quick_check.
    """
    try:
        check_file(ledger_path)
        source = connect(ledger_path, readonly=True)
    except (LedgerError, sqlite3.Error) as exc:
        raise CheckpointError(f"cannot read the ledger {ledger_path}: {exc}") from exc
    try:
        schema_version = copy_ledger(source, target, ledger_path)
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            raise CheckpointError(f"cannot checkpoint the ledger {ledger_path}: {exc}") from exc
        # Said as `status` and `run` say it: a page the backup could not read is damage.
        raise CheckpointError(
            f"cannot checkpoint the ledger {ledger_path}: {ledger_path} is damaged: {exc}"
        ) from exc
    except (LedgerError, sqlite3.Error) as exc:
        raise CheckpointError(f"cannot checkpoint the ledger {ledger_path}: {exc}") from exc
    finally:
        source.close()
    if schema_version == 0:
        raise CheckpointError(f"{ledger_path} is empty: no session has written to it yet")
    return schema_version


def _copy_config(config_file: Path | None, target: Path) -> str:
    if config_file is None:
        return "no config file: built-in defaults"
    try:
        shutil.copyfile(config_file, target)
    except OSError as exc:
        # The ledger copy matters more than the config copy: say so and keep the checkpoint.
        return f"not copied: {exc.strerror or exc}"
    return f"copied as {CONFIG_FILE}"


def _engine_holds(ledger_path: Path) -> bool | None:
    try:
        return engine_running(ledger_path)
    except OSError:
        return None
