"""Provides the engine's fast start from the ledger, and the check that keeps it honest.

DESIGN rule 1: the engine's portfolio is a cache of the ledger and must equal a replay of its
fills. Replaying 100,000 fills costs most of a second, so the engine saves its replay with its
bookkeeping (`ResumePoint`: the portfolio after fill N, the equity curve through time T) and a
start replays only the fills after N and the equity points after T. A saved replay that does
not decode, or whose fill count disagrees with the ledger's, is not used. One that is used is
then checked against a full replay in a thread (`verify`); if they differ, the engine logs it
and rebuilds its portfolio from the fills.

The equity curve is order-dependent (drawdown from the running peak) and its truth is the
points in time order; a session whose clock starts before the last recorded point (an
accelerated run on a reused ledger) saves no curve, so the next start rebuilds it in time order.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from pathlib import Path

from soltrader_tui.ledger.connect import open_reader
from soltrader_tui.ledger.reads import read_fills
from soltrader_tui.ledger.rows import ResumePoint
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.portfolio.codec import (
    CodecError,
    decode_curve,
    decode_portfolio,
    encode_curve,
    encode_portfolio,
)
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.portfolio import Portfolio, PortfolioError, PortfolioState
from soltrader_tui.portfolio.replay import Replayed, advance

CANCEL_EVERY_FILLS = 2000
"""Fills replayed between two looks at the cancel flag, so a stopping engine waits little."""


@dataclass(frozen=True, slots=True)
class SavedReplay:
    """A saved replay a start began from, as saved: what `verify` checks."""

    last_fill_id: int
    state: PortfolioState


@dataclass(slots=True)
class Restored:
    """The portfolio and equity curve a start rebuilt from the ledger."""

    portfolio: Portfolio
    curve: EquityCurve
    last_fill_id: int
    """The id of the newest fill the portfolio includes (0 on a ledger with no fills)."""
    last_equity_ts: float | None
    """Time of the newest equity point the curve includes."""
    saved: SavedReplay | None
    """The saved replay the start began from; None after a full replay."""
    note: str | None
    """Why a saved replay was there but not used, for the log."""


def restore(ledger: Ledger, *, use_saved: bool = True) -> Restored:
    """Rebuilds the portfolio and equity curve: from the saved replay plus newer fills when it
    can be trusted, else from every fill.

    Raises:
        PortfolioError: a fill in the ledger cannot be applied.
    """
    portfolio, curve = Portfolio(ledger.starting_cash_micro), EquityCurve()
    after_id, after_ts, saved, note = 0, None, None, None
    stored = ledger.resume() if use_saved else None
    if stored is not None:
        point = stored.point
        try:
            candidate, candidate_curve = _decode(point, ledger.starting_cash_micro)
            if candidate.fill_count != stored.covered_fills:
                raise CodecError(
                    f"it covers {candidate.fill_count} fills, the ledger holds "
                    f"{stored.covered_fills} up to fill {point.last_fill_id}"
                )
        except CodecError as exc:
            note = f"the saved portfolio was not used ({exc}); every fill was replayed"
        else:
            portfolio, curve = candidate, candidate_curve
            after_id, after_ts = point.last_fill_id, point.last_equity_ts
            saved = SavedReplay(after_id, portfolio.state())
    done = advance(
        Replayed(portfolio, curve=curve, last_fill_id=after_id, last_equity_ts=after_ts),
        ledger.fills(after_id=after_id),
        ledger.equity_points(after_ts=after_ts),
    )
    return Restored(done.portfolio, done.curve, done.last_fill_id, done.last_equity_ts, saved, note)


def _decode(point: ResumePoint, starting_cash_micro: int) -> tuple[Portfolio, EquityCurve]:
    portfolio = decode_portfolio(point.portfolio)
    if portfolio.starting_cash_micro != starting_cash_micro:
        raise CodecError(
            f"it starts from {portfolio.starting_cash_micro} micro-USDC, "
            f"the ledger from {starting_cash_micro}"
        )
    return portfolio, decode_curve(point.curve)


def resume_point(
    portfolio: Portfolio, curve: EquityCurve, last_fill_id: int, last_equity_ts: float | None
) -> ResumePoint:
    """Returns what to save so the next start can begin after fill `last_fill_id`."""
    return ResumePoint(
        last_fill_id, last_equity_ts, encode_portfolio(portfolio), encode_curve(curve)
    )


def verify(
    path: Path, saved: SavedReplay, starting_cash_micro: int, cancel: threading.Event
) -> tuple[str, ...] | None:
    """Replays the ledger's fills up to the saved replay's last one, on a read-only connection
    of its own (safe in a thread beside the engine), and compares the portfolios.

    Returns:
        The PortfolioState fields that differ (or why the fills did not replay): empty when
        they agree; None when `cancel` was set before the replay finished.

    Raises:
        LedgerError: the ledger cannot be opened for reading.
    """
    conn = open_reader(path)
    try:
        portfolio = Portfolio(starting_cash_micro)
        fills = read_fills(conn, through_id=saved.last_fill_id)
        for n, stored in enumerate(fills):
            if n % CANCEL_EVERY_FILLS == 0 and cancel.is_set():
                return None
            try:
                portfolio.apply(stored.fill)
            except PortfolioError as exc:
                return (f"the fills do not replay: {exc}",)
    finally:
        conn.close()
    replayed = portfolio.state()
    return tuple(
        f.name
        for f in fields(PortfolioState)
        if getattr(saved.state, f.name) != getattr(replayed, f.name)
    )
