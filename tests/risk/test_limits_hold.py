"""Property tests: whatever the signals and prices, obeying check_entry keeps every limit."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.risk import EntryRequest, EntrySize, RiskBook, check_entry, size_entry
from tests.factories import mint_for
from tests.risk import NOW, risk_config, usd

SYMBOLS = ("SOL", "BONK", "WIF", "JUP", "POPCAT")
FEE_BPS = 25.0
NETWORK_FEE = 1_000

Follow = Literal["sync", "record"]

Buy = tuple[Literal["buy"], int, float | None, float, float]
"""(kind, token, raw cost in USD or None to let size_entry size it, liquidity, impact)"""
Move = tuple[Literal["move"], int, float]
Sell = tuple[Literal["sell"], int]
Wait = tuple[Literal["wait"], float]
Step = Buy | Move | Sell | Wait

buys = st.tuples(
    st.just("buy"),
    st.integers(0, len(SYMBOLS) - 1),
    st.none() | st.floats(0.01, 600),
    # Mostly a deep pool and a small impact, so most buys reach the size and exposure rules.
    st.just(1e6) | st.just(1e6) | st.floats(0, 100_000),
    st.just(10.0) | st.just(10.0) | st.floats(0, 300),
)
steps = st.one_of(
    buys,
    buys,
    st.tuples(st.just("move"), st.integers(0, len(SYMBOLS) - 1), st.floats(0.05, 8)),
    st.tuples(st.just("sell"), st.integers(0, len(SYMBOLS) - 1)),
    st.tuples(st.just("wait"), st.floats(0, 90)),
)
configs = st.builds(
    lambda order, pos, pct, n, token, total, per_hour, cool: risk_config(
        order_usd=order,
        min_order_usd=min(5.0, order, pos),
        max_position_usd=pos,
        max_position_pct=pct,
        max_open_positions=n,
        max_token_exposure_usd=token,
        max_total_exposure_usd=total,
        max_entries_per_hour=per_hour,
        loss_cooldown_minutes=cool,
        min_pool_age_minutes=0,
    ),
    st.floats(1, 300),
    st.floats(1, 300),
    st.floats(1, 100),
    st.integers(1, 5),
    st.floats(1, 300),
    st.floats(1, 600),
    st.integers(1, 10),
    st.floats(0, 60),
)


@dataclass
class Account:
    """The test's own ledger: cash and each position's cost and value at its mark."""

    cash: int
    cost: dict[str, int] = field(default_factory=dict)
    value: dict[str, int] = field(default_factory=dict)
    entries: deque[float] = field(default_factory=deque)
    losses: dict[str, float] = field(default_factory=dict)

    @property
    def equity(self) -> int:
        return self.cash + sum(self.value.values())


class Run:
    """Plays steps against an account, letting check_entry decide every buy."""

    def __init__(self, config: RiskConfig, cash: int, follow: Follow) -> None:
        self.config = config
        self.account = Account(cash)
        self.book = RiskBook(cash)
        self.follow = follow
        self.ts = NOW

    def play(self, step: Step) -> None:
        if step[0] == "wait":
            self.ts += step[1] * 60
        elif step[0] == "move":
            self.move(mint_for(SYMBOLS[step[1]]), step[2])
        elif step[0] == "sell":
            self.sell(mint_for(SYMBOLS[step[1]]))
        else:
            self.buy(step)
        self.ts += 1.0
        self.check_always()

    def move(self, mint: str, factor: float) -> None:
        if mint in self.account.value:
            self.account.value[mint] = round(self.account.value[mint] * factor)
            if self.follow == "record":
                self.book.revalue(mint, self.account.value[mint])

    def sell(self, mint: str) -> None:
        account = self.account
        if mint not in account.value:
            return
        proceeds = max(0, account.value.pop(mint) - NETWORK_FEE)
        realized = proceeds - account.cost.pop(mint)
        account.cash += proceeds
        if realized <= 0:
            account.losses[mint] = self.ts
        if self.follow == "record":
            self.book.record_exit(mint, self.ts, proceeds, realized)
        elif realized <= 0:
            self.book.note_loss(mint, self.ts)  # history is the one thing sync cannot bring

    def buy(self, step: Buy) -> None:
        _, index, raw_cost, liquidity, impact = step
        mint, account, config = mint_for(SYMBOLS[index]), self.account, self.config
        if self.follow == "sync":
            self.book.sync(account.cash, account.value)
        if raw_cost is None:
            sized = size_entry(
                mint, "T", self.book, config, swap_fee_bps=FEE_BPS, network_fee_micro=NETWORK_FEE
            )
            if not isinstance(sized, EntrySize):
                return
            cost, in_micro = sized.cost_micro, sized.in_micro
        else:
            cost = usd(raw_cost)
            in_micro = max(1, cost - NETWORK_FEE)
        request = EntryRequest(
            mint, "T", self.ts, cost, TradingState.ACTIVE, liquidity, impact, None
        )
        if check_entry(request, self.book, config) is not None:
            return
        equity_before, total_before = account.equity, sum(account.value.values())
        account.cash -= cost
        account.cost[mint] = cost
        account.value[mint] = in_micro
        account.entries.append(self.ts)
        if self.follow == "record":
            self.book.record_entry(mint, self.ts, cost)
            self.book.revalue(mint, in_micro)
        else:
            self.book.note_entry(self.ts)
        self.check_entry_kept_limits(mint, cost, equity_before, total_before, liquidity, impact)

    def check_entry_kept_limits(
        self,
        mint: str,
        cost: int,
        equity_before: int,
        total_before: int,
        liquidity: float,
        impact: float,
    ) -> None:
        config, account = self.config, self.account
        assert cost <= usd(config.max_position_usd)
        assert cost * 100 <= config.max_position_pct * equity_before
        assert account.value[mint] <= usd(config.max_token_exposure_usd)
        assert total_before + cost <= usd(config.max_total_exposure_usd)
        assert sum(account.value.values()) <= usd(config.max_total_exposure_usd)
        assert liquidity >= config.min_liquidity_usd
        assert impact <= config.max_price_impact_bps
        in_hour = [t for t in account.entries if t > self.ts - 3600]
        assert len(in_hour) <= config.max_entries_per_hour
        lost = account.losses.get(mint)
        assert lost is None or self.ts - lost >= config.loss_cooldown_minutes * 60

    def check_always(self) -> None:
        assert len(self.account.value) <= self.config.max_open_positions
        assert self.account.cash >= 0


class TestLimitsHold:
    """No sequence of signals and prices takes the account past a position, exposure or count
    limit, whether the book is synced from the portfolio or kept by recording fills."""

    @pytest.mark.parametrize("follow", ["sync", "record"])
    @settings(max_examples=150, deadline=None)
    @given(
        config=configs,
        cash_usd=st.floats(0, 2_000) | st.floats(300, 2_000),
        plan=st.lists(steps, min_size=10, max_size=60),
    )
    def test_no_sequence_breaks_a_limit(
        self, follow: Follow, config: RiskConfig, cash_usd: float, plan: list[Step]
    ) -> None:
        run = Run(config, usd(cash_usd), follow)
        for step in plan:
            run.play(step)
        if follow == "record":
            # Recording fills and marks keeps the book equal to the account, with no resync.
            book, account = run.book, run.account
            assert book.cash_micro == account.cash
            assert book.open_positions == len(account.value)
            assert {mint: book.exposure_micro(mint) for mint in account.value} == account.value
