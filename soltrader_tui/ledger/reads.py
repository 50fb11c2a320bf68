"""Provides the ledger's reads: plain functions over a connection, shared by the engine's start
and the read-only commands (`status`, checkpoints)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from soltrader_tui.domain import Fill, Token
from soltrader_tui.ledger.rows import (
    EquityPoint,
    Heartbeat,
    MarkRow,
    ResumePoint,
    ScoreRow,
    StateRow,
    StrategyRow,
    from_iso,
)

REALIZED_SINCE = 3
"""The schema version that stores each fill's realized P&L and the saved replay."""
STRATEGY_CONFIG_SINCE = 5
"""The schema version that stores each strategy's config value and entry threshold."""


def _fill_columns(conn: sqlite3.Connection) -> str:
    # An older ledger is still read (a checkpoint before a migration, `status` on an old copy):
    # its sells' realized P&L is simply unknown.
    realized = "realized_micro" if schema_version(conn) >= REALIZED_SINCE else "NULL"
    return (
        "id, order_id, ts_epoch, mint, symbol, decimals, side, qty, price, quote_amount, fee,"
        f" strategy, mode, reason, {realized}"
    )


def schema_version(conn: sqlite3.Connection) -> int:
    """Returns the ledger's schema version: a reader of an older copy reads what it holds."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@dataclass(frozen=True, slots=True)
class StoredFill:
    """A fill as the ledger holds it: the fill, its row id, why, and what it realized."""

    id: int
    fill: Fill
    reason: str
    realized_micro: int | None
    """P&L the fill realized (sells), as the engine computed it when it committed the fill."""


@dataclass(frozen=True, slots=True)
class StoredResume:
    """The saved replay, with how many fills the ledger holds up to its last fill id now."""

    point: ResumePoint
    covered_fills: int
    """Fills with id <= point.last_fill_id, counted at read time: a cross-check of the save."""


def read_fills(
    conn: sqlite3.Connection, *, after_id: int = 0, through_id: int | None = None
) -> Iterator[StoredFill]:
    """Yields the fills with `after_id` < id <= `through_id` (no upper bound by default), in
    commit order."""
    upper = 2**63 - 1 if through_id is None else through_id
    rows = conn.execute(
        f"SELECT {_fill_columns(conn)} FROM fills WHERE id > ? AND id <= ? ORDER BY id",
        (after_id, upper),
    )
    # One Token per distinct token and positional construction: a full replay reads every
    # fill, and this loop is most of its time on a large ledger.
    tokens: dict[tuple[str, str, int], Token] = {}
    for row in rows:
        fid, oid, ts, mint, symbol, decimals, side, qty, price, quote, fee, strat, mode = row[:13]
        key = (mint, symbol, decimals)
        token = tokens.get(key)
        if token is None:
            token = tokens[key] = Token(mint, symbol, decimals)
        fill = Fill(oid, ts, token, side, qty, price, quote, fee, strat, mode)
        yield StoredFill(fid, fill, row[13], row[14])


def read_recent_fills(conn: sqlite3.Connection, count: int) -> list[StoredFill]:
    """Returns the newest `count` fills, newest first."""
    rows = conn.execute(
        f"SELECT {_fill_columns(conn)} FROM fills ORDER BY id DESC LIMIT ?", (max(0, count),)
    ).fetchall()
    out = []
    for fid, oid, ts, mint, symbol, decimals, side, qty, price, quote, fee, *rest in rows:
        strat, mode, reason, realized = rest
        token = Token(mint, symbol, decimals)
        fill = Fill(oid, ts, token, side, qty, price, quote, fee, strat, mode)
        out.append(StoredFill(fid, fill, reason, realized))
    return out


def read_resume(conn: sqlite3.Connection) -> StoredResume | None:
    """Returns the saved replay, or None when there is none."""
    if schema_version(conn) < REALIZED_SINCE:
        return None
    row = conn.execute(
        "SELECT last_fill_id, last_equity_ts, portfolio, curve FROM resume_point WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return StoredResume(
        ResumePoint(row[0], row[1], row[2], row[3]), count_fills_through(conn, row[0])
    )


def count_fills_through(conn: sqlite3.Connection, fill_id: int) -> int:
    """How many fills the ledger holds with id <= `fill_id`: whether a replay through that fill
    (which counted its fills) still describes the start of this ledger's history."""
    return int(conn.execute("SELECT count(*) FROM fills WHERE id <= ?", (fill_id,)).fetchone()[0])


