"""Provides what `MeteredClient` keeps per provider, and the redaction of its secrets.

One record per policy: its limiter, breaker, usage tally, default headers
and the secret values (header values, parts of a key-bearing URL) that no message may show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx2

from soltrader_tui.net.breaker import CircuitBreaker
from soltrader_tui.net.policy import ProviderPolicy
from soltrader_tui.net.ratelimit import SlidingWindowLimiter
from soltrader_tui.net.usage import UsageTally


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Returns `text` with every secret value replaced by `***`."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class ProviderState:
    """Everything kept per provider."""

    __slots__ = ("breaker", "headers", "limiter", "policy", "secrets", "tally", "timeout")

    def __init__(
        self,
        policy: ProviderPolicy,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.policy = policy
        self.limiter = SlidingWindowLimiter(
            policy.max_requests,
            policy.per_seconds,
            min_interval_s=policy.min_interval_s,
            monotonic=monotonic,
            sleep=sleep,
        )
        self.breaker = CircuitBreaker(
            policy.breaker_failures,
            policy.breaker_cooldown_s,
            first_cooldown_s=min(policy.breaker_first_cooldown_s, policy.breaker_cooldown_s),
            monotonic=monotonic,
        )
        self.tally = UsageTally(policy.name)
        self.headers = dict(policy.default_headers)
        # Longest first, so a secret containing another is replaced whole.
        values = [value for value in policy.default_headers.values() if value]
        values.extend(part for part in policy.secret_parts if part)
        self.secrets = tuple(sorted(values, key=len, reverse=True))
        self.timeout = httpx2.Timeout(policy.timeout_s)

    def path_of(self, url: str) -> str:
        """The path of `url`, safe to show (secrets in it replaced)."""
        return redact(httpx2.URL(url).path, self.secrets)
