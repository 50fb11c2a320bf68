"""Provides CircuitBreaker: stop calling a provider that keeps failing, probe it later.

States, as the API panel shows them:

* `closed`: calls go through; consecutive failed calls are counted, a success resets the count.
* `open`: after `failures` consecutive failed calls (or when the provider told us to wait
  longer than we are willing to block). No request is sent; callers get `ProviderUnavailable`
  at once and skip that poll. After the cool-down the breaker turns half-open. With
  `first_cooldown_s` the cool-down grows with each opening in a row: `first_cooldown_s`, then
  double that, and so on up to `cooldown_s`; a short outage is probed again within seconds,
  a long one is not hammered.
* `half_open`: exactly one call (the probe) is let through; others are still refused. The
  probe's success closes the circuit; its failure re-opens it for another cooldown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Literal

from soltrader_tui.errors import TemporaryError

CircuitState = Literal["closed", "open", "half_open"]


class CircuitOpen(TemporaryError):
    """The circuit refuses this call; `retry_in_s` says when a probe will be allowed."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"circuit open; next probe in {retry_in_s:.1f}s")
        self.retry_in_s = retry_in_s


class CircuitBreaker:
    """Counts consecutive failed calls to one provider and gates new calls."""

    def __init__(
        self,
        failures: int,
        cooldown_s: float,
        *,
        first_cooldown_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Builds a closed breaker.

        Args:
            failures: Consecutive failed calls that open the circuit (>= 1).
            cooldown_s: Seconds the circuit stays open before a probe (>= 0); with
                `first_cooldown_s`, the most it grows to.
            first_cooldown_s: Cool-down of the first opening, doubled at each opening in a
                row (None: always `cooldown_s`).
            monotonic: Clock the cooldown is measured on.
        """
        if failures < 1:
            raise ValueError(f"breaker failures must be >= 1, got {failures}")
        if cooldown_s < 0:
            raise ValueError(f"breaker cooldown must be >= 0, got {cooldown_s}")
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.first_cooldown_s = cooldown_s if first_cooldown_s is None else first_cooldown_s
        if not 0 <= self.first_cooldown_s <= cooldown_s:
            raise ValueError(
                f"breaker first cooldown must be within 0..{cooldown_s}, got {first_cooldown_s}"
            )
        self._openings = 0
        """Openings since the last success: the next cool-down doubles with each."""
        self._monotonic = monotonic
        self._consecutive = 0
        self._open_until = -math.inf
        self._is_open = False
        self._probing = False

    @property
    def state(self) -> CircuitState:
        """The state as of now (an open circuit past its cooldown reads `half_open`)."""
        if not self._is_open:
            return "closed"
        if self._probing or self._monotonic() >= self._open_until:
            return "half_open"
        return "open"

    @property
    def next_probe_in_s(self) -> float | None:
        """Seconds until a probe is let through (0 when one may go now); None when closed."""
        if not self._is_open:
            return None
        return max(self._open_until - self._monotonic(), 0.0)

    @property
    def cooldown_now_s(self) -> float:
        """The cool-down the next opening will get."""
        return min(self.cooldown_s, self.first_cooldown_s * 2.0**self._openings)

    @property
    def consecutive_failures(self) -> int:
        """Failed calls since the last success."""
        return self._consecutive

    def before_call(self) -> bool:
        """Admits a call or refuses it.

        Returns:
            True when the admitted call is the half-open probe (give it one attempt only).

        Raises:
            CircuitOpen: The circuit is open, or half-open with its probe already out.
        """
        if not self._is_open:
            return False
        now = self._monotonic()
        if self._probing or now < self._open_until:
            raise CircuitOpen(max(self._open_until - now, 0.0))
        self._probing = True
        return True

    def record_success(self) -> None:
        """A call succeeded (or the provider answered a well-formed refusal): close."""
        self._consecutive = 0
        self._openings = 0
        self._is_open = False
        self._probing = False
        self._open_until = -math.inf

    def record_failure(self) -> None:
        """A call failed: count it; open at the threshold, re-open after a failed probe."""
        self._consecutive += 1
        if self._probing or self._consecutive >= self.failures:
            cooldown = self.cooldown_now_s
            self._openings += 1
            self._open(self._monotonic() + cooldown)

    def hold(self, until: float) -> None:
        """Opens the circuit until monotonic time `until`, however few failures there were."""
        self._open(until)

    def abandon_probe(self) -> None:
        """The probe was cancelled before it could tell anything: allow another probe."""
        self._probing = False

    def _open(self, until: float) -> None:
        self._open_until = until if not self._is_open else max(self._open_until, until)
        self._is_open = True
        self._probing = False
