"""Provides Ledger: the one writer of the one truth, one transaction per event.

Money-changing transactions (fills, state changes) commit with `synchronous=FULL`, so a
committed fill survives a power cut. Bookkeeping that can be rebuilt or lost without harm
(marks, scores, heartbeat, buffered log lines) commits with `synchronous=NORMAL`.

A write the storage refuses (disk full, I/O error, read-only file system) raises
`LedgerWriteFailed` after the transaction rolled back; a money-changing one is tried again a
few times first (`WRITE_ATTEMPTS`), since a fill that happened must be recorded if at all
possible.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from soltrader_tui.domain import Fill, Mode, Order, TradingState
from soltrader_tui.ledger.connect import (
    IntegrityCheck,
    check_file,
    check_folder_writable,
    check_integrity,
    connect,
    inspect_schema,
)
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError
from soltrader_tui.ledger.highwater import HighWaterKeeper, read_committed
from soltrader_tui.ledger.log_reads import read_denials
from soltrader_tui.ledger.reads import (
    MarketTimes,
    StoredFill,
    StoredResume,
    read_equity,
    read_fills,
    read_first_equity,
    read_heartbeat,
    read_last_equity_before,
    read_market_times,
    read_marks,
    read_recent_fills,
    read_resume,
    read_trading_state,
)
from soltrader_tui.ledger.requests import ControlRequest, pending
from soltrader_tui.ledger.rows import (
    EquityPoint,
    EventRow,
    Heartbeat,
    MarkRow,
    ResumePoint,
    ScoreRow,
    StateRow,
    UsageMinute,
    iso,
)
from soltrader_tui.ledger.schema import RULED_KINDS, SCHEMA_VERSION, migrate
from soltrader_tui.ledger.timeorder import check_in_order
from soltrader_tui.ledger.write_failure import LedgerWriteFailed, write_failure

_INSERT_FILL = """
INSERT INTO fills (ts, order_id, mint, symbol, decimals, side, qty, price, quote_amount, fee,
                   strategy, mode, ts_epoch, reason, realized_micro)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_ORDER = """
INSERT INTO orders (client_order_id, ts, mint, symbol, side, in_amount, strategy, reason, status,
                    detail, mode)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_EVENT = "INSERT INTO events (ts, level, kind, rule, message) VALUES (?, ?, ?, ?, ?)"

WRITE_ATTEMPTS = 4
"""Tries of a money-changing write the storage refused before the engine halts on it."""
RETRY_WAIT_S = 0.25
"""Wait before the second try; it doubles for each further one (1.75 s in all)."""

T = TypeVar("T")


class Ledger:
    """The engine's handle on the ledger file; the only code that writes it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._synchronous = ""
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.starting_cash_micro = int(meta["starting_cash_micro"])
        self.created_mode = cast(Mode, meta["mode"])
        self._high_water = HighWaterKeeper(path)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        starting_cash_micro: int,
        mode: Mode,
        version: str,
        before_migration: Callable[[int], None] | None = None,
        checking: IntegrityCheck | None = None,
    ) -> Ledger:
        """Opens (creating or migrating) a ledger for writing.

        Args:
            path: The ledger file.
            starting_cash_micro: Cash a new ledger starts with; ignored for an existing one.
            mode: The mode a new ledger is created in.
            version: The running soltrader-tui version, recorded at creation.
            before_migration: Called with the old schema version before an older ledger that
                passed its integrity check is migrated.
            checking: The integrity check of `path` already under way, if the caller started
                one; else it runs here.

        Raises:
            LedgerError: the file is not a ledger, is damaged, is newer, or can't be written.
        """
        conn: sqlite3.Connection | None = None
        try:
            check_file(path)
            check_folder_writable(path)
            conn = connect(path, readonly=False)
            schema = inspect_schema(conn, path)
            if checking is not None:
                checking.wait()
            elif schema > 0:
                check_integrity(conn, path)
            if 0 < schema < SCHEMA_VERSION and before_migration is not None:
                before_migration(schema)  # e.g. a checkpoint; only once the file is known good
            conn.execute("PRAGMA journal_mode = WAL")
            migrate(
                conn,
                path,
                seed=partial(_write_meta, cash=starting_cash_micro, mode=mode, version=version),
            )
        except (sqlite3.DatabaseError, OSError) as exc:
            _close_quietly(conn, checking)
            # A full disk or read-only folder is not damage: the file must not be moved aside.
            failed = write_failure(exc, path)
            if failed is not None:
                raise failed from exc
            if isinstance(exc, OSError):
                raise
            raise LedgerDamaged(f"cannot open the ledger {path}: {exc}") from exc
        except BaseException:
            # Closed at once, not at garbage collection: Windows cannot move an open file, and
            # a damaged ledger is moved aside next.
            _close_quietly(conn, checking)
            raise
        return cls(conn, path)

    def close(self) -> None:
        """Closes the connection; everything committed stays committed."""
        self._conn.close()

    @contextmanager
    def _transaction(self, *, durable: bool) -> Iterator[sqlite3.Connection]:
        """One transaction; a write the storage refuses raises `LedgerWriteFailed`.

        Raises:
            LedgerWriteFailed: disk full, I/O error or read-only; rolled back.
        """
        try:
            wanted = "FULL" if durable else "NORMAL"
            if self._synchronous != wanted:
                self._conn.execute(f"PRAGMA synchronous = {wanted}")
                self._synchronous = wanted
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        except (sqlite3.Error, OSError) as exc:
            failed = write_failure(exc, self.path)
            if failed is None:
                raise
            raise failed from exc

    def _rollback(self) -> None:
        # After a failed COMMIT SQLite may have rolled back on its own already.
        if self._conn.in_transaction:
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _durably(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """Runs `write` in one durable transaction, tried again while the storage refuses it.

        Raises:
            LedgerWriteFailed: every try failed; nothing of `write` committed.
        """
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self._transaction(durable=True) as c:
                    return write(c)
            except LedgerWriteFailed:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(RETRY_WAIT_S * 2**attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- money-changing events: one durable transaction each ---------------------------------

    def record_fill(
        self,
        order: Order,
        fill: Fill,
        events: Sequence[EventRow] = (),
        *,
        realized_micro: int | None,
    ) -> int:
        """Commits an order, its fill and the log lines about them in one transaction.

        Args:
            order: The order the fill answers.
            fill: The fill.
            events: Log lines about it, committed with it.
            realized_micro: What the fill realized (sells; None for buys), stored with it so
                the recent-fills panel needs no replay.

        Returns:
            The fill's row id.

        Raises:
            MarketTimeWentBack: the fill or a line is stamped before the newest one in the
                ledger (nothing is committed).
        """

        def write(c: sqlite3.Connection) -> int:
            check_in_order(c, fills=[fill.ts], events=[e.ts for e in events])
            c.execute(_INSERT_ORDER, _order_row(order, "filled", "", fill.mode))
            fill_id = c.execute(_INSERT_FILL, _fill_row(fill, order.reason, realized_micro))
            c.executemany(_INSERT_EVENT, [_event_row(e) for e in events])
            return int(fill_id.lastrowid or 0)

        fill_id = self._durably(write)
        self._high_water.committed(fills=1, last_fill_id=fill_id)
        return fill_id

    def record_rejection(
        self, order: Order, detail: str, mode: Mode, events: Sequence[EventRow] = ()
    ) -> None:
        """Commits an order that could not be filled, with why."""

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            c.execute(_INSERT_ORDER, _order_row(order, "rejected", detail, mode))
            c.executemany(_INSERT_EVENT, [_event_row(e) for e in events])

        self._durably(write)
        self._high_water.committed(fills=0, last_fill_id=None)

    def set_trading_state(
        self,
        state: TradingState,
        reason: str,
        actor: str,
        ts: float,
        events: Sequence[EventRow] = (),
    ) -> None:
        """Commits a trading-state change with its reason and who made it."""

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            c.execute(
                "INSERT INTO trading_state (ts, state, reason, actor) VALUES (?, ?, ?, ?)",
                (iso(ts), state.value, reason, actor),
            )
            c.executemany(_INSERT_EVENT, [_event_row(e) for e in events])

        self._durably(write)

    # -- the high-water mark (see highwater.py) ------------------------------------------------

    def keep_high_water(self, *, accept_loss: bool, ts: float) -> int:
        """Checks the ledger against the mark left beside it (see highwater.py), then keeps
        that mark from now on. Call it once, as the lock owner, before trading.

        Args:
            accept_loss: Go on from a ledger behind its mark, recording the acceptance.
            ts: When (for the acceptance's log line).

        Returns:
            How many committed fills were missing (and accepted); 0 normally.

        Raises:
            LedgerBehind: fills are missing and `accept_loss` is False.
        """
        now = read_committed(self._conn)
        missing, line = self._high_water.check(now, accept_loss=accept_loss, ts=ts)
        if line is not None:
            self._durably(lambda c: c.execute(_INSERT_EVENT, _event_row(line)))
        self._high_water.arm(now)
        return missing

    def complete_request(self, request_id: int, result: str, ts: float) -> None:
        """Answers a control request (the requester is waiting for this)."""
        with self._transaction(durable=True) as c:
            c.execute(
                "UPDATE control_requests SET status = 'done', result = ?, done_ts = ? WHERE id = ?",
                (result, iso(ts), request_id),
            )

    def pending_requests(self) -> list[ControlRequest]:
        """Returns the control requests not yet answered, oldest first."""
        return pending(self._conn)

    # -- bookkeeping: batched, not fsync'd per commit -------------------------------------------

    def flush(
        self,
        *,
        events: Iterable[EventRow] = (),
        marks: Iterable[MarkRow] = (),
        scores: Iterable[ScoreRow] = (),
        equity: Iterable[EquityPoint] = (),
        heartbeat: Heartbeat | None = None,
        usage: Iterable[UsageMinute] = (),
        resume: ResumePoint | None = None,
        feed_status: str | None = None,
    ) -> None:
        """Commits buffered bookkeeping in one transaction.

        Raises:
            MarketTimeWentBack: an equity point or a log line is stamped before the newest one
                in the ledger (nothing of the flush is committed).

        `resume` may ride here, not with the fills: it is a cache of them, and losing the
        newest one costs only a longer replay at the next start. `feed_status` (the JSON of
        `feed_status.FeedStatus`) replaces the `meta` row `health` and `status` read it from.
        """
        events, equity = list(events), list(equity)
        with self._transaction(durable=False) as c:
            check_in_order(c, equity=[p.ts for p in equity], events=[e.ts for e in events])
            # Counts are increments since the last flush; latencies cover the minute so far.
            c.executemany(
                """
                INSERT INTO api_usage (provider, minute, calls, errors, rate_limited, p50_ms,
                                       p95_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, minute) DO UPDATE SET
                    calls = calls + excluded.calls,
                    errors = errors + excluded.errors,
                    rate_limited = rate_limited + excluded.rate_limited,
                    p50_ms = coalesce(excluded.p50_ms, p50_ms),
                    p95_ms = coalesce(excluded.p95_ms, p95_ms)
                """,
                [
                    (u.provider, u.minute, u.calls, u.errors, u.rate_limited, u.p50_ms, u.p95_ms)
                    for u in usage
                ],
            )
            c.executemany(_INSERT_EVENT, [_event_row(e) for e in events])
            c.executemany(
                "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (m.mint, m.symbol, m.decimals, m.price_usd, m.liquidity_usd, iso(m.ts), m.ts)
                    for m in marks
                ],
            )
            c.executemany(
                "INSERT OR REPLACE INTO strategy_scores VALUES (?, ?, ?, ?, ?, ?)",
                [(s.strategy, s.mint, s.symbol, s.score, s.reason, iso(s.ts)) for s in scores],
            )
            c.executemany(
                "INSERT OR REPLACE INTO equity VALUES (?, ?, ?, ?)",
                [(p.ts, iso(p.ts), p.equity_micro, p.cash_micro) for p in equity],
            )
            if resume is not None:
                c.execute(
                    "INSERT OR REPLACE INTO resume_point VALUES (1, ?, ?, ?, ?, ?)",
                    (
                        resume.last_fill_id,
                        resume.last_equity_ts,
                        resume.portfolio,
                        resume.curve,
                        iso(time.time()),
                    ),
                )
            if feed_status is not None:
                c.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('feed_status', ?)",
                    (feed_status,),
                )
            if heartbeat is not None:
                c.execute(
                    "INSERT OR REPLACE INTO heartbeat VALUES (1, ?, ?, ?, ?, ?, ?)",
                    (
                        heartbeat.wall_ts,
                        heartbeat.market_ts,
                        heartbeat.pid,
                        heartbeat.version,
                        heartbeat.mode,
                        int(heartbeat.running),
                    ),
                )

    def set_strategies(self, enabled: Iterable[tuple[str, bool]]) -> None:
        """Records which strategies this session runs and whether each may trade."""
        with self._transaction(durable=False) as c:
            c.executemany(
                "INSERT OR REPLACE INTO strategies VALUES (?, ?)",
                [(name, int(on)) for name, on in enabled],
            )

    def record_session(self, *, wall_start: float, api_note: str) -> None:
        """Records when this session started (wall time) and why it makes no API calls, if it
        makes none, so `watch` shows this session's API usage, or that note, as the engine does.
        """
        with self._transaction(durable=False) as c:
            c.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("session_wall_start", repr(wall_start)), ("session_api_note", api_note)],
            )

    # -- reads the engine needs at start ------------------------------------------------------

    def fills(self, *, after_id: int = 0) -> Iterator[StoredFill]:
        """Yields the fills with id > `after_id` (all by default) in commit order."""
        return read_fills(self._conn, after_id=after_id)

    def recent_fills(self, count: int) -> list[StoredFill]:
        """Returns the newest `count` fills, newest first."""
        return read_recent_fills(self._conn, count)

    def resume(self) -> StoredResume | None:
        """Returns the saved replay of the fills, or None when there is none."""
        return read_resume(self._conn)

    def trading_state(self) -> StateRow | None:
        """Returns the newest trading-state change, or None on a new ledger."""
        return read_trading_state(self._conn)

    def heartbeat(self) -> Heartbeat | None:
        """Returns the last session's heartbeat (None when no session has run on the ledger)."""
        return read_heartbeat(self._conn)

    def marks(self) -> dict[str, MarkRow]:
        """Returns the last recorded mark of each token."""
        return read_marks(self._conn)

    def denial_counts(self) -> dict[str, int]:
        """Returns how many entries each risk rule has denied, from the log lines."""
        return read_denials(self._conn)

    def order_count(self) -> int:
        """Returns how many orders the ledger holds (used to number new ones)."""
        return int(self._conn.execute("SELECT count(*) FROM orders").fetchone()[0])

    def equity_points(self, *, after_ts: float | None = None) -> list[EquityPoint]:
        """Returns the equity curve (the points after `after_ts`, if given), oldest first."""
        return read_equity(self._conn, after_ts=after_ts)

    def market_times(self) -> MarketTimes:
        """Returns the newest time stamps of the fills, equity points and events."""
        return read_market_times(self._conn)

    def day_start_equity(self, day_start_ts: float) -> EquityPoint | None:
        """Returns the last equity point before `day_start_ts`, else the first one, else None."""
        return read_last_equity_before(self._conn, day_start_ts) or read_first_equity(self._conn)


