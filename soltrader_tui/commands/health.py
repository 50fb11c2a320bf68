"""Provides `soltrader-tui health`: is the bot OK? An exit code and one line per check.

Exit 0 ok, 1 degraded, 2 failing, for scheduled tasks and uptime monitors. It reads the ledger
read-only, like `status`, so it works beside a running engine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import TextIO

from soltrader_tui import __version__
from soltrader_tui.commands.common import fail, ledger_error_message
from soltrader_tui.config.load import load_settings
from soltrader_tui.config.model import Config
from soltrader_tui.config.paths import Paths
from soltrader_tui.errors import SoltraderError
from soltrader_tui.monitor.health import (
    HealthReport,
    Level,
    Limits,
    assess,
    health_json,
    unreadable,
)
from soltrader_tui.monitor.health_reads import read_recent
from soltrader_tui.monitor.ledger_view import read_status

MARKS: dict[Level, str] = {"ok": "✔", "degraded": "!", "failing": "✖"}
ASCII_MARKS: dict[Level, str] = {"ok": "+", "degraded": "!", "failing": "x"}
"""For an output that cannot encode the marks (a redirect to a file in a legacy code page)."""


def health(args: argparse.Namespace) -> int:
    """Checks the ledger's health and prints it; returns 0 ok, 1 degraded, 2 failing.

    Args:
        args: `json` (one JSON object instead of text), `db` (ledger file) and `config`
            (config file naming the ledger, when `db` is not given).

    Returns:
        The exit code: the worst level of any check. A ledger that cannot be read is failing
        (2), with the same message `status` gives on stderr.
    """
    now = time.time()
    given = args.db is not None
    try:
        config, paths, _ = load_settings(args.config, args.db)
    except SoltraderError as exc:  # the config is invalid
        if not given:  # it names the ledger: nothing to check
            return _cannot_check(args, None, str(exc), now)
        config, paths = Config(), None  # the ledger is given: judged on the default limits
    db = (args.db if given or paths is None else paths.ledger).resolve()
    try:
        report = read_status(db, now_wall=now)
        recent = read_recent(
            db,
            report,
            now_wall=now,
            newest_checkpoint_wall=None if paths is None else newest_checkpoint(paths),
            limits=Limits.of(config),
        )
    except SoltraderError as exc:  # health reports failing (2) whatever the kind
        return _cannot_check(args, db, ledger_error_message(exc, given=given), now)
    except sqlite3.Error as exc:
        return _cannot_check(args, db, f"cannot read {db}: {exc}", now)
    result = assess(report, recent, now)
    _print(args, result)
    if getattr(args, "alert", False):
        from soltrader_tui.commands.health_alert import alert_on

        alert_on(result, db, config.alerts, now)
    return result.exit_code


def newest_checkpoint(paths: Paths) -> float | None:
    """When the newest checkpoint in the session's checkpoints folder was taken (None: none)."""
    from soltrader_tui.checkpoints.store import list_checkpoints

    found = list_checkpoints(paths.checkpoints_dir)
    return found[0].ts if found else None


def _cannot_check(args: argparse.Namespace, db: Path | None, message: str, now: float) -> int:
    """Says why on stderr, as `status` does; with --json, stdout still gets its object."""
    code = fail(message)
    if args.json:
        _print(args, unreadable(db, message, now))
    return code


def _print(args: argparse.Namespace, result: HealthReport) -> None:
    if args.json:
        # ASCII-escaped: a monitor parses it whatever the console's code page.
        print(json.dumps(health_json(result), indent=2))
    else:
        _write(sys.stdout, render_text(result, marks=_marks_for(sys.stdout)))


def render_text(result: HealthReport, *, marks: dict[Level, str] = MARKS) -> str:
    """Returns the human summary: the overall level and ledger, then one line per check.

    Args:
        result: The assessment.
        marks: The mark shown before each check, per level.
    """
    where = "(ledger unknown)" if result.ledger is None else str(result.ledger)
    lines = [
        f"{result.level.upper()}  {where}",
        f"  soltrader-tui {__version__}, checked {result.checked_at_iso}",
    ]
    width = max(len(c.name) for c in result.checks)
    lines += [f"  {marks[c.level]} {c.name:<{width}}  {c.detail}" for c in result.checks]
    return "\n".join(lines) + "\n"


def _marks_for(stream: TextIO) -> dict[Level, str]:
    try:
        "".join(MARKS.values()).encode(stream.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS


def _write(stream: TextIO, text: str) -> None:
    # A quoted log line may hold characters the console cannot show: replaced, not fatal.
    encoding = stream.encoding or "utf-8"
    with contextlib.suppress(LookupError):
        text = text.encode(encoding, errors="replace").decode(encoding)
    stream.write(text)
    stream.flush()
