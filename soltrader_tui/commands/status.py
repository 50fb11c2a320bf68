"""Provides `status`: the ledger's summary, as JSON or a table."""

from __future__ import annotations

import argparse
import json

from soltrader_tui.commands.common import (
    EXIT_OK,
    fail_with,
    ledger_error_message,
    ledger_path,
)
from soltrader_tui.errors import SoltraderError


def status(args: argparse.Namespace) -> int:
    """Prints the ledger's summary, as JSON or a table."""
    from soltrader_tui.monitor.ledger_view import read_status, render_status, status_json

    try:
        db = args.db if args.db is not None else ledger_path(args.config)
        report = read_status(db.resolve())
    except SoltraderError as exc:
        return fail_with(exc, ledger_error_message(exc, given=args.db is not None))
    if args.json:
        print(json.dumps(status_json(report), indent=2, ensure_ascii=False))
        return EXIT_OK
    from rich.console import Console

    Console().print(render_status(report))
    return EXIT_OK
