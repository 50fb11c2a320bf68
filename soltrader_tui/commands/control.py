"""Provides `stop` and `resume`: requests to the engine through the ledger, and their answer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from soltrader_tui.commands.common import EXIT_OK, fail, fail_with, ledger_path
from soltrader_tui.errors import LedgerUnusable, SoltraderError


def control(args: argparse.Namespace, command: Literal["stop", "resume"]) -> int:
    """Stops or resumes the engine on a ledger, through the ledger; waits for its answer."""
    import os
    import time

    from soltrader_tui.ledger import requests

    try:
        db = (args.db if args.db is not None else ledger_path(args.config)).resolve()
        if not db.exists():
            return fail(f"no ledger at {db} (start a session first, or pass --db)")
        reason = (
            "stop requested while no engine ran; open positions are sold at the next start"
            if command == "stop"
            else "resumed while no engine ran"
        )
        # The newest fill before the request (one indexed read): the stop's sales come after.
        before = _last_fill_id(db) if command == "stop" else None
        request_id = requests.send_or_store(db, command, f"cli (pid {os.getpid()})", reason)
        if request_id is None:
            state = requests.OFFLINE_STATE[command].value.upper()
            print(f"no engine is running on {db}: stored state is now {state}")
            if command == "stop":
                print(held_line(db))
            return EXIT_OK
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            answer = requests.result(db, request_id)
            if answer is not None:
                print(answer)
                if before is not None:
                    print("\n".join(_sold_lines(db, before)))
                return EXIT_OK
            time.sleep(0.02)
    except SoltraderError as exc:  # bad config, a ledger that cannot be used
        return fail_with(exc)
    print(
        f"soltrader-tui: the engine did not answer within {args.timeout:g} s; the request stays "
        "queued and the engine acts on it when it next polls",
        file=sys.stderr,
    )
    return 1


def _last_fill_id(db: Path) -> int | None:
    """The newest fill's id before a stop; None when it cannot be read (the stop still goes
    out: showing what it sold must never hold it back)."""
    from soltrader_tui.commands.stop_report import last_fill_id

    try:
        return last_fill_id(db)
    except LedgerUnusable:
        return None


def _sold_lines(db: Path, after_id: int) -> list[str]:
    from soltrader_tui.commands.stop_report import sold_lines

    try:
        return sold_lines(db, after_id)
    except LedgerUnusable as exc:
        return [f"what it sold cannot be read back now ({exc}): `soltrader-tui status` shows it"]


def held_line(db: Path) -> str:
    """The positions a stop stored while no engine ran leaves for the next start to sell."""
    from soltrader_tui import format as fmt
    from soltrader_tui.monitor.ledger_view import read_status

    try:
        positions = read_status(db).snapshot.positions
    except LedgerUnusable as exc:
        return f"open positions cannot be read now ({exc}): `soltrader-tui status` shows them"
    if not positions:
        return "no position is open: nothing to sell"
    held = ", ".join(f"{p.symbol} {fmt.quantity(p.qty, p.decimals)}" for p in positions)
    return f"open positions, sold at the next start: {held}"
