"""Provides Ledger: the one writer of the one truth, one transaction per event.

The one door to the ledger file for the engine. Its transactions (durable for money, batched
for bookkeeping, retried when the storage refuses them) are `transactions.Transactions`; the
statements they run are in `writes` (money) and `bookkeeping_writes`; its reads in `reads`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

from soltrader_tui.domain import Fill, Mode, Order, TradingState
from soltrader_tui.ledger.alert_rows import (
    AlertRow,
    DeliveryRow,
    insert_alerts,
    insert_deliveries,
    last_alert_ts,
)
from soltrader_tui.ledger.bookkeeping_writes import (
    Flush,
    write_flush,
    write_meta,
    write_session,
    write_strategies,
)
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
from soltrader_tui.ledger.position_reads import (
    ThinnedEquity,
    read_entry_reason,
    read_equity_thinned,
)
from soltrader_tui.ledger.reads import (
    MarketTimes,
    StoredFill,
    StoredResume,
    read_equity,
    read_fees_since,
    read_fills,
    read_first_equity,
    read_heartbeat,
    read_last_equity_before,
    read_market_times,
    read_marks,
    read_meta,
    read_recent_fills,
    read_resume,
    read_strategy_rows,
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
    StrategyRow,
    UsageMinute,
)
from soltrader_tui.ledger.schema import SCHEMA_VERSION, migrate
from soltrader_tui.ledger.session_writes import SessionStart, close_session, insert_session
from soltrader_tui.ledger.swap_book import SwapBook
from soltrader_tui.ledger.timeorder import check_in_order
from soltrader_tui.ledger.transactions import Transactions
from soltrader_tui.ledger.write_failure import LedgerWriteFailed, write_failure
from soltrader_tui.ledger.writes import (
    answer_request,
    count_orders,
    insert_events,
    insert_fill,
    insert_fills,
    insert_rejection,
    insert_state,
)


@dataclass(frozen=True, slots=True)
class BacktestRows:
    """What a backtest commits at its end (see `Ledger.record_backtest`)."""

    fills: Sequence[tuple[Order, Fill, int | None]]
    """Each filled order, its fill, and what the fill realized (None for buys)."""
    rejections: Sequence[tuple[Order, str]]
    states: Sequence[tuple[TradingState, str, float]]
    """Trading-state changes: state, reason, market time."""
    events: Sequence[EventRow]
    strategies: Sequence[StrategyRow] = ()
    """The strategy the backtest ran, as a session records its strategies."""
    bookkeeping: Flush | None = None
    """Equity curve, last marks, scores and heartbeat, as an engine's flushes leave them."""
    session: tuple[float, str] | None = None
    """Wall time of the run and its API note, as `record_session` records them."""


