"""Provides control requests through the ledger: how another terminal stops or resumes an engine.

`soltrader-tui stop` writes a request; the engine holding the ledger polls for pending requests
several times a second, acts, and writes the result back. With no engine running, the CLI
changes the stored trading state itself, so the next start obeys it. A strategy is enabled or
disabled (`watch`'s `s` key) the same way: a request naming it, or, with no engine, its row in
`strategies`, which the next start keeps until the config changes. A position is closed
(`watch`'s `x` in a position's detail) by a request naming its mint; with no engine there is
nothing to sell it with, so that one is refused instead of stored.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from soltrader_tui.domain import TradingState
from soltrader_tui.ledger.connect import check_file, check_integrity, connect, inspect_schema
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError
from soltrader_tui.ledger.rows import iso
from soltrader_tui.ledger.schema import SCHEMA_VERSION

StateCommand = Literal["stop", "pause", "resume"]
"""Changes the trading state."""
StrategyCommand = Literal["enable", "disable"]
"""Lets one strategy open positions, or stops it from opening any (it still scores)."""
Command = StateCommand | StrategyCommand
"""The commands that are stored in the ledger when no engine runs, for the next start."""
PositionCommand = Literal["close"]
"""Sells the whole open position in the mint a target names, at market (a manual exit). Only a
running engine can act on it (schema 8 and later carry it as a request)."""
EngineCommand = Command | PositionCommand
"""Every command the engine takes: from its own dashboard, or as a request through the ledger."""
STRATEGY_COMMANDS: tuple[StrategyCommand, ...] = ("enable", "disable")


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """A pending command for the engine."""

    id: int
    command: EngineCommand
    actor: str
    target: str | None = None
    """The strategy an enable or disable names, the mint a close names; None for a state
    command."""


def _open_writer(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise LedgerError(f"no ledger at {path} (start a session first, or pass --db)")
    check_file(path)
    conn = connect(path, readonly=False)
    try:
        version = inspect_schema(conn, path)
        if version == 0:
            raise LedgerError(f"{path} is empty: no session has written to it yet")
        if version != SCHEMA_VERSION:
            raise LedgerError(
                f"{path} has schema {version}; start the engine once so it migrates to "
                f"{SCHEMA_VERSION}, then try again"
            )
        # Nothing is written into a damaged ledger: it stays as found for its restore.
        check_integrity(conn, path)
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def submit(path: Path, command: EngineCommand, actor: str, target: str | None = None) -> int:
    """Writes a pending request (`target`: the strategy an enable or disable names, the mint a
    close names); returns its id."""
    conn = _open_writer(path)
    try:
        cur = conn.execute(
            "INSERT INTO control_requests (ts, command, actor, target) VALUES (?, ?, ?, ?)",
            (iso(time.time()), command, actor, target),
        )
        return int(cur.lastrowid or 0)
    finally:
        conn.close()


def result(path: Path, request_id: int) -> str | None:
    """Returns the engine's answer to a request, or None while it is pending."""
    conn = connect(path, readonly=True)
    try:
        row = conn.execute(
            "SELECT status, result FROM control_requests WHERE id = ?", (request_id,)
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        raise LedgerError(f"request {request_id} is not in {path}")
    return str(row[1]) if row[0] == "done" else None


OFFLINE_STATE: dict[StateCommand, TradingState] = {
    "stop": TradingState.HALTED,
    "pause": TradingState.PAUSED,
    "resume": TradingState.ACTIVE,
}
"""The state a command leaves when no engine runs to act on it."""


def send_or_store(
    path: Path, command: EngineCommand, actor: str, offline_reason: str, target: str | None = None
) -> int | None:
    """Sends a command to the engine holding the ledger, or, with none running, stores the
    state it leads to (the next start obeys it, and sells what a stop left open; a strategy
    toggle is kept until the config changes). A close needs the engine: with none, it is
    refused.

    Returns:
        The request's id to wait on, or None when the state was stored.

    Raises:
        LedgerError: the ledger cannot be written, or (offline) it has no strategy `target`, or
            (offline) the command is a close.
    """
    # Imported here: the lock's file locking is for the commands that send, not for every
    # reader of requests (the ledger's store, so a backtest, imports this module).
    from soltrader_tui.ledger.lock import engine_running

    if engine_running(path):
        return submit(path, command, actor, target)
    if command == "close":
        raise LedgerError(
            f"no engine is running on {path}: only a running engine can sell a position; "
            "start it (soltrader-tui run), then close the position again"
        )
    if command == "enable" or command == "disable":
        set_strategy_offline(path, target or "", command == "enable")
    else:
        set_state_offline(path, OFFLINE_STATE[command], offline_reason, actor)
    return None


def set_strategy_offline(path: Path, name: str, enabled: bool) -> None:
    """Enables or disables a strategy in the ledger directly, for when no engine is running.

    The config's value is kept beside it (the value in force, unless a toggle already was),
    so the next start keeps the toggle until the config changes.

    Raises:
        LedgerError: no session on this ledger ran a strategy of that name.
    """
    conn = _open_writer(path)
    try:
        known = [str(row[0]) for row in conn.execute("SELECT name FROM strategies ORDER BY 1")]
        if name not in known:
            raise LedgerError(
                f"no strategy named {name!r} in {path} (known: {', '.join(known) or 'none'})"
            )
        # SET reads the old values: the config's value is the one in force before any toggle.
        conn.execute(
            "UPDATE strategies SET config_enabled = COALESCE(config_enabled, enabled), "
            "enabled = ? WHERE name = ?",
            (int(enabled), name),
        )
    finally:
        conn.close()


def set_state_offline(path: Path, state: TradingState, reason: str, actor: str) -> None:
    """Changes the stored trading state directly, for when no engine is running."""
    conn = _open_writer(path)
    try:
        conn.execute(
            "INSERT INTO trading_state (ts, state, reason, actor) VALUES (?, ?, ?, ?)",
            (iso(time.time()), state.value, reason, actor),
        )
    finally:
        conn.close()


def pending(conn: sqlite3.Connection) -> list[ControlRequest]:
    """Returns the requests not yet answered, oldest first (engine side)."""
    return [
        ControlRequest(r[0], r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT id, command, actor, target FROM control_requests "
            "WHERE status = 'pending' ORDER BY id"
        )
    ]
