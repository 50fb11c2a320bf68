"""Tests of the pre-trade checks: each rule blocks, with a message that names the numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.risk import (
    Denial,
    DenialRule,
    EntryRequest,
    RiskBook,
    check_entry,
)
from soltrader_tui.risk.token_safety import TOKEN_RULES
from tests.risk import (
    BONK,
    MINUTE,
    NOW,
    make_book,
    make_request,
    risk_config,
    usd,
)


def book_with_entries(count: int, first_ago_min: float, step_min: float) -> RiskBook:
    """A book that made `count` entries, the first `first_ago_min` minutes before NOW."""
    book = make_book()
    for n in range(count):
        book.note_entry(NOW - (first_ago_min - n * step_min) * MINUTE)
    return book


def book_with_loss(ago_min: float) -> RiskBook:
    """A book whose BONK round trip closed at a loss `ago_min` minutes before NOW."""
    book = make_book(held_usd={"BONK": 50})
    book.record_exit(BONK, NOW - ago_min * MINUTE, usd(46), trip_realized_micro=usd(-4))
    return book


@dataclass(frozen=True)
class Case:
    """One rule, a situation it must deny, and what the message must say."""

    rule: DenialRule
    says: tuple[str, ...]
    request: EntryRequest = field(default_factory=make_request)
    book: Callable[[], RiskBook] = make_book
    config: dict[str, object] = field(default_factory=dict)


CASES = [
    Case(
        DenialRule.TRADING_STATE,
        ("not allowed while PAUSED",),
        request=make_request(state=TradingState.PAUSED),
    ),
    Case(
        DenialRule.ALREADY_HOLDING,
        ("position in BONK is open",),
        book=lambda: make_book(held_usd={"BONK": 40}),
    ),
    Case(
        DenialRule.MAX_ENTRIES_PER_HOUR,
        ("6 entries in the last 60 min", "limit 6", "next one allowed in 10.0 min"),
        book=lambda: book_with_entries(6, first_ago_min=50, step_min=8),
    ),
    Case(
        DenialRule.LOSS_COOLDOWN,
        ("BONK", "10.0 min ago", "cool-down 30 min", "20.0 min left"),
        book=lambda: book_with_loss(ago_min=10),
    ),
    Case(
        DenialRule.MIN_POOL_AGE,
        ("BONK pool is 12.0 min old", "minimum 60 min"),
        request=make_request(listed_ts=NOW - 12 * MINUTE),
    ),
    Case(
        DenialRule.MIN_LIQUIDITY,
        ("$6,000 is below the $10,000 minimum",),
        request=make_request(liquidity_usd=6_000),
    ),
    Case(
        DenialRule.MAX_PRICE_IMPACT,
        ("170 bps", "limit 100 bps"),
        request=make_request(price_impact_bps=170),
    ),
    Case(
        DenialRule.MAX_OPEN_POSITIONS,
        ("3 positions open, limit 3",),
        book=lambda: make_book(held_usd={"WIF": 20, "SOL": 20, "JUP": 20}),
    ),
    Case(
        DenialRule.MAX_POSITION_USD,
        ("entry $120.00", "$100.00 per-position limit"),
        request=make_request(cost_usd=120),
        config={"max_position_pct": 100, "max_token_exposure_usd": 500},
    ),
    Case(
        DenialRule.MAX_POSITION_PCT,
        ("entry $50.00 is 25.0 % of equity $200.00", "limit 20 %"),
        book=lambda: make_book(cash_usd=200),
    ),
    Case(
        DenialRule.MAX_TOKEN_EXPOSURE,
        ("BONK exposure would be $50.00 ($0.00 held + $50.00)", "limit $40.00"),
        config={"max_token_exposure_usd": 40},
    ),
    Case(
        DenialRule.MAX_TOTAL_EXPOSURE,
        ("total exposure would be $170.00 ($120.00 held + $50.00)", "limit $150.00"),
        book=lambda: make_book(cash_usd=380, held_usd={"WIF": 60, "SOL": 60}),
    ),
    Case(
        DenialRule.INSUFFICIENT_CASH,
        ("entry needs $40.00, cash $30.00",),
        request=make_request(cost_usd=40),
        book=lambda: make_book(cash_usd=30, held_usd={"WIF": 50, "SOL": 50}),
        config={"max_position_pct": 50},
    ),
    Case(
        DenialRule.MIN_ORDER,
        ("entry $3.00 is below the $5.00 minimum",),
        request=make_request(cost_usd=3),
    ),
]


class TestEachRuleBlocks:
    """An entry that breaks one limit is denied by that limit, and the log line says why."""

    @pytest.mark.parametrize("case", CASES, ids=[c.rule.value for c in CASES])
    def test_denied_by_its_rule_with_the_numbers(self, case: Case) -> None:
        config = risk_config(**case.config)
        denial = check_entry(case.request, case.book(), config)
        assert denial is not None
        assert denial.rule is case.rule
        for fragment in case.says:
            assert fragment in denial.message
        assert str(denial) == f"{case.rule.value}: {denial.message}"

    def test_every_rule_has_a_case(self) -> None:
        # The token's own rules are checked apart (`risk.token_safety`), with cases of their own.
        assert {c.rule for c in CASES} == set(DenialRule) - TOKEN_RULES

    def test_the_default_request_passes(self) -> None:
        assert check_entry(make_request(), make_book(), RiskConfig()) is None

    def test_rule_values_are_stable(self) -> None:
        assert [r.value for r in DenialRule] == [
            "trading_state",
            "already_holding",
            "max_entries_per_hour",
            "loss_cooldown",
            "min_pool_age",
            "min_liquidity",
            "max_price_impact",
            "max_open_positions",
            "max_position_usd",
            "max_position_pct",
            "max_token_exposure",
            "max_total_exposure",
            "insufficient_cash",
            "min_order",
            "mint_authority",
            "freeze_authority",
            "holder_concentration",
            "token_extension",
            "sell_route",
            "safety_unknown",
        ]


class TestWindowsPass:
    """Time-based denials lift by themselves once their window has passed."""

    def test_hourly_limit_rolls(self) -> None:
        book = book_with_entries(6, first_ago_min=50, step_min=8)
        assert check_entry(make_request(ts=NOW + 10 * MINUTE), book, RiskConfig()) is None

    def test_cooldown_ends(self) -> None:
        book = book_with_loss(ago_min=10)
        assert check_entry(make_request(ts=NOW + 20 * MINUTE), book, RiskConfig()) is None

    def test_cooldown_is_per_token(self) -> None:
        assert check_entry(make_request("WIF"), book_with_loss(ago_min=1), RiskConfig()) is None

    def test_winning_trip_has_no_cooldown(self) -> None:
        book = make_book(held_usd={"BONK": 50})
        book.record_exit(BONK, NOW - MINUTE, usd(55), trip_realized_micro=usd(5))
        assert book.last_loss_ts(BONK) is None
        assert check_entry(make_request(), book, RiskConfig()) is None

    def test_breakeven_trip_cools_down(self) -> None:
        book = make_book(held_usd={"BONK": 50})
        book.record_exit(BONK, NOW - MINUTE, usd(50), trip_realized_micro=0)
        denial = check_entry(make_request(), book, RiskConfig())
        assert denial is not None and denial.rule is DenialRule.LOSS_COOLDOWN

    def test_zero_turns_cooldown_off(self) -> None:
        config = risk_config(loss_cooldown_minutes=0)
        assert check_entry(make_request(), book_with_loss(ago_min=0), config) is None


class TestALossStampedLater:
    """A loss stamped after the entry's time (issue 19: "-620.9 min ago; cool-down 0 min (620.9
    min left)") never yields a negative age or a wait longer than the cool-down."""

    def test_cooldown_off_allows_the_entry(self) -> None:
        config = risk_config(loss_cooldown_minutes=0)
        assert check_entry(make_request(), book_with_loss(ago_min=-620.9), config) is None

    def test_a_future_loss_counts_as_just_now(self) -> None:
        denial = check_entry(make_request(), book_with_loss(ago_min=-620.9), RiskConfig())
        assert denial is not None and denial.rule is DenialRule.LOSS_COOLDOWN
        assert "0.0 min ago" in denial.message
        assert "(30.0 min left)" in denial.message
        assert " -" not in denial.message