def read_trading_state(conn: sqlite3.Connection) -> StateRow | None:
    """Returns the newest trading-state change, or None if there was none."""
    row = conn.execute(
        "SELECT state, reason, actor, ts FROM trading_state ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return StateRow(state=row[0], reason=row[1], actor=row[2], ts=from_iso(row[3]))


def read_heartbeat(conn: sqlite3.Connection) -> Heartbeat | None:
    """Returns the last session's proof of life (written by every session as it runs), or None
    when no session has run on the ledger."""
    row = conn.execute(
        "SELECT wall_ts, market_ts, pid, version, mode, running FROM heartbeat"
    ).fetchone()
    if row is None:
        return None
    return Heartbeat(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def read_feed_status(conn: sqlite3.Connection) -> str | None:
    """Returns the JSON the engine last wrote about its feed (`feed_status.FeedStatus`), or
    None when no session wrote one."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'feed_status'").fetchone()
    return None if row is None else str(row[0])


def read_resources(conn: sqlite3.Connection) -> str | None:
    """Returns the JSON the engine last wrote about its resources
    (`monitor.resources.ResourceStatus`), or None when no session wrote one."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'resources'").fetchone()
    return None if row is None else str(row[0])


def read_fees_since(conn: sqlite3.Connection, ts: float) -> int:
    """Micro-USDC of fees (network costs in) of the fills at or after market time `ts`."""
    row = conn.execute("SELECT coalesce(sum(fee), 0) FROM fills WHERE ts_epoch >= ?", (ts,))
    return int(row.fetchone()[0])


def read_marks(conn: sqlite3.Connection) -> dict[str, MarkRow]:
    """Returns the last recorded mark of each token, by mint."""
    return {
        r[0]: MarkRow(r[0], r[1], r[2], r[3], r[4], r[5])
        for r in conn.execute(
            "SELECT mint, symbol, decimals, price, liquidity_usd, ts_epoch FROM marks"
        )
    }


def read_equity(
    conn: sqlite3.Connection, *, after_ts: float | None = None, through_ts: float | None = None
) -> list[EquityPoint]:
    """Returns the equity points with `after_ts` < time <= `through_ts` (either bound may be
    None: no bound), oldest first."""
    return [
        EquityPoint(r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT ts_epoch, equity_micro, cash_micro FROM equity "
            "WHERE ts_epoch > ? AND ts_epoch <= ? ORDER BY 1",
            (
                float("-inf") if after_ts is None else after_ts,
                float("inf") if through_ts is None else through_ts,
            ),
        )
    ]


def read_last_equity_before(conn: sqlite3.Connection, ts: float) -> EquityPoint | None:
    """Returns the newest equity point strictly before `ts`, or None."""
    row = conn.execute(
        "SELECT ts_epoch, equity_micro, cash_micro FROM equity WHERE ts_epoch < ? "
        "ORDER BY ts_epoch DESC LIMIT 1",
        (ts,),
    ).fetchone()
    return None if row is None else EquityPoint(row[0], row[1], row[2])


def read_first_equity(conn: sqlite3.Connection) -> EquityPoint | None:
    """Returns the oldest equity point, or None."""
    row = conn.execute(
        "SELECT ts_epoch, equity_micro, cash_micro FROM equity ORDER BY ts_epoch LIMIT 1"
    ).fetchone()
    return None if row is None else EquityPoint(row[0], row[1], row[2])


@dataclass(frozen=True, slots=True)
class MarketTimes:
    """The newest market time of each table that must never go back in time (None: empty)."""

    fills: float | None
    equity: float | None
    events: str | None
    """The last event's stored ISO text: events are compared as stored, to the millisecond."""

    @property
    def newest(self) -> float | None:
        """The ledger's last market time over fills, equity points and events."""
        known = [t for t in (self.fills, self.equity) if t is not None]
        if self.events is not None:
            known.append(from_iso(self.events))
        return max(known) if known else None


def read_market_times(conn: sqlite3.Connection) -> MarketTimes:
    """Returns the newest time stamp of the fills, equity points and events (by row order, as
    written: the ledger checks each write against the row before it)."""
    fill = conn.execute("SELECT ts_epoch FROM fills ORDER BY id DESC LIMIT 1").fetchone()
    equity = conn.execute("SELECT max(ts_epoch) FROM equity").fetchone()
    event = conn.execute("SELECT ts FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return MarketTimes(
        None if fill is None else float(fill[0]),
        None if equity is None or equity[0] is None else float(equity[0]),
        None if event is None else str(event[0]),
    )


@dataclass(frozen=True, slots=True)
class SessionRow:
    """What the latest session said about itself when it started, for readers in other
    processes (`watch`): which API calls are its own, and why there are none."""

    wall_start: float
    """Wall time the session started, unix seconds (API usage is counted in wall minutes)."""
    api_note: str
    """Why the session makes no API calls (e.g. it reads its market in-process), or ""."""
    market_start: float | None = None
    """Market time the session started at; None when not recorded (an older version)."""


def read_session(conn: sqlite3.Connection) -> SessionRow | None:
    """Returns the latest session's start and API note, or None before the first session."""
    meta = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN "
            "('session_wall_start', 'session_api_note', 'session_market_start')"
        ).fetchall()
    )
    start = meta.get("session_wall_start")
    if start is None:
        return None
    market = meta.get("session_market_start")
    try:
        return SessionRow(
            float(start),
            str(meta.get("session_api_note", "")),
            None if market is None else float(market),
        )
    except ValueError:
        return None


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    """Returns the ledger's `meta` rows (starting cash, mode, versions...) by key."""
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}


def read_strategy_rows(conn: sqlite3.Connection) -> list[StrategyRow]:
    """Returns the strategies the sessions ran: in force, the config's value, threshold."""
    # An older ledger (a checkpoint, `status` on an old copy) knows only what is in force.
    extra = (
        "config_enabled, entry_threshold"
        if schema_version(conn) >= STRATEGY_CONFIG_SINCE
        else "NULL, NULL"
    )
    return [
        StrategyRow(
            str(name),
            bool(on),
            None if config_on is None else bool(config_on),
            None if threshold is None else float(threshold),
        )
        for name, on, config_on, threshold in conn.execute(
            f"SELECT name, enabled, {extra} FROM strategies ORDER BY name"
        )
    ]


def read_scores(conn: sqlite3.Connection) -> list[ScoreRow]:
    """Returns each strategy's latest score per token, by strategy then symbol."""
    return [
        ScoreRow(r[0], r[1], r[2], r[3], r[4], from_iso(r[5]))
        for r in conn.execute(
            "SELECT strategy, mint, symbol, score, reason, ts FROM strategy_scores ORDER BY 1, 3"
        )
    ]


def count_equity(conn: sqlite3.Connection) -> int:
    """Returns how many equity points the ledger holds."""
    return int(conn.execute("SELECT count(*) FROM equity").fetchone()[0])
