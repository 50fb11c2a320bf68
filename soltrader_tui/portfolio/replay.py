"""Provides the one replay of a ledger: the portfolio, recent fills and equity curve rebuilt
from its rows, from scratch or from where a previous replay stopped: a reader that asks again
and again (`watch`), or the engine's start from its saved replay (`resume`).

A cached replay is only carried on while it still describes the start of the ledger's history:
the fill count up to its last fill and the number of equity points must match, else (a restored
checkpoint, points written out of time order) it is rebuilt from scratch.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from soltrader_tui.domain import Fill, micro_to_usd
from soltrader_tui.ledger.reads import (
    StoredFill,
    count_equity,
    count_fills_through,
    read_equity,
    read_fills,
)
from soltrader_tui.ledger.rows import EquityPoint
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.equity_series import CHART_POINTS, EquitySeries
from soltrader_tui.portfolio.portfolio import Portfolio

RECENT_FILLS = 1000
"""Fills a replay keeps, newest last: as many as `tui.recent_fills` may ask for."""

RecentFill = tuple[Fill, str, int | None]
"""A fill, its reason and the P&L the replay says it realized."""


@dataclass(slots=True)
class Replayed:
    """A replay of a ledger's fills and equity points, as far as `last_fill_id`/`points`."""

    portfolio: Portfolio
    recent: deque[RecentFill] = field(default_factory=lambda: deque(maxlen=RECENT_FILLS))
    last_fill_id: int = 0
    curve: EquityCurve = field(default_factory=EquityCurve)
    last_equity_ts: float | None = None
    points: int = 0
    """Equity points the curve includes."""
    chart: EquitySeries = field(default_factory=lambda: EquitySeries(CHART_POINTS))
    """The curve thinned for the dashboard's chart: the whole curve when the replay started
    from the ledger's first point (`status`, `watch`), so it grows with each read."""
    session_start: float | None = None
    """Market time the session `session_chart` follows started at."""
    session_chart: EquitySeries | None = None
    """That session's points thinned for its chart, once a reader started it (see
    `monitor.ledger_view`); advanced with the rest."""


def replay(conn: sqlite3.Connection, start_cash: int, since: Replayed | None = None) -> Replayed:
    """Replays the ledger's fills and equity curve, carrying on from `since` when it still fits.

    Returns:
        The replay (`since` itself, brought up to date, when it was carried on).
    """
    fills = since if since is not None and _fills_fit(conn, start_cash, since) else None
    if fills is None:
        fills = Replayed(Portfolio(start_cash))
    new = read_equity(conn, after_ts=fills.last_equity_ts)
    if fills.points + len(new) != count_equity(conn):
        # An older point arrived: only a rebuild of the curve, in time order, is in order.
        fills.curve, fills.points, fills.last_equity_ts = EquityCurve(), 0, None
        fills.chart, fills.session_chart = EquitySeries(CHART_POINTS), None
        new = read_equity(conn)
    return advance(fills, read_fills(conn, after_id=fills.last_fill_id), new)


def advance(
    replayed: Replayed, fills: Iterable[StoredFill], points: Iterable[EquityPoint]
) -> Replayed:
    """Carries a replay on: applies `fills` (those after its last fill, in commit order) to its
    portfolio and `points` (those after its last equity point, in time order) to its curve.

    The one replay of "fills after N plus equity after T", behind `status`, `watch` and the
    engine's start (`resume.restore`).

    Returns:
        `replayed` itself, brought up to date.

    Raises:
        PortfolioError: a fill cannot be applied.
    """
    portfolio, recent = replayed.portfolio, replayed.recent
    for stored in fills:
        effect = portfolio.apply(stored.fill)
        recent.append((stored.fill, stored.reason, effect.realized_micro))
        replayed.last_fill_id = stored.id
    session, start = replayed.session_chart, replayed.session_start
    for point in points:
        replayed.curve.update(point.equity_micro)
        replayed.last_equity_ts = point.ts
        replayed.points += 1
        usd = micro_to_usd(point.equity_micro)
        replayed.chart.add(usd)
        if session is not None and start is not None and point.ts >= start:
            session.add(usd)
    return replayed


def _fills_fit(conn: sqlite3.Connection, start_cash: int, since: Replayed) -> bool:
    portfolio = since.portfolio
    if portfolio.starting_cash_micro != start_cash:
        return False
    return count_fills_through(conn, since.last_fill_id) == portfolio.fill_count
