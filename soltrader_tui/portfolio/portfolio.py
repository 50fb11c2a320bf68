"""Provides the portfolio: fills in, positions, cash, P&L and win rate out.

Pure and synchronous: no I/O, no clock. The engine's portfolio is a cache of the ledger,
so `Portfolio.replay(start, ledger_fills).state()` must equal the live portfolio's state.
Money follows DESIGN.md: cash, cost and realized P&L are exact integers in micro-USDC;
token quantities are integers in base units; prices are floats used only for marks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from soltrader_tui.domain import MICRO, Fill, Token, micro_to_usd
from soltrader_tui.errors import OperationalError

MAX_MICRO = 2**63 - 1
"""Largest micro-USDC amount the ledger's integer columns hold."""
RECENT_TRIPS_MAX = 100
"""How many closed round trips `Portfolio.recent_trips` keeps (older ones are counted only)."""


class PortfolioError(OperationalError, ValueError):
    """A fill the portfolio cannot apply; the portfolio is left unchanged."""


@dataclass(slots=True)
class Position:
    """One open position, from its first buy until it is flat again."""

    token: Token
    qty: int
    """Base units held; always > 0 while the position is open."""
    cost_micro: int
    """Total cost basis of `qty`, micro-USDC, buy fees included."""
    opened_ts: float
    """Time of the buy that opened it, unix seconds."""
    strategy: str
    """The strategy whose buy opened it; its round trip is credited to this strategy."""
    trip_realized_micro: int = 0
    """Micro-USDC realized by partial sells so far in this round trip."""
    high_water_usd: float | None = None
    """Highest mark seen while open, for trailing exits; kept by the risk engine, not fills."""

    @property
    def avg_cost_usd(self) -> float:
        """Average cost, USD per whole token, buy fees included."""
        return micro_to_usd(self.cost_micro) / self.token.to_whole(self.qty)

    def value_micro(self, mark_usd: float) -> int | None:
        """Returns qty × `mark_usd` (USD per whole token) in micro-USDC, to the nearest micro.

        None when the mark is not a finite number or the value would not fit the ledger's
        integers: no mark, however absurd, may crash the equity computation.
        """
        value = self.qty * mark_usd * MICRO / float(10**self.token.decimals)
        if not -MAX_MICRO <= value <= MAX_MICRO:  # also false for NaN
            return None
        return round(value)


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A position from flat to flat."""

    mint: str
    symbol: str
    strategy: str
    opened_ts: float
    closed_ts: float
    realized_micro: int
    """Realized P&L of every sell in the trip, micro-USDC, all fees included."""

    @property
    def won(self) -> bool:
        """True when the trip made money (> 0); breakeven counts as a loss."""
        return self.realized_micro > 0


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What applying one fill did."""

    realized_micro: int | None
    """P&L the fill realized (sells); None for buys."""
    closed: RoundTrip | None
    """The round trip the fill closed, if it left the position flat."""


@dataclass(slots=True)
class StrategyStats:
    """Results credited to one strategy: the positions its buys opened."""

    round_trips: int = 0
    wins: int = 0
    realized_micro: int = 0
    """Realized P&L of every sell of positions this strategy opened, closed or not."""

    @property
    def win_rate(self) -> float | None:
        """Wins / closed round trips; None with no closed trips."""
        return self.wins / self.round_trips if self.round_trips else None


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """Everything the fills determine, for comparing a live portfolio with a replay."""

    starting_cash_micro: int
    cash_micro: int
    realized_micro: int
    fill_count: int
    round_trips: int
    wins: int
    positions: tuple[tuple[str, int, int, float, str, int], ...]
    """(mint, qty, cost_micro, opened_ts, strategy, trip_realized_micro), sorted by mint."""
    strategies: tuple[tuple[str, int, int, int], ...]
    """(name, round_trips, wins, realized_micro), sorted by name."""
    recent_trips: tuple[RoundTrip, ...]


