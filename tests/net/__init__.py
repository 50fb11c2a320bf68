"""Tests of the metered HTTP client; shared helpers: a manual clock and a test policy factory."""

from __future__ import annotations

from collections.abc import Mapping

from soltrader_tui.net import ProviderPolicy


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Moves the clock forward."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Passes `seconds` of this clock's time at once."""
        self.now += max(seconds, 0.0)


def make_policy(
    name: str = "jupiter",
    *,
    max_requests: int = 1000,
    per_seconds: float = 1.0,
    timeout_s: float = 1.0,
    max_attempts: int = 4,
    backoff_base_s: float = 0.005,
    backoff_max_s: float = 2.0,
    breaker_failures: int = 5,
    breaker_cooldown_s: float = 30.0,
    breaker_first_cooldown_s: float | None = None,
    min_interval_s: float = 0.0,
    default_headers: Mapping[str, str] | None = None,
) -> ProviderPolicy:
    """A policy with fast test defaults: generous limit, short backoff, 1 s timeout, and a
    fixed breaker cool-down unless `breaker_first_cooldown_s` makes it grow."""
    return ProviderPolicy(
        name,
        max_requests=max_requests,
        per_seconds=per_seconds,
        timeout_s=timeout_s,
        max_attempts=max_attempts,
        backoff_base_s=backoff_base_s,
        backoff_max_s=backoff_max_s,
        breaker_failures=breaker_failures,
        breaker_cooldown_s=breaker_cooldown_s,
        breaker_first_cooldown_s=(
            breaker_cooldown_s if breaker_first_cooldown_s is None else breaker_first_cooldown_s
        ),
        min_interval_s=min_interval_s,
        default_headers=default_headers or {},
    )
