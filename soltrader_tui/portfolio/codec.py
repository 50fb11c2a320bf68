"""Provides the text form of a portfolio and an equity curve, saved so a start need not replay.

Pure: JSON text in and out, no I/O. Decoding checks every field, so a damaged or foreign text
is refused (`CodecError`) and the caller falls back to replaying the fills.
"""

from __future__ import annotations

import json
import math
from typing import Any

from soltrader_tui.domain import Token
from soltrader_tui.errors import LedgerUnusable
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.portfolio import (
    Portfolio,
    PortfolioError,
    Position,
    RoundTrip,
    StrategyStats,
)

FORMAT = 1
"""Bumped when the text's shape changes; a text of another format is refused, not guessed at."""


class CodecError(LedgerUnusable, ValueError):
    """A saved text that does not decode to a valid portfolio or curve."""


def encode_portfolio(portfolio: Portfolio) -> str:
    """Returns `portfolio` as text, high-water marks of open positions included."""
    return json.dumps(
        {
            "format": FORMAT,
            "starting_cash_micro": portfolio.starting_cash_micro,
            "cash_micro": portfolio.cash_micro,
            "realized_micro": portfolio.realized_micro,
            "fill_count": portfolio.fill_count,
            "round_trips": portfolio.round_trips,
            "wins": portfolio.wins,
            "positions": [
                [
                    p.token.mint,
                    p.token.symbol,
                    p.token.decimals,
                    p.qty,
                    p.cost_micro,
                    p.opened_ts,
                    p.strategy,
                    p.trip_realized_micro,
                    p.high_water_usd,
                ]
                for p in portfolio.positions.values()
            ],
            "strategies": [
                [name, s.round_trips, s.wins, s.realized_micro]
                for name, s in portfolio.strategy_stats.items()
            ],
            "recent_trips": [
                [t.mint, t.symbol, t.strategy, t.opened_ts, t.closed_ts, t.realized_micro]
                for t in portfolio.recent_trips
            ],
        },
        separators=(",", ":"),
    )


def decode_portfolio(text: str) -> Portfolio:
    """Rebuilds the portfolio `encode_portfolio` saved.

    Raises:
        CodecError: the text is not a saved portfolio of this format, naming what is wrong.
    """
    data = _object(text, "portfolio")
    try:
        portfolio = Portfolio(_int(data["starting_cash_micro"], "starting_cash_micro"))
    except (KeyError, PortfolioError) as exc:
        raise CodecError(f"saved portfolio: no valid starting cash ({exc})") from exc
    try:
        portfolio.cash_micro = _int(data["cash_micro"], "cash_micro")
        portfolio.realized_micro = _int(data["realized_micro"], "realized_micro")
        portfolio.fill_count = _int(data["fill_count"], "fill_count")
        portfolio.round_trips = _int(data["round_trips"], "round_trips")
        portfolio.wins = _int(data["wins"], "wins")
        for row in _rows(data["positions"], "positions", 9):
            position = _position(row)
            portfolio.positions[position.token.mint] = position
        for name, trips, wins, realized in _rows(data["strategies"], "strategies", 4):
            portfolio.strategy_stats[_str(name, "strategies")] = StrategyStats(
                _int(trips, "strategies"), _int(wins, "strategies"), _int(realized, "strategies")
            )
        for mint, symbol, strategy, opened, closed, realized in _rows(
            data["recent_trips"], "recent_trips", 6
        ):
            portfolio.recent_trips.append(
                RoundTrip(
                    _str(mint, "recent_trips"),
                    _str(symbol, "recent_trips"),
                    _str(strategy, "recent_trips"),
                    _float(opened, "recent_trips"),
                    _float(closed, "recent_trips"),
                    _int(realized, "recent_trips"),
                )
            )
    except KeyError as exc:
        raise CodecError(f"saved portfolio: missing {exc.args[0]!r}") from exc
    if not 0 <= portfolio.wins <= portfolio.round_trips or portfolio.fill_count < 0:
        raise CodecError("saved portfolio: its counts do not add up")
    return portfolio


def encode_curve(curve: EquityCurve) -> str:
    """Returns the equity curve's running figures as text."""
    peak, last, max_drawdown = curve.saved()
    return json.dumps({"format": FORMAT, "peak": peak, "last": last, "max_dd": max_drawdown})


def decode_curve(text: str) -> EquityCurve:
    """Rebuilds the curve `encode_curve` saved.

    Raises:
        CodecError: the text is not a saved curve of this format.
    """
    data = _object(text, "curve")
    try:
        peak, last, max_dd = data["peak"], data["last"], data["max_dd"]
    except KeyError as exc:
        raise CodecError(f"saved curve: missing {exc.args[0]!r}") from exc
    return EquityCurve(
        None if peak is None else _int(peak, "peak"),
        None if last is None else _int(last, "last"),
        None if max_dd is None else _float(max_dd, "max_dd"),
    )


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise CodecError(f"saved {what} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CodecError(f"saved {what} is not a JSON object")
    if data.get("format") != FORMAT:
        raise CodecError(f"saved {what} has format {data.get('format')!r}, not {FORMAT}")
    return data


def _position(row: list[Any]) -> Position:
    mint, symbol, decimals, qty, cost, opened, strategy, trip_realized, high_water = row
    position = Position(
        token=Token(_str(mint, "positions"), _str(symbol, "positions"), _int(decimals, "decimals")),
        qty=_int(qty, "qty"),
        cost_micro=_int(cost, "cost_micro"),
        opened_ts=_float(opened, "opened_ts"),
        strategy=_str(strategy, "positions"),
        trip_realized_micro=_int(trip_realized, "trip_realized_micro"),
        high_water_usd=None if high_water is None else _float(high_water, "high_water_usd"),
    )
    if position.qty <= 0:
        raise CodecError(f"saved portfolio: position {position.token.mint} has qty {position.qty}")
    return position


def _rows(value: Any, field: str, width: int) -> list[list[Any]]:
    if not isinstance(value, list) or not all(
        isinstance(row, list) and len(row) == width for row in value
    ):
        raise CodecError(f"saved portfolio: {field} is not a list of {width}-item rows")
    return value


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"saved {field}: expected an integer, got {value!r}")
    return value


def _float(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CodecError(f"saved {field}: expected a finite number, got {value!r}")
    return float(value)


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise CodecError(f"saved {field}: expected text, got {value!r}")
    return value
