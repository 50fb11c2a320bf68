"""Provides `status`: a summary read from the ledger alone, as JSON or a rich table.

It works beside a running engine: the connection is read-only, reads are short, and WAL
lets them proceed while the engine commits.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from soltrader_tui import __version__
from soltrader_tui import format as fmt
from soltrader_tui.domain import Mode, TradingState
from soltrader_tui.ledger.connect import check_integrity, open_reader, read_transaction
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError
from soltrader_tui.ledger.lock import engine_running
from soltrader_tui.ledger.log_reads import read_denials, recent_events
from soltrader_tui.ledger.position_reads import read_entry_reason, read_equity_thinned
from soltrader_tui.ledger.reads import (
    SessionRow,
    read_feed_status,
    read_fees_since,
    read_first_equity,
    read_heartbeat,
    read_last_equity_before,
    read_marks,
    read_meta,
    read_resources,
    read_resume,
    read_scores,
    read_session,
    read_strategy_rows,
    read_trading_state,
)
from soltrader_tui.ledger.rows import EquityPoint, Heartbeat, MarkRow, iso
from soltrader_tui.ledger.usage_reads import api_usage, minute_key
from soltrader_tui.market.feed_status import FeedStatus
from soltrader_tui.market.feed_status import from_json as feed_from_json
from soltrader_tui.monitor.resources import from_json as resources_from_json
from soltrader_tui.monitor.resources import machine_line
from soltrader_tui.monitor.slippage_view import live_figure, live_line, live_summary
from soltrader_tui.monitor.views import SnapshotContext, build_snapshot, fill_view
from soltrader_tui.portfolio.codec import CodecError, decode_portfolio
from soltrader_tui.portfolio.equity_series import CHART_POINTS, EquitySeries
from soltrader_tui.portfolio.portfolio import Portfolio
from soltrader_tui.portfolio.replay import Replayed, replay
from soltrader_tui.risk.breakers import DAY_S, utc_day
from soltrader_tui.snapshot import (
    LOG_LINES,
    ApiView,
    EngineSnapshot,
    LogLine,
    PositionView,
    ScoreView,
)

if TYPE_CHECKING:
    from soltrader_tui.config.model import RiskConfig

NO_API_CALLS = (
    "no API calls recorded in this ledger (an accelerated or replay session reads its market "
    "in-process)"
)
"""What the API panel says instead of a row of dashes when the ledger holds no usage at all
(a ledger from before sessions recorded their own note)."""
NO_CALLS_YET = "no API calls recorded in this session yet"
"""What it says when the latest session makes API calls but none is recorded yet."""
RECENT_FILLS = 20
"""Fills a report lists by default (the dashboard's `tui.recent_fills` asks for its own)."""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What the ledger says, and how fresh the engine's proof of life is."""

    snapshot: EngineSnapshot
    heartbeat: Heartbeat | None
    heartbeat_age_s: float | None
    ledger: Path
    replayed: Replayed | None = None
    """The replay behind the figures (always set by `read_status`); pass it to the next
    `read_status` to replay only what is new."""
    feed: FeedStatus | None = None
    """What the engine last wrote about its feed: circuits, stale tokens, refused prices."""
    live: dict[str, Any] | None = None
    """The live swaps' totals against their paper twins (`slippage_view.live_summary`);
    None when the ledger holds no live swap."""


def read_status(
    path: Path,
    *,
    now_wall: float | None = None,
    since: Replayed | None = None,
    risk: RiskConfig | None = None,
    recent_fills: int = RECENT_FILLS,
    checked: bool = False,
) -> StatusReport:
    """Reads a status report from a ledger file, in one short read transaction.

    Without `since` every fill is replayed: `status` is an independent check of the engine's
    figures. A reader that asks again and again passes the previous report's `replayed`, and
    only what was committed since is replayed (see `status_replay`). A full read runs SQLite's
    quick_check first, unless the caller has just run it on this file (`checked`).

    The snapshot is built by the engine's own builder (`views.build_snapshot`) from the same
    inputs, read from the ledger: with the config's `risk` limits, every figure the engine's
    dashboard shows is here too (`watch` passes them); without them, those show as "—".

    Raises:
        LedgerError: the file is missing, not a ledger, damaged, or newer.
    """
    conn = open_reader(path)
    try:
        if since is None and not checked:
            # A full read is an independent check: a damaged page it happens not to read must
            # not pass as a healthy ledger (`run` and `health` would refuse it).
            check_integrity(conn, path)
        alive = _engine_alive(path)
        wall = time.time() if now_wall is None else now_wall
        with read_transaction(conn):  # one consistent view of every table
            return _read(conn, path, wall, alive, since, risk, recent_fills)
    except sqlite3.DatabaseError as exc:
        # A page the read reached is damaged (quick_check may have passed before it was).
        raise LedgerDamaged(f"{path} is damaged: {exc}") from exc
    finally:
        conn.close()


def _engine_alive(path: Path) -> bool | None:
    """Whether an engine holds the ledger's lock; None when the lock cannot be probed."""
    try:
        return engine_running(path)
    except OSError:
        return None


def _read(
    conn: sqlite3.Connection,
    path: Path,
    now_wall: float,
    alive: bool | None,
    since: Replayed | None,
    risk: RiskConfig | None,
    recent_fills: int,
) -> StatusReport:
    meta = read_meta(conn)
    if "starting_cash_micro" not in meta:
        raise LedgerError(
            f"{path}: the meta table has no starting_cash_micro; soltrader-tui did not write it"
        )
    # Not the engine's saved replay: `status` is the independent check of it.
    replayed = replay(conn, int(meta["starting_cash_micro"]), since)
    portfolio, recent = replayed.portfolio, replayed.recent
    _high_waters(conn, portfolio)
    mark_rows = read_marks(conn)
    marks = {mint: m.price_usd for mint, m in mark_rows.items()}
    heartbeat = read_heartbeat(conn)
    session = read_session(conn)
    api = _api(conn, None if session is None else session.wall_start)
    feed = feed_from_json(read_feed_status(conn))
    live = live_summary(conn)
    ctx = replace(
        _context(conn, meta, replayed, heartbeat, session, alive),
        stale_mints=frozenset(() if feed is None else (t.mint for t in feed.stale)),
        mark_ts={mint: m.ts for mint, m in mark_rows.items()},
        entry_reasons={
            mint: read_entry_reason(conn, mint, p.opened_ts)
            for mint, p in portfolio.positions.items()
        },
        equity_session=_session_equity(conn, replayed, session),
        equity_history=replayed.chart.values(),
        live_vs_paper=live_figure(live),
    )
    snapshot = build_snapshot(
        ctx,
        portfolio,
        marks,
        risk=risk,
        recent_fills=[
            fill_view(f, why, pnl) for f, why, pnl in list(reversed(recent))[:recent_fills]
        ],
        scores=_scores(conn, mark_rows),
        api=api,
        log=_log(conn),
    )
    age = None if heartbeat is None else max(0.0, now_wall - heartbeat.wall_ts)
    return StatusReport(snapshot, heartbeat, age, path, replayed, feed, live)


def _session_equity(
    conn: sqlite3.Connection, replayed: Replayed, session: SessionRow | None
) -> tuple[float, ...]:
    """The latest session's equity points as its engine charts them; () when its start in
    market time is not recorded. Read once per session, then carried on by the replay."""
    start = None if session is None else session.market_start
    if start is None:
        return ()
    if replayed.session_chart is None or replayed.session_start != start:
        thinned = read_equity_thinned(conn, CHART_POINTS, start)
        replayed.session_chart = EquitySeries.resume(CHART_POINTS, thinned)
        replayed.session_start = start
    return replayed.session_chart.values()


def _context(
    conn: sqlite3.Connection,
    meta: dict[str, str],
    replayed: Replayed,
    heartbeat: Heartbeat | None,
    session: SessionRow | None,
    alive: bool | None,
) -> SnapshotContext:
    """What the snapshot needs besides the fills and marks, read as the engine wrote it."""
    state = read_trading_state(conn)
    strategies = read_strategy_rows(conn)
    market_ts = heartbeat.market_ts if heartbeat else None
    day_start = _day_start_equity(conn, market_ts, replayed)
    return SnapshotContext(
        version=heartbeat.version if heartbeat else meta.get("created_by_version", ""),
        mode=cast(Mode, heartbeat.mode if heartbeat else meta.get("mode", "paper")),
        trading_state=TradingState(state.state) if state else TradingState.ACTIVE,
        state_reason=state.reason if state else "new ledger",
        market_ts=market_ts,
        max_drawdown_pct=replayed.curve.max_drawdown_pct,
        strategies_enabled={r.name: r.enabled for r in strategies},
        entry_thresholds={
            r.name: r.entry_threshold for r in strategies if r.entry_threshold is not None
        },
        # The lock is the truth about a running engine; a killed one leaves running=1 behind.
        running=alive if alive is not None else bool(heartbeat and heartbeat.running),
        risk_rejections=read_denials(conn),
        api_note=NO_API_CALLS if session is None else session.api_note or NO_CALLS_YET,
        day_start_equity_micro=None if day_start is None else day_start.equity_micro,
        fees_today_micro=None
        if market_ts is None
        else read_fees_since(conn, utc_day(market_ts) * DAY_S),
        peak_equity_micro=replayed.curve.peak_micro,
        machine=_machine(conn, alive),
    )


def _machine(conn: sqlite3.Connection, alive: bool | None) -> str:
    """The header's health line from the engine's last resource row (`watch`'s header)."""
    status = resources_from_json(read_resources(conn)) if alive else None
    if status is None:
        return ""
    woke, away = status.last_sleep_wall, status.last_sleep_s
    return machine_line(
        status.sample,
        status.loop_lag_ms,
        None if woke is None or away is None else (woke, away),
        time.time(),
    )


def _day_start_equity(
    conn: sqlite3.Connection, market_ts: float | None, replayed: Replayed
) -> EquityPoint | None:
    """The equity point the day's P&L counts from: the last one before the market day began."""
    day_ts = market_ts if market_ts is not None else replayed.last_equity_ts
    if day_ts is None:
        return None
    return read_last_equity_before(conn, utc_day(day_ts) * DAY_S) or read_first_equity(conn)


def _high_waters(conn: sqlite3.Connection, portfolio: Portfolio) -> None:
    """Takes each open position's high-water mark (its trailing stop) from the engine's saved
    replay: prices between fills are not in the fills, and the engine saves it as it moves."""
    if not portfolio.positions:
        return
    stored = read_resume(conn)
    if stored is None:
        return
    try:
        saved = decode_portfolio(stored.point.portfolio).positions
    except CodecError:
        return  # a damaged save: the stop shown is then the fixed one, as after a restart
    for mint, pos in portfolio.positions.items():
        held = saved.get(mint)
        if held is not None and (held.opened_ts, held.qty) == (pos.opened_ts, pos.qty):
            pos.high_water_usd = held.high_water_usd


def _scores(conn: sqlite3.Connection, marks: dict[str, MarkRow]) -> list[ScoreView]:
    out = []
    for r in read_scores(conn):
        mark = marks.get(r.mint)
        price, liquidity = (None, None) if mark is None else (mark.price_usd, mark.liquidity_usd)
        out.append(ScoreView(r.strategy, r.mint, r.symbol, r.score, r.reason, price, liquidity))
    return out


def _api(conn: sqlite3.Connection, since_wall: float | None) -> list[ApiView]:
    """Usage per provider: the latest session's (from its first wall minute), as the engine's
    panel shows it, or the whole ledger's when sessions did not say when they started."""
    since = "" if since_wall is None else minute_key(since_wall)
    return [
        ApiView(u.provider, u.calls, u.errors, u.rate_limited, u.p95_ms)
        for u in api_usage(conn, since=since)
    ]


def _log(conn: sqlite3.Connection) -> list[LogLine]:
    rows = list(recent_events(conn, LOG_LINES))
    return [LogLine(e.id, e.ts, e.level, e.message) for e in reversed(rows)]


def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(x, digits)


def status_json(report: StatusReport) -> dict[str, Any]:
    """Returns the `status --json` object (the contract in DESIGN.md)."""
    s = report.snapshot
    out = {
        "version": __version__,
        "engine_version": report.heartbeat.version if report.heartbeat else None,
        "ledger": str(report.ledger),
        "mode": s.mode,
        "trading_state": s.trading_state.value,
        "trading_state_reason": s.state_reason,
        "starting_cash_usd": _r(s.starting_cash_usd),
        "equity_usd": _r(s.equity_usd),
        "cash_usd": _r(s.cash_usd),
        "realized_pnl_usd": _r(s.realized_pnl_usd),
        "fees_today_usd": _r(s.fees_today_usd),
        "unrealized_pnl_usd": _r(s.unrealized_pnl_usd),
        "win_rate": s.win_rate,
        "round_trips": s.round_trips,
        "wins": s.wins,
        "losses": s.losses,
        "fills": s.fills,
        "max_drawdown_pct": _r(s.max_drawdown_pct, 4),
        "risk_rejections": dict(s.risk_rejections),
        "open_positions": [_position_json(p) for p in s.positions],
        "strategies": [
            {
                "name": v.name,
                "enabled": v.enabled,
                "score": v.score,
                "round_trips": v.round_trips,
                "realized_pnl_usd": _r(v.realized_pnl_usd),
                "win_rate": v.win_rate,
            }
            for v in s.strategies
        ],
        "api": [
            {
                "provider": a.provider,
                "calls": a.calls,
                "errors": a.errors,
                "rate_limited": a.rate_limited,
                "p95_ms": a.p95_ms,
            }
            for a in s.api
        ],
        "engine_running": s.running,
        "market_ts": s.market_ts,
        "heartbeat_age_s": _r(report.heartbeat_age_s, 3),
        "live": report.live,  # null until a live session has sent a swap
    }
    return _with_feed(out, report)


def _position_json(p: PositionView) -> dict[str, Any]:
    return {
        "mint": p.mint,
        "symbol": p.symbol,
        "qty": p.qty,
        "avg_cost": p.avg_cost_usd,
        "mark": p.mark_usd,
        "unrealized_pnl_usd": _r(p.unrealized_pnl_usd),
    }


def _with_feed(out: dict[str, Any], report: StatusReport) -> dict[str, Any]:
    """Adds the feed's fields to `status --json`: each `api` entry's `circuit`, `next_probe`
    (ISO time, or null) and `recent_failures` by kind, then `stale_tokens` and
    `price_refusals`.

    What the engine last wrote; with no engine running, circuits are null and no token is
    called stale (nothing is polling).
    """
    s, feed = report.snapshot, report.feed
    live = feed if s.running else None
    providers = {} if live is None else {p.provider: p for p in live.providers}
    for entry in out["api"]:
        p = providers.get(entry["provider"])
        probe = None if p is None else p.next_probe_wall
        entry["circuit"] = None if p is None else p.circuit
        entry["next_probe"] = None if probe is None else iso(probe)
        entry["recent_failures"] = {} if p is None else dict(p.recent_failures)
    now = None if live is None else live.market_ts
    stale = [
        {
            "mint": t.mint,
            "symbol": t.symbol,
            "last_price_ts": t.last_price_ts,
            "last_price_age_s": None
            if now is None or t.last_price_ts is None
            else _r(max(0.0, now - t.last_price_ts), 3),
        }
        for t in (() if live is None else live.stale)
    ]
    out["stale_tokens"] = stale
    out["price_refusals"] = {} if feed is None else dict(feed.refusals)
    return out


def render_status(report: StatusReport) -> Any:
    """Returns a rich renderable of the report for the plain `status` command."""
    from rich.console import Group

    s = report.snapshot
    return Group(_summary_table(report), _positions_table(s), _strategies_table(s), _api_table(s))


def _summary_table(report: StatusReport) -> Any:
    from rich.table import Table

    s = report.snapshot
    summary = Table(title=f"soltrader-tui {__version__} — {report.ledger}", show_header=False)
    age = report.heartbeat_age_s
    drawdown = s.max_drawdown_pct  # already in percent, `pct` takes a fraction
    rows = [
        ("Mode", s.mode.upper()),
        ("Trading state", f"{s.trading_state.value.upper()} ({s.state_reason})"),
        (
            "Engine",
            ("running" if s.running else "stopped")
            + ("" if age is None else f", heartbeat {age:,.1f} s ago"),
        ),
        ("Equity", fmt.usd(s.equity_usd)),
        ("Cash", fmt.usd(s.cash_usd)),
        ("Starting cash", fmt.usd(s.starting_cash_usd)),
        ("Realized P&L", fmt.usd(s.realized_pnl_usd)),
        ("Unrealized P&L", fmt.usd(s.unrealized_pnl_usd)),
        ("Win rate", f"{fmt.pct(s.win_rate)} ({s.wins} W / {s.losses} L of {s.round_trips})"),
        ("Fills", fmt.count(s.fills)),
        ("Max drawdown", fmt.pct(None if drawdown is None else drawdown / 100, digits=2)),
    ]
    if report.live is not None:
        rows.append(("Live vs paper", live_line(report.live)))
    for label, value in rows:
        summary.add_row(label, value)
    return summary


def _positions_table(s: EngineSnapshot) -> Any:
    from rich.table import Table

    positions = Table(title="Open positions")
    for col in ("Symbol", "Qty", "Avg cost", "Mark", "Unrealized"):
        positions.add_column(col)
    for p in s.positions:
        positions.add_row(
            p.symbol,
            fmt.quantity(p.qty, p.decimals),
            fmt.price(p.avg_cost_usd),
            fmt.price(p.mark_usd),
            fmt.usd(p.unrealized_pnl_usd),
        )
    return positions


def _strategies_table(s: EngineSnapshot) -> Any:
    from rich.table import Table

    strategies = Table(title="Strategies")
    for col in ("Name", "Enabled", "Best score", "Round trips", "Realized", "Win rate"):
        strategies.add_column(col)
    for v in s.strategies:
        strategies.add_row(
            v.name,
            "yes" if v.enabled else "no",
            fmt.score(v.score),
            fmt.count(v.round_trips),
            fmt.usd(v.realized_pnl_usd),
            fmt.pct(v.win_rate),
        )
    return strategies


def _api_table(s: EngineSnapshot) -> Any:
    from rich.table import Table

    api = Table(title="API usage")
    for col in ("Provider", "Calls", "Errors", "429s", "p95 ms"):
        api.add_column(col)
    for a in s.api:
        api.add_row(
            a.provider,
            fmt.count(a.calls),
            fmt.count(a.errors),
            fmt.count(a.rate_limited),
            fmt.millis(a.p95_ms),
        )
    if not s.api:
        api.add_row(*[fmt.MISSING] * 5)
        api.caption = s.api_note
    return api
