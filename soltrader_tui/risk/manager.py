"""Provides RiskDesk: the engine's use of the pure risk rules, with the state they need.

It sizes and checks every entry, finds the exit rule of every held position each tick, feeds
the circuit breakers, and counts denials per rule for the screen and `status`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from soltrader_tui.config.model import PaperConfig, RiskConfig
from soltrader_tui.domain import MarketTick, TradingState, usd_to_micro
from soltrader_tui.portfolio.portfolio import FillEffect, Portfolio, Position
from soltrader_tui.risk import (
    BreakerEvent,
    Breakers,
    BreakerTripped,
    Denial,
    EntryRequest,
    EntrySize,
    ExitPolicy,
    ExitRule,
    RiskBook,
    check_entry,
    size_entry,
    update_high_water,
)


@dataclass(frozen=True, slots=True)
class EquityHistory:
    """What the breakers need of the recorded equity curve to carry on after a restart."""

    last_ts: float
    """Time of the newest equity point."""
    day_start_equity_micro: int
    """Equity at the start of that point's UTC day: the last point of an earlier day, or the
    first point ever when there is none."""
    peak_equity_micro: int
    """Highest equity ever recorded."""


class RiskDesk:
    """Risk state of one session: book, exit policy, breakers and denial counts."""

    def __init__(self, risk: RiskConfig, paper: PaperConfig) -> None:
        self._config = risk
        self._fee_bps = paper.swap_fee_bps
        self._network_fee = usd_to_micro(paper.network_fee_usd)
        self.book = RiskBook()
        self.exits = ExitPolicy.from_config(risk)
        self.breakers = Breakers(risk)
        self.rejections: Counter[str] = Counter()
        """Denied entries per rule, since the session started."""

    def restore(self, portfolio: Portfolio, equity: EquityHistory | None) -> None:
        """Continues the breakers and the pace limits from the ledger's history."""
        trips = list(portfolio.recent_trips)
        losses = [(t.mint, t.closed_ts) for t in trips if not t.won]
        streak = 0
        for trip in reversed(trips):
            if trip.won:
                break
            streak += 1
        entries = [p.opened_ts for p in portfolio.positions.values()]
        self.book.note_history(entries, losses)
        if equity is not None:
            self.breakers.restore(
                day_start_equity_micro=equity.day_start_equity_micro,
                day_start_ts=equity.last_ts,
                peak_equity_micro=equity.peak_equity_micro,
                losses_in_a_row=streak,
            )

    def size(
        self, tick: MarketTick, portfolio: Portfolio, marks: Mapping[str, float]
    ) -> EntrySize | Denial:
        """Sizes an entry to fit the amount limits, syncing the book with the portfolio first."""
        self.book.sync(
            portfolio.cash_micro,
            {
                mint: _value_or_cost(pos, marks.get(mint))
                for mint, pos in portfolio.positions.items()
            },
        )
        return size_entry(
            tick.token.mint,
            tick.token.symbol,
            self.book,
            self._config,
            swap_fee_bps=self._fee_bps,
            network_fee_micro=self._network_fee,
        )

    def check(
        self,
        tick: MarketTick,
        size: EntrySize,
        state: TradingState,
        impact_bps: float | None,
        listed_ts: float | None,
    ) -> Denial | None:
        """Runs every pre-trade rule on a sized entry."""
        request = EntryRequest(
            mint=tick.token.mint,
            symbol=tick.token.symbol,
            ts=tick.ts,
            cost_micro=size.cost_micro,
            state=state,
            liquidity_usd=tick.liquidity_usd,
            price_impact_bps=impact_bps,
            listed_ts=listed_ts,
        )
        return check_entry(request, self.book, self._config)

    def deny(self, denial: Denial) -> None:
        """Counts a denial under its rule."""
        self.rejections[denial.rule.value] += 1

    def exit_rule(self, pos: Position, price_usd: float, now: float) -> ExitRule | None:
        """Updates the position's high-water mark and returns the exit that fires, if any."""
        pos.high_water_usd = update_high_water(pos.high_water_usd, price_usd)
        return self.exits.reason(
            price_usd, pos.avg_cost_usd, pos.high_water_usd, pos.opened_ts, now
        )

    def held_too_long(self, pos: Position, now: float) -> bool:
        """True when the position has reached the holding limit (a rule that needs no price)."""
        return now - pos.opened_ts >= self.exits.max_hold_s

    def after_fill(
        self, side: str, mint: str, ts: float, effect: FillEffect
    ) -> BreakerTripped | None:
        """Records an entry or a closed round trip; returns a breaker it trips."""
        if side == "buy":
            self.book.note_entry(ts)
            return None
        if effect.closed is None:
            return None
        if effect.closed.realized_micro <= 0:
            self.book.note_loss(mint, ts)
        return self.breakers.on_round_trip(effect.closed.realized_micro, ts)

    def on_equity(self, equity_micro: int, ts: float) -> BreakerEvent | None:
        """Feeds an equity point to the breakers; returns a trip or the daily reset."""
        return self.breakers.on_equity(equity_micro, ts)


def _value_or_cost(pos: Position, mark: float | None) -> int:
    """A position's value at its mark; its cost when it has no usable mark."""
    value = None if mark is None else pos.value_micro(mark)
    return pos.cost_micro if value is None else value