class TestUnknownMarketFactsAreDenied:
    """A fact the check needs but does not have denies the entry: unknown is not safe."""

    def test_unknown_pool_age(self) -> None:
        denial = check_entry(make_request(listed_ts=None), make_book(), RiskConfig())
        assert denial == Denial(DenialRule.MIN_POOL_AGE, "BONK pool age unknown; minimum 60 min")

    def test_unknown_pool_age_allowed_when_check_off(self) -> None:
        config = risk_config(min_pool_age_minutes=0)
        assert check_entry(make_request(listed_ts=None), make_book(), config) is None

    def test_no_quote(self) -> None:
        denial = check_entry(make_request(price_impact_bps=None), make_book(), RiskConfig())
        assert denial is not None and denial.rule is DenialRule.MAX_PRICE_IMPACT
        assert "unknown (no quote)" in denial.message

    @pytest.mark.parametrize("field", ["liquidity_usd", "price_impact_bps"])
    def test_nan_is_denied(self, field: str) -> None:
        request = make_request(**{field: float("nan")})  # type: ignore[arg-type]
        assert check_entry(request, make_book(), RiskConfig()) is not None


class TestOrderOfRules:
    """When several limits are broken, the same one is named every time: the first in order."""

    def test_state_comes_first(self) -> None:
        request = make_request(
            state=TradingState.HALTED, liquidity_usd=0, price_impact_bps=None, cost_usd=1e6
        )
        denial = check_entry(request, make_book(cash_usd=0), RiskConfig())
        assert denial is not None
        assert denial.rule is DenialRule.TRADING_STATE
        assert "HALTED" in denial.message

    def test_market_before_size(self) -> None:
        request = make_request(liquidity_usd=0, cost_usd=1e6)
        denial = check_entry(request, make_book(), RiskConfig())
        assert denial is not None and denial.rule is DenialRule.MIN_LIQUIDITY


