"""Provides the checkpoint commands (`checkpoint`, `checkpoints`, `restore`) and the message
for a damaged ledger at start, with the checkpoint to restore."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui import format as fmt
from soltrader_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    fail_with,
    ledger_error_message,
)
from soltrader_tui.errors import LedgerUnusable, OperationalError, SoltraderError
from soltrader_tui.ledger.errors import NotALedger

if TYPE_CHECKING:
    from soltrader_tui.checkpoints.store import CheckpointInfo
    from soltrader_tui.config.model import Config
    from soltrader_tui.config.paths import Paths


def _settings(args: argparse.Namespace) -> tuple[Config, Paths]:
    from soltrader_tui.config.load import load_settings

    config, resolved, _ = load_settings(args.config, args.db)
    return config, resolved


def _arg(path: Path) -> str:
    text = str(path)
    # Double quotes keep a path with spaces whole in cmd, PowerShell and POSIX shells alike.
    return f'"{text}"' if any(c.isspace() for c in text) else text


def _command(args: argparse.Namespace, resolved: Paths, *words: str) -> str:
    """The command line to type, with the same --config/--db as this one (absolute)."""
    parts = ["soltrader-tui", *words]
    if args.config is not None and resolved.config_file is not None:
        parts += ["--config", _arg(resolved.config_file)]
    if args.db is not None:
        parts += ["--db", _arg(resolved.ledger)]
    return " ".join(parts)


def _describe(info: CheckpointInfo, ledger: Path) -> str:
    """One line about a checkpoint: when, the figures, and its source if another ledger."""
    from soltrader_tui.checkpoints.report import utc_text

    state = (info.trading_state or fmt.MISSING).upper()
    text = (
        f"taken {utc_text(info.ts)}, equity {fmt.usd(info.equity_usd)}, "
        f"{fmt.count(info.fills)} fills, {state}"
    )
    source = _source_ledger(info)
    if source is not None and source != ledger:
        text += f"; copied from another ledger, {source}"
    return text


def _source_ledger(info: CheckpointInfo) -> Path | None:
    from soltrader_tui.checkpoints.report import SUMMARY_FILE

    try:
        data = json.loads((info.path / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("ledger") if isinstance(data, dict) else None
    return Path(value) if isinstance(value, str) else None


def checkpoint(args: argparse.Namespace) -> int:
    """Takes a checkpoint of the ledger now (safe while an engine writes it); exit 0 or 2."""
    from soltrader_tui.checkpoints.store import take_checkpoint

    try:
        config, resolved = _settings(args)
        info = take_checkpoint(
            resolved.ledger,
            resolved.checkpoints_dir,
            config_file=resolved.config_file,
            reason="manual",
            keep=config.storage.keep_checkpoints,
        )
    except SoltraderError as exc:  # bad config, a ledger unusable, a checkpoint not written
        if isinstance(exc.__cause__, NotALedger):
            why = ledger_error_message(exc.__cause__, given=resolved.ledger_given)
            return fail_with(exc, f"cannot checkpoint {resolved.ledger}: {why}")
        return fail_with(exc)
    from soltrader_tui.checkpoints.store import checkpoint_line
    from soltrader_tui.ledger.log import log_file, note

    note(
        log_file(resolved.logs_dir, resolved.ledger),
        checkpoint_line(info, resolved.ledger, "`soltrader-tui checkpoint`"),
    )
    print(f"checkpoint {info.name}: {_describe(info, resolved.ledger)}")
    print(f"folder: {info.path}")
    print(f"to go back to it later: {_command(args, resolved, 'restore', info.name)}")
    return EXIT_OK


def checkpoints(args: argparse.Namespace) -> int:
    """Lists the checkpoints, newest first, as a table."""
    from soltrader_tui.checkpoints.store import list_checkpoints

    try:
        _, resolved = _settings(args)
    except SoltraderError as exc:
        return fail_with(exc)
    infos = list_checkpoints(resolved.checkpoints_dir)
    if not infos:
        print(f"no checkpoints in {resolved.checkpoints_dir}")
        _print_set_aside(resolved.ledger)
        return EXIT_OK
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from soltrader_tui.checkpoints.report import utc_text

    rows = [
        (
            i.name,
            utc_text(i.ts).removesuffix(" UTC"),
            i.reason or fmt.MISSING,
            fmt.usd(i.equity_usd),
            fmt.count(i.fills),
            (i.trading_state or fmt.MISSING).upper(),
            f"{i.size_bytes / 1024:,.0f} KB",
        )
        for i in infos
    ]
    title = f"Checkpoints in {resolved.checkpoints_dir}, newest first"
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    heads = ("Name", "Time (UTC)", "Reason", "Equity", "Fills", "State", "Size")
    for n, head in enumerate(heads):
        # In a narrow terminal only time and reason wrap: a cut name cannot be restored and a
        # cut amount reads as another amount.
        whole = head not in ("Time (UTC)", "Reason")
        table.add_column(
            head,
            justify="right" if head in ("Equity", "Fills", "Size") else "left",
            no_wrap=whole,
            overflow="ellipsis" if whole else "fold",
            min_width=max(len(r[n]) for r in rows) if whole else None,
        )
    for row in rows:
        table.add_row(*row)
    console = Console()
    if not console.is_terminal:
        # Piped to a file or a script: there is no screen edge to wrap the cells at.
        console = Console(width=200)
    console.print(table)
    _print_set_aside(resolved.ledger)
    return EXIT_OK


def _print_set_aside(ledger: Path) -> None:
    """Lists the ledger copies a restore (or a failed check) left beside the ledger."""
    from soltrader_tui.checkpoints.report import utc_text
    from soltrader_tui.checkpoints.set_aside import list_set_aside

    copies = list_set_aside(ledger)
    if not copies:
        return
    print(f"\nKept beside {ledger} (not checkpoints: open one with --db FILE):")
    for c in copies:
        when = utc_text(c.ts).removesuffix(" UTC")
        print(f"  {c.path.name}  {when}  {c.kind}  {c.size_bytes / 1024:,.0f} KB")


def restore(args: argparse.Namespace) -> int:
    """Puts a checkpoint's ledger in place, keeping the current one aside; exit 0 or 2."""
    from soltrader_tui.checkpoints.store import CheckpointError, restore_checkpoint
    from soltrader_tui.ledger.lock import engine_running

    try:
        _, resolved = _settings(args)
        result = restore_checkpoint(args.name, resolved.checkpoints_dir, resolved.ledger)
    except SoltraderError as exc:  # bad config or name, a ledger unusable, a restore refused
        code = fail_with(exc)
        if isinstance(exc, CheckpointError) and engine_running(resolved.ledger):
            # `stop` halts that engine but leaves it running, so it would not free the ledger.
            print(
                "End that session first: q in its dashboard, Ctrl+C in its terminal. "
                "Nothing was changed.",
                file=sys.stderr,
            )
        return code
    info = result.checkpoint
    print(f"restored {info.name} onto {result.ledger}")
    print(f"  {_describe(info, result.ledger)}")
    if result.previous is None:
        print("there was no ledger there before, so nothing was kept aside")
    else:
        print(f"the ledger it replaced is kept, not deleted: {result.previous}")
        for extra in result.moved:
            if extra != result.previous:
                print(f"  with {extra}")
    print(f"the next start uses the restored ledger: {_command(args, resolved)}")
    return EXIT_OK


