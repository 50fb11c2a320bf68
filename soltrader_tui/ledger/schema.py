"""Provides the ledger's schema and its forward-only migrations.

`PRAGMA user_version` is the schema version. Each migration takes the database from
version N-1 to N inside one transaction; a new ledger gets every version and its meta rows in
a single one. A migration that reshapes a table imports sqlite-utils itself and uses
`sqlite_utils.Database(conn)[table].transform(...)`; the others do not pay for its import (a
twentieth of a second at every first start).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

Migration = Callable[[sqlite3.Connection], None]

_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    client_order_id TEXT NOT NULL UNIQUE,
    ts              TEXT NOT NULL,
    mint            TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    in_amount       INTEGER NOT NULL CHECK (in_amount > 0),
    strategy        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('filled', 'rejected')),
    detail          TEXT NOT NULL DEFAULT '',
    mode            TEXT NOT NULL CHECK (mode IN ('backtest', 'paper', 'live'))
);
CREATE TABLE fills (
    id           INTEGER PRIMARY KEY,
    ts           TEXT NOT NULL,
    order_id     TEXT NOT NULL UNIQUE,
    mint         TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    decimals     INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 18),
    side         TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty          INTEGER NOT NULL CHECK (qty > 0),
    price        REAL NOT NULL CHECK (price > 0),
    quote_amount INTEGER NOT NULL CHECK (quote_amount > 0),
    fee          INTEGER NOT NULL CHECK (fee >= 0),
    strategy     TEXT NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('backtest', 'paper', 'live')),
    ts_epoch     REAL NOT NULL,
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE trading_state (
    id     INTEGER PRIMARY KEY,
    ts     TEXT NOT NULL,
    state  TEXT NOT NULL CHECK (state IN ('active', 'paused', 'halted')),
    reason TEXT NOT NULL,
    actor  TEXT NOT NULL
);
CREATE TABLE equity (
    ts_epoch     REAL PRIMARY KEY,
    ts           TEXT NOT NULL,
    equity_micro INTEGER NOT NULL,
    cash_micro   INTEGER NOT NULL
);
CREATE TABLE marks (
    mint          TEXT PRIMARY KEY,
    symbol        TEXT NOT NULL,
    decimals      INTEGER NOT NULL,
    price         REAL NOT NULL,
    liquidity_usd REAL,
    ts            TEXT NOT NULL,
    ts_epoch      REAL NOT NULL
);
CREATE TABLE strategies (
    name    TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL
);
CREATE TABLE strategy_scores (
    strategy TEXT NOT NULL,
    mint     TEXT NOT NULL,
    symbol   TEXT NOT NULL,
    score    REAL,
    reason   TEXT NOT NULL,
    ts       TEXT NOT NULL,
    PRIMARY KEY (strategy, mint)
);
CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    ts      TEXT NOT NULL,
    level   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE heartbeat (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    wall_ts   REAL NOT NULL,
    market_ts REAL,
    pid       INTEGER NOT NULL,
    version   TEXT NOT NULL,
    mode      TEXT NOT NULL,
    running   INTEGER NOT NULL
);
CREATE TABLE api_usage (
    provider     TEXT NOT NULL,
    minute       TEXT NOT NULL,
    calls        INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL,
    p50_ms       REAL,
    p95_ms       REAL,
    PRIMARY KEY (provider, minute)
);
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2(conn: sqlite3.Connection) -> None:
    # Requests from other processes (`soltrader-tui stop`, `resume`) and the dashboard,
    # answered by the engine that holds the ledger.
    conn.execute(
        """
        CREATE TABLE control_requests (
            id       INTEGER PRIMARY KEY,
            ts       TEXT NOT NULL,
            command  TEXT NOT NULL CHECK (command IN ('stop', 'pause', 'resume')),
            actor    TEXT NOT NULL,
            status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
            result   TEXT NOT NULL DEFAULT '',
            done_ts  TEXT
        )
        """
    )


def _v3(conn: sqlite3.Connection) -> None:
    # Start-up reads a saved replay instead of replaying every fill, and the recent-fills panel
    # reads what each sell realized instead of replaying for it.
    conn.execute("ALTER TABLE fills ADD COLUMN realized_micro INTEGER")
    conn.execute(
        """
        CREATE TABLE resume_point (
            id             INTEGER PRIMARY KEY CHECK (id = 1),
            last_fill_id   INTEGER NOT NULL,
            last_equity_ts REAL,
            portfolio      TEXT NOT NULL,
            curve          TEXT NOT NULL,
            ts             TEXT NOT NULL
        )
        """
    )
    # Denial counts are read at every start; without it that is a scan of the whole log.
    conn.execute("CREATE INDEX events_kind ON events (kind)")
    _backfill_realized(conn)


def _backfill_realized(conn: sqlite3.Connection) -> None:
    """Stores with each sell of an older ledger what it realized, at average cost.

    Raises:
        LedgerError: the fills do not add up (a sell of more than is held); names the fill.
    """
    from soltrader_tui.ledger.errors import LedgerError
    from soltrader_tui.ledger.reads import read_fills
    from soltrader_tui.ledger.realized import AverageCost, FillsDoNotAddUp

    book = AverageCost()
    realized: list[tuple[int, int]] = []
    for stored in read_fills(conn):
        try:
            pnl = book.realized(stored.fill)
        except FillsDoNotAddUp as exc:
            raise LedgerError(f"the ledger's fills do not add up: {exc}") from exc
        if pnl is not None:
            realized.append((pnl, stored.id))
    conn.executemany("UPDATE fills SET realized_micro = ? WHERE id = ?", realized)


RULED_KINDS = ("denied", "refused")
"""Log lines about a rule (a risk rule denied an entry, a gate rule refused a price): their
`rule` column names it."""


def _v4(conn: sqlite3.Connection) -> None:
    # The rule of a denial or a refused price gets a column of its own: older versions wrote it
    # into the kind ('denied:max_positions'), and readers split it back out.
    conn.execute("ALTER TABLE events ADD COLUMN rule TEXT")
    for kind in RULED_KINDS:
        # A range, not LIKE: it uses the index on kind (';' sorts right after ':').
        conn.execute(
            "UPDATE events SET rule = substr(kind, ?), kind = ? WHERE kind >= ? AND kind < ?",
            (len(kind) + 2, kind, f"{kind}:", f"{kind};"),
        )
    # Denials are counted per rule at every start and every `status`: one index answers it.
    conn.execute("DROP INDEX events_kind")
    conn.execute("CREATE INDEX events_kind_rule ON events (kind, rule)")


def _v5(conn: sqlite3.Connection) -> None:
    # A strategy toggled at runtime stays toggled until the config changes: the row keeps the
    # config's value from when the session started beside the value in force. The entry
    # threshold lets `watch` and `status` say why nothing is being bought, as the engine does.
    conn.execute("ALTER TABLE strategies ADD COLUMN config_enabled INTEGER")
    conn.execute("ALTER TABLE strategies ADD COLUMN entry_threshold REAL")
    # Strategy toggles travel as control requests too (from `watch`), naming their strategy.
    # SQLite cannot widen a CHECK in place: the table is rebuilt with its rows.
    conn.execute(
        """
        CREATE TABLE control_requests_v5 (
            id       INTEGER PRIMARY KEY,
            ts       TEXT NOT NULL,
            command  TEXT NOT NULL
                     CHECK (command IN ('stop', 'pause', 'resume', 'enable', 'disable')),
            actor    TEXT NOT NULL,
            status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
            result   TEXT NOT NULL DEFAULT '',
            done_ts  TEXT,
            target   TEXT
        )
        """
    )
    conn.execute(
        "INSERT INTO control_requests_v5 (id, ts, command, actor, status, result, done_ts) "
        "SELECT id, ts, command, actor, status, result, done_ts FROM control_requests"
    )
    conn.execute("DROP TABLE control_requests")
    conn.execute("ALTER TABLE control_requests_v5 RENAME TO control_requests")


def _v6(conn: sqlite3.Connection) -> None:
    # Each alert is recorded before it is sent, and each delivery attempt's outcome after, so
    # `health` and the dashboard can say which target failed. A delivery names its target by
    # a label with no secret in it: secrets live in the environment, never in the ledger.
    conn.execute(
        """
        CREATE TABLE alerts (
            id       INTEGER PRIMARY KEY,
            ts       TEXT NOT NULL,
            rule     TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            title    TEXT NOT NULL,
            body     TEXT NOT NULL,
            count    INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1)
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE alert_deliveries (
            id       INTEGER PRIMARY KEY,
            alert_id INTEGER REFERENCES alerts (id),
            target   TEXT NOT NULL,
            status   TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'dropped')),
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            error    TEXT NOT NULL DEFAULT '',
            ts       TEXT NOT NULL
        )
        """
    )
    conn.execute("CREATE INDEX alert_deliveries_target ON alert_deliveries (target, id)")


def _v7(conn: sqlite3.Connection) -> None:
    # One row per engine session, so `journal` can say which version ran in which mode, how
    # each session ended, and which config keys changed between two. `ended` stays NULL until
    # the session closes: a row without it, and no engine holding the ledger, was killed.
    # `config` is the effective config as JSON, dotted key to value: an `*_env` key holds the
    # variable's name only, and an alert target's URL is stored masked, so no secret is kept.
    # Sessions before this version are read from their "session started" log lines.
    conn.execute(
        """
        CREATE TABLE sessions (
            id      INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            pid     INTEGER NOT NULL,
            version TEXT NOT NULL,
            mode    TEXT NOT NULL,
            source  TEXT NOT NULL,
            config  TEXT NOT NULL,
            ended   TEXT,
            ending  TEXT CHECK (ending IN ('clean', 'crashed')),
            error   TEXT NOT NULL DEFAULT ''
        )
        """
    )


def _v8(conn: sqlite3.Connection) -> None:
    # A position's close travels as a control request too (from `watch`), naming its mint: a
    # close without one could sell nothing, so the table refuses it. SQLite cannot widen a
    # CHECK in place: the table is rebuilt with its rows and their ids.
    conn.execute(
        """
        CREATE TABLE control_requests_v8 (
            id       INTEGER PRIMARY KEY,
            ts       TEXT NOT NULL,
            command  TEXT NOT NULL
                     CHECK (command IN ('stop', 'pause', 'resume', 'enable', 'disable', 'close')),
            actor    TEXT NOT NULL,
            status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
            result   TEXT NOT NULL DEFAULT '',
            done_ts  TEXT,
            target   TEXT,
            CHECK (command <> 'close' OR target IS NOT NULL)
        )
        """
    )
    conn.execute(
        "INSERT INTO control_requests_v8 "
        "(id, ts, command, actor, status, result, done_ts, target) "
        "SELECT id, ts, command, actor, status, result, done_ts, target FROM control_requests"
    )
    conn.execute("DROP TABLE control_requests")
    conn.execute("ALTER TABLE control_requests_v8 RENAME TO control_requests")


_V9_ORDERS = """
CREATE TABLE orders_v9 (
    id              INTEGER PRIMARY KEY,
    client_order_id TEXT NOT NULL UNIQUE,
    ts              TEXT NOT NULL,
    mint            TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    in_amount       INTEGER NOT NULL CHECK (in_amount > 0),
    strategy        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL
                    CHECK (status IN ('filled', 'rejected', 'expired', 'failed')),
    detail          TEXT NOT NULL DEFAULT '',
    mode            TEXT NOT NULL CHECK (mode IN ('backtest', 'paper', 'live'))
)
"""
_V9_SWAPS = """
CREATE TABLE swaps (
    id                      INTEGER PRIMARY KEY,
    client_order_id         TEXT NOT NULL UNIQUE,
    ts                      TEXT NOT NULL,
    ts_epoch                REAL NOT NULL,
    mint                    TEXT NOT NULL,
    symbol                  TEXT NOT NULL,
    decimals                INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 18),
    side                    TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    in_amount               INTEGER NOT NULL CHECK (in_amount > 0),
    strategy                TEXT NOT NULL,
    reason                  TEXT NOT NULL,
    detail                  TEXT NOT NULL DEFAULT '',
    signature               TEXT NOT NULL UNIQUE,
    last_valid_block_height INTEGER NOT NULL,
    request_id              TEXT NOT NULL,
    route                   TEXT NOT NULL CHECK (route IN ('jupiter', 'rpc')),
    signed_tx               BLOB NOT NULL,
    quoted_out              INTEGER NOT NULL,
    min_out                 INTEGER NOT NULL,
    sol_usd                 REAL NOT NULL CHECK (sol_usd > 0),
    decided_wall            REAL NOT NULL,
    signed_wall             REAL NOT NULL,
    twin_qty                INTEGER,
    twin_quote_amount       INTEGER,
    twin_fee                INTEGER,
    twin_price              REAL,
    twin_note               TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL DEFAULT 'sent'
                            CHECK (status IN ('sent', 'landed', 'failed', 'expired')),
    outcome                 TEXT NOT NULL DEFAULT '',
    settled_wall            REAL,
    slot                    INTEGER,
    fee_lamports            INTEGER,
    sol_spent_lamports      INTEGER,
    fill_id                 INTEGER
)
"""


def _v9(conn: sqlite3.Connection) -> None:
    # Live swaps. An order may now also end `expired` (its blockhash passed before it landed)
    # or `failed` (it landed and the chain refused it: the network fee was still paid); the
    # table is rebuilt with its rows and ids, since SQLite cannot widen a CHECK in place.
    # `swaps` holds each live order's signed transaction, committed before it is sent, so an
    # outcome a crash left unknown is resolved by its signature, never by sending a second swap
    # (the same bytes may be sent again: one signature lands once). The paper twin is the fill
    # the paper executor would have made from the same quote at the same moment.
    conn.execute(_V9_ORDERS)
    columns = (
        "id, client_order_id, ts, mint, symbol, side, in_amount, strategy, reason, status, "
        "detail, mode"
    )
    conn.execute(f"INSERT INTO orders_v9 ({columns}) SELECT {columns} FROM orders")
    conn.execute("DROP TABLE orders")
    conn.execute("ALTER TABLE orders_v9 RENAME TO orders")
    conn.execute(_V9_SWAPS)
    conn.execute("CREATE INDEX swaps_status ON swaps (status)")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9)
"""MIGRATIONS[i] takes the schema from version i to i + 1."""

SCHEMA_VERSION = len(MIGRATIONS)

REQUIRED_TABLES = frozenset(
    {
        "meta",
        "orders",
        "fills",
        "trading_state",
        "equity",
        "marks",
        "strategies",
        "strategy_scores",
        "events",
        "heartbeat",
        "api_usage",
    }
)
"""Tables of the first schema; later versions add to them (see `tables_at`)."""

_ADDED_AT = {
    2: frozenset({"control_requests"}),
    3: frozenset({"resume_point"}),
    6: frozenset({"alerts", "alert_deliveries"}),
    7: frozenset({"sessions"}),
    9: frozenset({"swaps"}),
}


def tables_at(version: int) -> frozenset[str]:
    """Returns the tables a ledger of schema `version` must have."""
    tables = set(REQUIRED_TABLES)
    for added_in, names in _ADDED_AT.items():
        if version >= added_in:
            tables |= names
    return frozenset(tables)


def backup_path(ledger: Path, from_version: int, to_version: int, ts: float) -> Path:
    """Returns where the copy taken before a migration goes: beside the ledger."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(ts))
    return ledger.with_name(f"{ledger.stem}.v{from_version}-before-v{to_version}-{stamp}.sqlite")