Situation = tuple[EntryRequest, RiskBook, RiskConfig]


def passes_or_rule(request: EntryRequest, book: RiskBook, config: RiskConfig) -> str | None:
    """The rule that denies the entry (its value), or None when it passes."""
    denial = check_entry(request, book, config)
    return None if denial is None else denial.rule.value


def costing(micro: int) -> EntryRequest:
    """The default request, spending exactly `micro` micro-USDC."""
    return replace(make_request(), cost_micro=micro)


def book_with_loss_s(ago_s: float) -> RiskBook:
    """A book whose BONK round trip closed at a loss `ago_s` seconds before NOW."""
    book = make_book(held_usd={"BONK": 50})
    book.record_exit(BONK, NOW - ago_s, usd(46), trip_realized_micro=usd(-4))
    return book


# Room enough that only the limit under test can bind.
ROOMY = {"max_position_pct": 100, "max_token_exposure_usd": 500, "max_total_exposure_usd": 500}

# (rule, situation for a value, values allowed, values denied). Each limit is tried exactly
# at its value, one micro-unit (micro-USDC, 1e-6 USD or bps, a millisecond) inside and one
# outside, so a `>` that became `>=` (or the reverse) fails.
EDGES: list[tuple[DenialRule, Callable[[Any], Situation], tuple[Any, ...], tuple[Any, ...]]] = [
    (
        DenialRule.MAX_POSITION_USD,
        lambda cost: (costing(cost), make_book(), risk_config(**ROOMY)),
        (usd(100) - 1, usd(100)),
        (usd(100) + 1,),
    ),
    (
        DenialRule.MAX_POSITION_PCT,  # 20 % of $500 equity: $100
        lambda cost: (
            costing(cost),
            make_book(),
            risk_config(**{**ROOMY, "max_position_usd": 500, "max_position_pct": 20}),
        ),
        (usd(100) - 1, usd(100)),
        (usd(100) + 1,),
    ),
    (
        DenialRule.MAX_TOKEN_EXPOSURE,
        lambda cost: (costing(cost), make_book(), risk_config(max_token_exposure_usd=40)),
        (usd(40) - 1, usd(40)),
        (usd(40) + 1,),
    ),
    (
        DenialRule.MAX_TOTAL_EXPOSURE,  # $120 held, limit $150: room for $30
        lambda cost: (
            costing(cost),
            make_book(cash_usd=380, held_usd={"WIF": 60, "SOL": 60}),
            RiskConfig(),
        ),
        (usd(30) - 1, usd(30)),
        (usd(30) + 1,),
    ),
    (
        DenialRule.INSUFFICIENT_CASH,
        lambda cost: (
            costing(cost),
            make_book(cash_usd=30, held_usd={"WIF": 50, "SOL": 50}),
            risk_config(max_position_pct=50),
        ),
        (usd(30) - 1, usd(30)),
        (usd(30) + 1,),
    ),
    (
        DenialRule.MIN_ORDER,
        lambda cost: (costing(cost), make_book(), RiskConfig()),
        (usd(5), usd(5) + 1),
        (usd(5) - 1,),
    ),
    (
        DenialRule.MIN_LIQUIDITY,
        lambda liquidity: (make_request(liquidity_usd=liquidity), make_book(), RiskConfig()),
        (10_000.0, 10_000.000001),
        (9_999.999999,),
    ),
    (
        DenialRule.MAX_PRICE_IMPACT,
        lambda impact: (make_request(price_impact_bps=impact), make_book(), RiskConfig()),
        (99.999999, 100.0),
        (100.000001,),
    ),
    (
        DenialRule.MIN_POOL_AGE,  # 60 min
        lambda age_s: (make_request(listed_ts=NOW - age_s), make_book(), RiskConfig()),
        (3_600.0, 3_600.001),
        (3_599.999,),
    ),
    (
        DenialRule.LOSS_COOLDOWN,  # 30 min
        lambda ago_s: (make_request(), book_with_loss_s(ago_s), RiskConfig()),
        (1_800.0, 1_800.001),
        (1_799.999,),
    ),
    (
        DenialRule.MAX_OPEN_POSITIONS,  # 3
        lambda count: (
            make_request(),
            make_book(held_usd={symbol: 10 for symbol in ("WIF", "SOL", "JUP", "RAY")[:count]}),
            RiskConfig(),
        ),
        (2,),
        (3, 4),
    ),
    (
        DenialRule.MAX_ENTRIES_PER_HOUR,  # 6 in any 60 minutes
        lambda count: (make_request(), book_with_entries(count, 50, 8), RiskConfig()),
        (5,),
        (6, 7),
    ),
    (
        # Six entries, the first `ago_s` before now: one exactly an hour old has left the window.
        DenialRule.MAX_ENTRIES_PER_HOUR,
        lambda ago_s: (make_request(), book_with_entries(6, ago_s / MINUTE, 1), RiskConfig()),
        (3_600.0, 3_600.001),
        (3_599.999,),
    ),
]