def ledger_damaged(args: argparse.Namespace, damage: str) -> int:
    """Moves a ledger that failed its start-up check aside and says how to get back; exit 2.

    Args:
        args: The `run` arguments (for the same --config/--db in the commands it prints).
        damage: What is wrong with the ledger, first line of the message.

    Returns:
        2: no engine was started.
    """
    import gc

    from soltrader_tui.checkpoints.store import quarantine
    from soltrader_tui.ledger.lock import EngineLock

    try:
        _, resolved = _settings(args)
    except SoltraderError as exc:  # it loaded a moment ago; only an edit since then gets here
        return fail_with(exc)
    ledger = resolved.ledger
    lines = [damage, "No engine was started: a ledger that fails its check is never traded on."]
    moved: Path | None = None
    # A --db file whose header is not a ledger's may be anyone's database: it stays put. At the
    # place the config chose, the file can only be our ledger, so it is moved aside whatever
    # its header says.
    if not resolved.ledger_given or _has_ledger_header(ledger):
        # The failed open left its connection in a reference cycle; an open file cannot be
        # moved on Windows.
        gc.collect()
        lock = EngineLock(ledger)
        try:
            lock.acquire("soltrader-tui (moving a damaged ledger aside)", create=False)
            try:
                moved = quarantine(ledger)
            finally:
                lock.release()
        except (LedgerUnusable, OperationalError) as exc:
            lines.append(f"It could not be moved aside: {exc}")
        else:
            sides = [f"{moved}{s}" for s in ("-wal", "-shm") if Path(f"{moved}{s}").exists()]
            lines.append(f"It was moved aside, nothing deleted: {', '.join([str(moved), *sides])}")
    else:
        lines.append("Its header is not that of a soltrader-tui ledger, so it was left untouched.")
    lines += _restore_advice(args, resolved, moved is not None)
    print("soltrader-tui: " + "\n".join(lines), file=sys.stderr)
    return EXIT_USAGE


def _has_ledger_header(path: Path) -> bool:
    """Whether the file's SQLite header carries a ledger schema version (PRAGMA user_version).

    A `--db` file SQLite cannot read at all may be anyone's database, passed by mistake: such a
    file is left where it is. The header is read as bytes because SQLite refuses it.
    """
    from soltrader_tui.ledger.schema import SCHEMA_VERSION

    try:
        with path.open("rb") as f:
            header = f.read(64)
    except OSError:
        return False
    version = int.from_bytes(header[60:64], "big", signed=True) if len(header) == 64 else 0
    return header.startswith(b"SQLite format 3\x00") and 0 < version <= SCHEMA_VERSION


def _restore_advice(args: argparse.Namespace, resolved: Paths, moved: bool) -> list[str]:
    from soltrader_tui.checkpoints.store import newest_restorable

    info = newest_restorable(resolved.checkpoints_dir)
    if info is None:
        if moved:
            return [
                f"There is no checkpoint to restore in {resolved.checkpoints_dir}: "
                "starting again begins a new, empty ledger."
            ]
        return [
            f"There is no checkpoint to restore in {resolved.checkpoints_dir}. Move the file "
            "away, or pass another file with --db."
        ]
    return [
        f"The newest checkpoint that passes its check is {info.name} "
        f"({_describe(info, resolved.ledger)}).",
        "To go back to it, type:" if moved else "To go back to it (this moves the file aside):",
        f"    {_command(args, resolved, 'restore', info.name)}",
        f"then start again: {_command(args, resolved)}",
    ]
