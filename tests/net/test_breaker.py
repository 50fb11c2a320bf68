"""Tests the circuit breaker's states on a manual clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.net.breaker import CircuitBreaker, CircuitOpen, CircuitState
from tests.net import ManualClock


def make_breaker(failures: int = 3, cooldown_s: float = 30.0) -> tuple[CircuitBreaker, ManualClock]:
    """A closed breaker and the clock it reads."""
    clock = ManualClock()
    return CircuitBreaker(failures, cooldown_s, monotonic=clock), clock


def state(breaker: CircuitBreaker) -> CircuitState:
    """The breaker's state now (a call, so that each read is a fresh one to the type checker)."""
    return breaker.state


def trip(breaker: CircuitBreaker) -> None:
    """Fails calls until the circuit opens."""
    for _ in range(breaker.failures):
        breaker.before_call()
        breaker.record_failure()


class TestOpening:
    """Only an unbroken run of failures opens the circuit."""

    @given(outcomes=st.lists(st.booleans(), max_size=40), failures=st.integers(1, 5))
    def test_opens_exactly_at_n_consecutive_failures(
        self, outcomes: list[bool], failures: int
    ) -> None:
        breaker, _ = make_breaker(failures)
        run = 0
        for ok in outcomes:
            if state(breaker) == "open":
                with pytest.raises(CircuitOpen):
                    breaker.before_call()
                return
            breaker.before_call()
            if ok:
                breaker.record_success()
                run = 0
            else:
                breaker.record_failure()
                run += 1
            assert (state(breaker) == "open") == (run >= failures)

    def test_refusal_says_when_the_probe_comes(self) -> None:
        breaker, clock = make_breaker(cooldown_s=30)
        trip(breaker)
        clock.advance(10)
        with pytest.raises(CircuitOpen) as refused:
            breaker.before_call()
        assert refused.value.retry_in_s == pytest.approx(20)


class TestHalfOpen:
    """After the cooldown one probe goes through; its result decides."""

    def test_probe_success_closes(self) -> None:
        breaker, clock = make_breaker()
        trip(breaker)
        clock.advance(30)
        assert state(breaker) == "half_open"
        assert breaker.before_call() is True
        with pytest.raises(CircuitOpen):
            breaker.before_call()  # one probe at a time
        breaker.record_success()
        assert state(breaker) == "closed"
        assert breaker.before_call() is False

    def test_probe_failure_reopens_for_a_full_cooldown(self) -> None:
        breaker, clock = make_breaker()
        trip(breaker)
        clock.advance(31)
        breaker.before_call()
        breaker.record_failure()
        assert state(breaker) == "open"
        clock.advance(29.9)
        assert state(breaker) == "open"
        clock.advance(0.1)
        assert state(breaker) == "half_open"

    def test_abandoned_probe_lets_the_next_call_probe(self) -> None:
        breaker, clock = make_breaker()
        trip(breaker)
        clock.advance(30)
        assert breaker.before_call() is True
        breaker.abandon_probe()
        assert breaker.before_call() is True

    def test_hold_opens_without_failures_and_keeps_the_later_deadline(self) -> None:
        breaker, clock = make_breaker()
        breaker.hold(clock.now + 45)
        breaker.hold(clock.now + 5)
        assert state(breaker) == "open"
        clock.advance(44)
        assert state(breaker) == "open"
        clock.advance(1)
        assert breaker.before_call() is True


class TestSettings:
    """A breaker that could never open or never close is refused at start-up."""

    @pytest.mark.parametrize(("failures", "cooldown"), [(0, 1.0), (1, -1.0)])
    def test_bad_settings_are_rejected(self, failures: int, cooldown: float) -> None:
        with pytest.raises(ValueError, match="breaker"):
            CircuitBreaker(failures, cooldown)