def migrate(
    conn: sqlite3.Connection,
    ledger: Path | None = None,
    seed: Callable[[sqlite3.Connection], None] | None = None,
) -> tuple[int, int]:
    """Brings the schema up to SCHEMA_VERSION.

    A new ledger (schema 0) is created in one transaction together with `seed` (its meta
    rows), so a reader polling the file sees either nothing or a whole ledger, never tables
    without their starting cash. An existing ledger (schema > 0) is first copied with SQLite's
    online backup API beside itself, so a migration can never cost the user their history,
    then migrated one transaction per version, and then `seed` runs in a transaction of its
    own: it must only fill in what is missing.

    Returns:
        The versions before and after.
    """
    before = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if 0 < before < SCHEMA_VERSION and ledger is not None:
        copy = sqlite3.connect(backup_path(ledger, before, SCHEMA_VERSION, time.time()))
        try:
            conn.backup(copy)
        finally:
            copy.close()
    if before == 0:
        _in_transaction(conn, _create(seed))
    else:
        for version in range(before, SCHEMA_VERSION):
            _in_transaction(conn, _step(version))
        if seed is not None:
            _in_transaction(conn, seed)
    return before, SCHEMA_VERSION


def _create(seed: Callable[[sqlite3.Connection], None] | None) -> Migration:
    def create(conn: sqlite3.Connection) -> None:
        for version in range(SCHEMA_VERSION):
            _step(version)(conn)
        if seed is not None:
            seed(conn)

    return create


def _step(version: int) -> Migration:
    def step(conn: sqlite3.Connection) -> None:
        MIGRATIONS[version](conn)
        conn.execute(f"PRAGMA user_version = {version + 1}")

    return step


def _in_transaction(conn: sqlite3.Connection, work: Migration) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        work(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
