"""Provides `soltrader-tui journal`: what happened to the bot, read from its ledger, one line
(or one JSON object) per event: sessions and how they ended, config changes, operator commands,
trading-state changes, checkpoints, restores and alerts."""

from __future__ import annotations

import argparse
import time

from soltrader_tui.commands.common import (
    EXIT_OK,
    fail,
    fail_with,
    ledger_error_message,
    ledger_path,
)
from soltrader_tui.errors import SoltraderError
from soltrader_tui.monitor.journal import (
    build_journal,
    local_time,
    parse_since,
    render_json,
    render_lines,
)
from soltrader_tui.monitor.journal_source import read_journal


def journal(args: argparse.Namespace) -> int:
    """Prints the journal of the ledger (`--db`, or the one the config names).

    Args:
        args: `since` (a span like 2h or a time; None: everything), `json` (one object per
            line), `db` and `config`.

    Returns:
        0, also when nothing happened in the span (a line on stderr says so); 2 for a bad
        `--since`; the ledger error's code when it cannot be read.
    """
    now = time.time()
    try:
        since = None if args.since is None else parse_since(args.since, now)
    except ValueError as exc:
        return fail(str(exc))
    try:
        db = (args.db if args.db is not None else ledger_path(args.config)).resolve()
        data = read_journal(db, since)
    except SoltraderError as exc:
        return fail_with(exc, ledger_error_message(exc, given=args.db is not None))
    entries = build_journal(data, since)
    if not entries:
        if since is None:
            return fail(f"the journal of {db} is empty: no session has run on it", EXIT_OK)
        return fail(
            f"nothing in the journal of {db} since {local_time(since)} (a longer --since "
            "shows earlier events)",
            EXIT_OK,
        )
    print("\n".join(render_json(entries) if args.json else render_lines(entries)))
    return EXIT_OK
