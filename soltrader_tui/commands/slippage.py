"""Provides `soltrader-tui slippage`: each live fill against its paper twin, and the totals,
read from the ledger alone."""

from __future__ import annotations

import argparse
import json

from soltrader_tui.commands.common import (
    EXIT_OK,
    fail,
    fail_with,
    ledger_error_message,
    ledger_path,
)
from soltrader_tui.errors import SoltraderError
from soltrader_tui.monitor.slippage_view import read_slippage, render_slippage, slippage_json


def slippage(args: argparse.Namespace) -> int:
    """Prints the live-versus-paper report of the ledger (`--db`, or the one the config names).

    Args:
        args: `json` (one object), `last` (the newest N swaps; None: all), `db`, `config`.

    Returns:
        0, also when the ledger holds no live swap (a line on stderr says so); 2 for a bad
        `--last`; the ledger error's code when it cannot be read.
    """
    if args.last is not None and args.last < 1:
        return fail(f"--last takes a count of swaps, 1 or more, not {args.last}")
    try:
        db = (args.db if args.db is not None else ledger_path(args.config)).resolve()
        report = read_slippage(db, args.last)
    except SoltraderError as exc:
        return fail_with(exc, ledger_error_message(exc, given=args.db is not None))
    if args.json:
        print(json.dumps(slippage_json(report, db), indent=2, ensure_ascii=False))
        return EXIT_OK
    if not report.lines:
        return fail(
            f"no live swaps in this ledger ({db}): no live session has sent a swap on it",
            EXIT_OK,
        )
    from rich.console import Console

    Console().print(render_slippage(report))
    return EXIT_OK