class Ledger:
    """The engine's handle on the ledger file; the only code that writes it."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._tx = Transactions(conn, path)
        meta = read_meta(conn)
        self.starting_cash_micro = int(meta["starting_cash_micro"])
        self.created_mode = cast(Mode, meta["mode"])
        self._high_water = HighWaterKeeper(path)
        self.swaps = SwapBook(conn, self._tx, self._high_water)
        """Live swaps, from signed to settled."""

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
                seed=partial(write_meta, cash=starting_cash_micro, mode=mode, version=version),
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
            fill_id = insert_fill(c, order, fill, realized_micro)
            insert_events(c, events)
            return fill_id

        fill_id = self._tx.durably(write)
        self._high_water.committed(fills=1, last_fill_id=fill_id)
        return fill_id

    def record_rejection(
        self, order: Order, detail: str, mode: Mode, events: Sequence[EventRow] = ()
    ) -> None:
        """Commits an order that could not be filled, with why."""

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            insert_rejection(c, order, detail, mode)
            insert_events(c, events)

        self._tx.durably(write)
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
            insert_state(c, state, reason, actor, ts)
            insert_events(c, events)

        self._tx.durably(write)

    def record_backtest(self, rows: BacktestRows) -> None:
        """Commits a whole backtest in one transaction: orders, fills, state changes, lines,
        strategies, session, equity curve, marks, scores and heartbeat. A run cut short leaves
        a ledger with none of it, never fills without the equity that goes with them.

        A backtest is rerun rather than resumed, so it needs no transaction per fill; its
        report is printed only after this commit. Its ledger is new and no engine runs on it,
        so there is no high-water mark to move.

        Raises:
            MarketTimeWentBack: a row is stamped before the one before it (nothing committed).
        """

        def write(c: sqlite3.Connection) -> None:
            check_in_order(
                c, fills=[f.ts for _, f, _ in rows.fills], events=[e.ts for e in rows.events]
            )
            insert_fills(c, rows.fills)
            for order, detail in rows.rejections:
                insert_rejection(c, order, detail, "backtest")
            for state, reason, ts in rows.states:
                insert_state(c, state, reason, "backtest", ts)
            insert_events(c, rows.events)
            write_strategies(c, rows.strategies)
            if rows.session is not None:
                write_session(c, wall_start=rows.session[0], api_note=rows.session[1])
            if rows.bookkeeping is not None:
                check_in_order(c, equity=[p.ts for p in rows.bookkeeping.equity])
                write_flush(c, rows.bookkeeping)

        self._tx.durably(write)

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
            self._tx.durably(lambda c: insert_events(c, [line]))
        self._high_water.arm(now)
        return missing

    def complete_request(self, request_id: int, result: str, ts: float) -> None:
        """Answers a control request (the requester is waiting for this)."""
        with self._tx.transaction(durable=True) as c:
            answer_request(c, request_id, result, ts)

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
        resources: str | None = None,
        alerts: Sequence[AlertRow] = (),
        deliveries: Iterable[DeliveryRow] = (),
    ) -> list[int]:
        """Commits buffered bookkeeping in one transaction.

        Returns:
            The ids of `alerts`, in order: an alert is handed to the sender only once its row
            is committed, and its deliveries name it by this id.

        Raises:
            MarketTimeWentBack: an equity point or a log line is stamped before the newest one
                in the ledger (nothing of the flush is committed).

        `resume` may ride here, not with the fills: it is a cache of them, and losing the
        newest one costs only a longer replay at the next start. `feed_status` (the JSON of
        `feed_status.FeedStatus`) replaces the `meta` row `health` and `status` read it from;
        `resources` (the JSON of `monitor.resources.ResourceStatus`) likewise.
        """
        rows = Flush(
            list(events),
            marks,
            scores,
            list(equity),
            heartbeat,
            usage,
            resume,
            feed_status,
            resources,
        )
        with self._tx.transaction(durable=False) as c:
            check_in_order(
                c, equity=[p.ts for p in rows.equity], events=[e.ts for e in rows.events]
            )
            write_flush(c, rows)
            insert_deliveries(c, deliveries)
            return insert_alerts(c, alerts)

    def set_strategies(self, rows: Iterable[StrategyRow]) -> None:
        """Records which strategies this session runs, whether each may trade, and why."""
        with self._tx.transaction(durable=False) as c:
            write_strategies(c, rows)

    def set_strategy(self, row: StrategyRow, events: Sequence[EventRow] = ()) -> None:
        """Commits an operator's toggle of one strategy with its log lines."""

        def write(c: sqlite3.Connection) -> None:
            check_in_order(c, events=[e.ts for e in events])
            write_strategies(c, (row,))
            insert_events(c, events)

        self._tx.durably(write)

    def strategies(self) -> list[StrategyRow]:
        """Returns the strategies the sessions on this ledger ran, as the last one left them."""
        return read_strategy_rows(self._conn)

    def record_session(
        self, *, wall_start: float, api_note: str, market_start: float | None = None
    ) -> None:
        """Records when this session started (wall time, and market time) and why it makes no
        API calls, if it makes none, so `watch` shows this session's API usage, or that note,
        and its equity curve, as the engine does.
        """
        with self._tx.transaction(durable=False) as c:
            write_session(c, wall_start=wall_start, api_note=api_note, market_start=market_start)

    def start_session(self, start: SessionStart) -> int:
        """Records a session's start (version, mode, source, effective config); returns the
        id `end_session` takes."""
        with self._tx.transaction(durable=False) as c:
            return insert_session(c, start)

    def end_session(self, session_id: int, *, wall_ts: float, error: str | None) -> None:
        """Records how a session ended: clean (`error` None) or crashed with `error`."""
        with self._tx.transaction(durable=False) as c:
            close_session(
                c, session_id, wall_ts=wall_ts, crashed=error is not None, error=error or ""
            )

    # -- reads the engine needs at start ------------------------------------------------------

    def fills(self, *, after_id: int = 0) -> Iterator[StoredFill]:
        """Yields the fills with id > `after_id` (all by default) in commit order."""
        return read_fills(self._conn, after_id=after_id)

    def fees_since(self, ts: float) -> int:
        """Micro-USDC of fees of the fills at or after market time `ts`."""
        return read_fees_since(self._conn, ts)

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
        return count_orders(self._conn)

    def equity_points(self, *, after_ts: float | None = None) -> list[EquityPoint]:
        """Returns the equity curve (the points after `after_ts`, if given), oldest first."""
        return read_equity(self._conn, after_ts=after_ts)

    def equity_thinned(self, size: int) -> ThinnedEquity:
        """Returns the whole equity curve as a chart of `size` keeps it."""
        return read_equity_thinned(self._conn, size)

    def entry_reason(self, mint: str, opened_ts: float) -> str:
        """Returns what the strategy said when it opened the position in `mint` ("" unknown)."""
        return read_entry_reason(self._conn, mint, opened_ts)

    def market_times(self) -> MarketTimes:
        """Returns the newest time stamps of the fills, equity points and events."""
        return read_market_times(self._conn)

    def last_alert_ts(self, rule: str) -> float | None:
        """Returns when the newest alert of `rule` was raised (wall time), or None."""
        return last_alert_ts(self._conn, rule)

    def day_start_equity(self, day_start_ts: float) -> EquityPoint | None:
        """Returns the last equity point before `day_start_ts`, else the first one, else None."""
        return read_last_equity_before(self._conn, day_start_ts) or read_first_equity(self._conn)


def _close_quietly(conn: sqlite3.Connection | None, checking: IntegrityCheck | None) -> None:
    if conn is not None:
        conn.close()
    if checking is not None:
        with suppress(LedgerError):  # its connection must be closed too; its verdict is moot
            checking.wait()


__all__ = ["Ledger", "LedgerError", "LedgerWriteFailed"]
