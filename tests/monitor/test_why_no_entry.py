"""Tests the one line that says why nothing is being bought: obstacles in the order an entry
meets them, then the enabled strategies' best score against its entry threshold."""

from __future__ import annotations

from typing import Any

import pytest

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import TradingState
from soltrader_tui.monitor.why_no_entry import why_no_entry
from soltrader_tui.snapshot import STALE_PRICE, EngineSnapshot
from tests.factories import mint_for
from tests.tui.snapshot_factory import make_position, make_score, make_snapshot, make_strategy

RISK = RiskConfig()
BOTH = (
    make_strategy("momentum", entry_threshold=0.75),
    make_strategy("ema_cross", entry_threshold=0.5),
)


def snap(**overrides: Any) -> EngineSnapshot:
    """No positions, both strategies enabled, unless a test says otherwise."""
    base: dict[str, Any] = {"positions": (), "strategies": BOTH}
    return make_snapshot(**(base | overrides))


class TestStateComesFirst:
    """A stopped engine says nothing (the header says it stopped); HALTED and PAUSED say why."""

    @pytest.mark.parametrize(
        ("state", "reason", "line"),
        [
            (TradingState.HALTED, "stop by dashboard", "HALTED: stop by dashboard"),
            (
                TradingState.PAUSED,
                "daily_loss_limit: down $30.00 today",
                "entries paused: daily_loss_limit: down $30.00 today",
            ),
        ],
    )
    def test_state(self, state: TradingState, reason: str, line: str) -> None:
        assert why_no_entry(snap(trading_state=state, state_reason=reason), RISK) == line

    def test_stopped(self) -> None:
        halted = snap(trading_state=TradingState.HALTED, running=False)
        assert why_no_entry(halted, RISK) == ""

    def test_no_strategy_enabled(self) -> None:
        off = tuple(make_strategy(v.name, enabled=False) for v in BOTH)
        assert why_no_entry(snap(strategies=off), RISK) == (
            "no strategy enabled (press s to enable one)"
        )


class TestRiskLimits:
    """A limit that denies any entry whatever the score is named with its figures."""

    def test_max_open_positions(self) -> None:
        three = tuple(make_position(s, whole=1.0) for s in ("SOL", "WIF", "BONK"))
        assert why_no_entry(snap(positions=three), RISK) == "max open positions reached (3/3)"

    def test_cash_below_the_smallest_order(self) -> None:
        assert why_no_entry(snap(cash_usd=3.2), RISK) == (
            "cash $3.20 is below the smallest order $5.00"
        )

    def test_total_exposure(self) -> None:
        big = (make_position("SOL", whole=0.62, avg_cost_usd=230.0, mark_usd=240.0),)
        assert why_no_entry(snap(positions=big), RISK) == (
            "total exposure at its limit ($148.80 of $150.00)"
        )

    def test_without_limits_the_scores_speak(self) -> None:
        three = tuple(make_position(s, whole=1.0) for s in ("SOL", "WIF", "BONK"))
        scores = (make_score("MOODENG", score=0.61),)
        assert why_no_entry(snap(positions=three, scores=scores), None) == (
            "best score 0.61 MOODENG (momentum), entry at 0.75"
        )


class TestScores:
    """The enabled strategies' scores of tokens not held, fresh ones only, against each
    strategy's own entry threshold: the one closest to its entry is named."""

    def test_closest_to_its_entry(self) -> None:
        scores = (
            make_score("SOL", score=0.70, strategy="momentum"),
            make_score("WIF", score=0.48, strategy="ema_cross"),
            make_score("BONK", score=0.2, strategy="momentum"),
        )
        assert why_no_entry(snap(scores=scores), RISK) == (
            "best score 0.48 WIF (ema_cross), entry at 0.5"
        )

    def test_disabled_strategies_and_held_tokens_do_not_count(self) -> None:
        strategies = (BOTH[0], make_strategy("ema_cross", enabled=False))
        scores = (
            make_score("SOL", score=0.55, strategy="momentum"),
            make_score("WIF", score=0.74, strategy="momentum"),
            make_score("BONK", score=0.9, strategy="ema_cross"),
        )
        held = (make_position("WIF", whole=1.0),)
        line = why_no_entry(snap(strategies=strategies, scores=scores, positions=held), RISK)
        assert line == "best score 0.55 SOL (momentum), entry at 0.75"

    def test_past_the_threshold_waits_for_the_signal(self) -> None:
        scores = (make_score("SOL", score=0.81),)
        assert why_no_entry(snap(scores=scores), RISK) == (
            "best score 0.81 SOL (momentum), entry at 0.75: waiting for its buy signal"
        )

    def test_past_the_threshold_an_unsafe_token_says_it_is_denied(self) -> None:
        scores = (make_score("MEME", score=0.81),)
        unsafe = snap(scores=scores, safety=((mint_for("MEME"), "freeze auth"),))
        assert why_no_entry(unsafe, RISK) == (
            "best score 0.81 MEME (momentum), entry at 0.75, but denied: freeze auth"
        )
        safe = snap(scores=scores, safety=((mint_for("MEME"), "safe"),))
        assert why_no_entry(safe, RISK).endswith("waiting for its buy signal")

    def test_a_denied_token_gives_way_to_one_that_could_be_bought(self) -> None:
        scores = (make_score("RVRT", score=0.74), make_score("SOL", score=0.55))
        unsafe = snap(scores=scores, safety=((mint_for("RVRT"), "mint auth"),))
        assert why_no_entry(unsafe, RISK) == "best score 0.55 SOL (momentum), entry at 0.75"

    def test_unknown_threshold_gives_the_score(self) -> None:
        strategies = (make_strategy("momentum", entry_threshold=None),)
        scores = (make_score("SOL", score=0.61),)
        line = why_no_entry(snap(strategies=strategies, scores=scores), RISK)
        assert line == "best score 0.61 SOL (momentum)"

    def test_stale_prices(self) -> None:
        scores = (make_score("SOL", score=0.9, reason=f"{STALE_PRICE}: fast/slow +2%"),)
        assert why_no_entry(snap(scores=scores), RISK) == (
            "prices stale: no entry until a fresh one"
        )

    def test_all_held(self) -> None:
        held = (make_position("SOL", whole=0.01),)
        assert why_no_entry(snap(scores=(make_score("SOL"),), positions=held), RISK) == (
            "holding every token the enabled strategies score"
        )

    @pytest.mark.parametrize(
        ("market_ts", "line"), [(None, "starting"), (1_717_243_200.0, "waiting for prices")]
    )
    def test_no_scores_yet(self, market_ts: float | None, line: str) -> None:
        assert why_no_entry(snap(scores=(), market_ts=market_ts), RISK) == line


class TestWarmingUp:
    """While no enabled strategy scores a token, the least warm one's progress is named."""

    def test_least_warm(self) -> None:
        scores = (
            make_score("SOL", score=None, reason="warming 290 s / 300 s"),
            make_score(
                "WIF", score=None, strategy="ema_cross", reason="warming up 12/27 5m candles"
            ),
        )
        assert why_no_entry(snap(scores=scores), RISK) == (
            "warming up 12/27 5m candles (ema_cross)"
        )

    def test_nothing_seen_yet(self) -> None:
        scores = (
            make_score("SOL", score=None, reason="warming 40 s / 300 s"),
            make_score("SOL", score=None, strategy="ema_cross", reason="no candles yet"),
        )
        assert why_no_entry(snap(scores=scores), RISK) == "warming up: no candles yet (ema_cross)"