class Portfolio:
    """Cash, open positions and realized results, built by applying fills in order.

    Realized P&L uses average cost with buy fees in the cost: selling q of Q base units
    removes `cost × q // Q` of cost (all of it when q == Q, so nothing is left over) and
    realizes `(quote_amount − fee) − removed cost`.
    """

    __slots__ = (
        "cash_micro",
        "fill_count",
        "positions",
        "realized_micro",
        "recent_trips",
        "round_trips",
        "starting_cash_micro",
        "strategy_stats",
        "wins",
    )

    def __init__(self, starting_cash_micro: int) -> None:
        """Creates an empty portfolio.

        Args:
            starting_cash_micro: Opening cash, micro-USDC.

        Raises:
            PortfolioError: If the starting cash is negative.
        """
        if starting_cash_micro < 0:
            raise PortfolioError(
                f"starting cash must not be negative, got {starting_cash_micro} micro-USDC"
            )
        self.starting_cash_micro = starting_cash_micro
        self.cash_micro = starting_cash_micro
        self.realized_micro = 0
        self.positions: dict[str, Position] = {}
        """Open positions by mint. Read it; change it only through `apply`."""
        self.fill_count = 0
        self.round_trips = 0
        """Closed round trips."""
        self.wins = 0
        self.strategy_stats: dict[str, StrategyStats] = {}
        """Results by the name of the strategy that opened the positions."""
        self.recent_trips: deque[RoundTrip] = deque(maxlen=RECENT_TRIPS_MAX)
        """The newest closed round trips, oldest first, bounded."""

    @classmethod
    def replay(cls, starting_cash_micro: int, fills: Iterable[Fill]) -> Portfolio:
        """Builds a portfolio by applying `fills` in order to fresh cash.

        Args:
            starting_cash_micro: Opening cash, micro-USDC.
            fills: Fills in the order they happened (the ledger's id order).

        Returns:
            The resulting portfolio.

        Raises:
            PortfolioError: If a fill cannot be applied (see `apply`).
        """
        portfolio = cls(starting_cash_micro)
        for fill in fills:
            portfolio.apply(fill)
        return portfolio

    @property
    def losses(self) -> int:
        """Closed round trips that did not make money (breakeven included)."""
        return self.round_trips - self.wins

    @property
    def win_rate(self) -> float | None:
        """Wins / closed round trips; None with no closed trips."""
        return self.wins / self.round_trips if self.round_trips else None

    def apply(self, fill: Fill) -> FillEffect:
        """Applies one fill to cash, positions and results.

        Args:
            fill: The fill, as recorded in the ledger.

        Returns:
            The P&L the fill realized and the round trip it closed, if any.

        Raises:
            PortfolioError: If the fill is invalid or sells more than is held; the
                portfolio is unchanged.
        """
        self._check(fill)
        self.fill_count += 1
        self.cash_micro += fill.cash_delta
        if fill.side == "buy":
            self._buy(fill)
            return FillEffect(realized_micro=None, closed=None)
        return self._sell(fill)

    def state(self) -> PortfolioState:
        """Returns everything the fills determine, comparable with `==`."""
        positions = tuple(
            (mint, p.qty, p.cost_micro, p.opened_ts, p.strategy, p.trip_realized_micro)
            for mint, p in sorted(self.positions.items())
        )
        strategies = tuple(
            (name, s.round_trips, s.wins, s.realized_micro)
            for name, s in sorted(self.strategy_stats.items())
        )
        return PortfolioState(
            starting_cash_micro=self.starting_cash_micro,
            cash_micro=self.cash_micro,
            realized_micro=self.realized_micro,
            fill_count=self.fill_count,
            round_trips=self.round_trips,
            wins=self.wins,
            positions=positions,
            strategies=strategies,
            recent_trips=tuple(self.recent_trips),
        )

    def exposure_micro(self, marks: Mapping[str, float]) -> int | None:
        """Returns the value of all open positions at `marks`.

        Args:
            marks: USD per whole token, by mint.

        Returns:
            Σ qty × mark in micro-USDC (each position rounded to the nearest micro), or
            None if an open position has no finite mark.
        """
        total = 0
        # A plain loop: this runs on every snapshot, so no intermediate lists.
        for mint, position in self.positions.items():
            mark = marks.get(mint)
            value = None if mark is None else position.value_micro(mark)
            if value is None:
                return None
            total += value
        return None if total > MAX_MICRO else total

    def equity_micro(self, marks: Mapping[str, float]) -> int | None:
        """Returns cash plus the value of open positions at `marks`.

        Args:
            marks: USD per whole token, by mint.

        Returns:
            Equity in micro-USDC, or None if an open position has no finite mark.
        """
        exposure = self.exposure_micro(marks)
        return None if exposure is None else self.cash_micro + exposure

    def unrealized_micro(self, marks: Mapping[str, float]) -> int | None:
        """Returns the open positions' value at `marks` minus their cost basis.

        Args:
            marks: USD per whole token, by mint.

        Returns:
            Unrealized P&L in micro-USDC, or None if an open position has no finite mark.
        """
        exposure = self.exposure_micro(marks)
        if exposure is None:
            return None
        return exposure - sum(position.cost_micro for position in self.positions.values())

    def _check(self, fill: Fill) -> None:
        """Raises PortfolioError if `fill` cannot be applied; changes nothing."""
        where = f"fill {fill.order_id!r} ({fill.side} {fill.token.symbol})"
        if fill.side not in ("buy", "sell"):
            raise PortfolioError(f"{where}: side must be 'buy' or 'sell', got {fill.side!r}")
        if fill.qty <= 0:
            raise PortfolioError(f"{where}: qty must be positive, got {fill.qty}")
        if fill.quote_amount <= 0:
            raise PortfolioError(
                f"{where}: quote_amount must be positive, got {fill.quote_amount} micro-USDC"
            )
        if fill.fee < 0:
            raise PortfolioError(f"{where}: fee must not be negative, got {fill.fee} micro-USDC")
        position = self.positions.get(fill.token.mint)
        if position is not None and position.token.decimals != fill.token.decimals:
            raise PortfolioError(
                f"{where}: token {fill.token.mint} has {fill.token.decimals} decimals, "
                f"but the open position has {position.token.decimals}"
            )
        if fill.side == "sell":
            if position is None:
                raise PortfolioError(f"{where}: no open position in {fill.token.mint}")
            if fill.qty > position.qty:
                raise PortfolioError(
                    f"{where}: sells {fill.qty} base units but only {position.qty} are held"
                )

    def _buy(self, fill: Fill) -> None:
        cost = fill.quote_amount + fill.fee
        position = self.positions.get(fill.token.mint)
        if position is not None:
            position.qty += fill.qty
            position.cost_micro += cost
            return
        self.positions[fill.token.mint] = Position(
            token=fill.token,
            qty=fill.qty,
            cost_micro=cost,
            opened_ts=fill.ts,
            strategy=fill.strategy,
        )
        # Registered on open so a strategy with open positions but no closed trip is listed.
        self.strategy_stats.setdefault(fill.strategy, StrategyStats())

    def _sell(self, fill: Fill) -> FillEffect:
        position = self.positions[fill.token.mint]
        if fill.qty == position.qty:
            removed = position.cost_micro
        else:
            removed = position.cost_micro * fill.qty // position.qty
        realized = fill.quote_amount - fill.fee - removed
        position.qty -= fill.qty
        position.cost_micro -= removed
        position.trip_realized_micro += realized
        self.realized_micro += realized
        stats = self.strategy_stats.setdefault(position.strategy, StrategyStats())
        stats.realized_micro += realized
        if position.qty:
            return FillEffect(realized_micro=realized, closed=None)

        del self.positions[fill.token.mint]
        trip = RoundTrip(
            mint=position.token.mint,
            symbol=position.token.symbol,
            strategy=position.strategy,
            opened_ts=position.opened_ts,
            closed_ts=fill.ts,
            realized_micro=position.trip_realized_micro,
        )
        self.round_trips += 1
        stats.round_trips += 1
        if trip.won:
            self.wins += 1
            stats.wins += 1
        self.recent_trips.append(trip)
        return FillEffect(realized_micro=realized, closed=trip)