def _close_quietly(conn: sqlite3.Connection | None, checking: IntegrityCheck | None) -> None:
    if conn is not None:
        conn.close()
    if checking is not None:
        with suppress(LedgerError):  # its connection must be closed too; its verdict is moot
            checking.wait()


def _order_row(order: Order, status: str, detail: str, mode: str) -> tuple[object, ...]:
    return (
        order.client_order_id,
        iso(order.ts),
        order.token.mint,
        order.token.symbol,
        order.side,
        order.in_amount,
        order.strategy,
        order.reason,
        status,
        detail,
        mode,
    )


def _fill_row(fill: Fill, reason: str, realized_micro: int | None) -> tuple[object, ...]:
    t = fill.token
    return (
        iso(fill.ts),
        fill.order_id,
        t.mint,
        t.symbol,
        t.decimals,
        fill.side,
        fill.qty,
        fill.price_usd,
        fill.quote_amount,
        fill.fee,
        fill.strategy,
        fill.mode,
        fill.ts,
        reason,
        realized_micro,
    )


def _event_row(e: EventRow) -> tuple[object, ...]:
    kind, rule = e.kind, e.rule
    if rule is None:
        # The engine still names the rule in the kind ('denied:max_positions') until its typed
        # events pass it apart (issue 11, part 8); it is stored apart here, the one place.
        head, colon, tail = kind.partition(":")
        if colon and head in RULED_KINDS:
            kind, rule = head, tail
    return (iso(e.ts), e.level, kind, rule, e.message)


def _write_meta(conn: sqlite3.Connection, *, cash: int, mode: Mode, version: str) -> None:
    # OR IGNORE: an existing ledger keeps its rows; one from before schema creation and meta
    # shared a transaction may have lost them to a crash in between, and gets them here.
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES "
        "('starting_cash_micro', ?), ('mode', ?), ('created_by_version', ?), ('ledger_id', ?)",
        (str(cash), mode, version, uuid.uuid4().hex),
    )


__all__ = ["Ledger", "LedgerError", "LedgerWriteFailed"]