class TestExactLimits:
    """A limit allows an entry exactly at it and denies one a micro-unit past it."""

    @pytest.mark.parametrize(
        ("rule", "situation", "allowed", "denied"),
        EDGES,
        ids=[f"{edge[0].value}-{n}" for n, edge in enumerate(EDGES)],
    )
    def test_at_inside_and_past_the_limit(
        self,
        rule: DenialRule,
        situation: Callable[[Any], Situation],
        allowed: tuple[Any, ...],
        denied: tuple[Any, ...],
    ) -> None:
        assert {value: passes_or_rule(*situation(value)) for value in allowed + denied} == {
            **{value: None for value in allowed},
            **{value: rule.value for value in denied},
        }

    def test_every_threshold_has_an_edge(self) -> None:
        stateless = {DenialRule.TRADING_STATE, DenialRule.ALREADY_HOLDING}
        assert {edge[0] for edge in EDGES} == set(DenialRule) - stateless - TOKEN_RULES


class TestExactMessages:
    """Denials whose wording the other cases do not pin down."""

    def test_no_quote(self) -> None:
        denial = check_entry(make_request(price_impact_bps=None), make_book(), RiskConfig())
        assert denial == Denial(
            DenialRule.MAX_PRICE_IMPACT, "price impact unknown (no quote), limit 100 bps"
        )

    def test_no_equity_at_all(self) -> None:
        denial = check_entry(make_request(), make_book(cash_usd=0), RiskConfig())
        assert denial == Denial(
            DenialRule.MAX_POSITION_PCT,
            "entry $50.00 is more than all of equity $0.00, limit 20 %",
        )

    def test_large_amounts(self) -> None:
        denial = check_entry(make_request(cost_usd=1_234_567.89), make_book(), RiskConfig())
        assert denial == Denial(
            DenialRule.MAX_POSITION_USD,
            "entry $1,234,567.89 is above the $100.00 per-position limit",
        )

    def test_unknown_age_is_denied_by_a_one_minute_minimum(self) -> None:
        config = risk_config(min_pool_age_minutes=1)
        denial = check_entry(make_request(listed_ts=None), make_book(), config)
        assert denial == Denial(DenialRule.MIN_POOL_AGE, "BONK pool age unknown; minimum 1 min")
