"""Provides FaultPlan: which failure, if any, the embedded market server injects into a request.

Pure decisions: the plan reads only its config, its seeded RNG and the time it is given, so the
same seed and the same sequence of requests give the same faults. Every request takes exactly
one draw, outage or not, so the n-th request always meets the n-th random number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from soltrader_tui.config.model import FaultsConfig

SERVER_ERROR_STATUSES = (500, 502, 503, 504)
"""Statuses of an injected server error, picked evenly."""
OUTAGE_STATUS = 503
RATE_LIMIT_STATUS = 429
RETRY_AFTER_S = 1
"""`Retry-After` of an injected 429, seconds."""
TIMEOUT_HOLD_S = 30.0
"""How long an injected timeout holds the connection before dropping it: longer than any sane
client timeout, short enough that a forgotten connection does not linger."""


class FaultKind(StrEnum):
    """What goes wrong with one request."""

    OUTAGE = "outage"
    """Inside an outage window: 503."""
    RATE_LIMITED = "rate_limited"
    """429 with `Retry-After`."""
    SERVER_ERROR = "server_error"
    """A 5xx status."""
    TIMEOUT = "timeout"
    """No answer; the connection is held, then dropped."""
    INVALID_JSON = "invalid_json"
    """200 with a body that is not JSON."""
    MISSING_FIELD = "missing_field"
    """200 with valid JSON lacking a required field."""


@dataclass(frozen=True, slots=True)
class Fault:
    """An injected failure."""

    kind: FaultKind
    status: int | None
    """HTTP status to answer with; None for a timeout (no answer at all)."""


class FaultPlan:
    """Decides, request by request, which fault (if any) to inject."""

    def __init__(self, config: FaultsConfig, seed: int | None = None) -> None:
        """Builds the plan.

        Args:
            config: The fault shares, latency and outage windows.
            seed: RNG seed; defaults to `config.seed`.
        """
        self._config = config
        self._rng = random.Random(config.seed if seed is None else seed)
        self._malformed = 0
        # Cumulative upper bounds of the shares, in the order they are tested.
        bounds: list[tuple[float, FaultKind | None]] = []
        total = 0.0
        for share, kind in (
            (config.share_429, FaultKind.RATE_LIMITED),
            (config.share_5xx, FaultKind.SERVER_ERROR),
            (config.share_timeout, FaultKind.TIMEOUT),
            (config.share_malformed, None),
        ):
            total += share
            bounds.append((total, kind))
        self._bounds = tuple(bounds)

    @property
    def latency_s(self) -> float:
        """Delay added to every response, seconds."""
        return self._config.latency_ms / 1000

    def in_outage(self, now_s: float) -> bool:
        """Tells whether `now_s` (seconds since the server started) is inside an outage window."""
        return any(w.start_s <= now_s < w.start_s + w.duration_s for w in self._config.outages)

    def decide(self, now_s: float) -> Fault | None:
        """Decides the fate of the next request.

        Args:
            now_s: Seconds since the server started.

        Returns:
            The fault to inject, or None to answer normally.
        """
        draw = self._rng.random()
        if self.in_outage(now_s):
            return Fault(FaultKind.OUTAGE, OUTAGE_STATUS)
        low = 0.0
        for high, kind in self._bounds:
            if draw < high:
                return self._fault(kind, (draw - low) / (high - low))
            low = high
        return None

    def _fault(self, kind: FaultKind | None, within: float) -> Fault:
        """Builds the fault for a draw that fell `within` (0..1) of its share's band."""
        if kind is FaultKind.SERVER_ERROR:
            index = min(int(within * len(SERVER_ERROR_STATUSES)), len(SERVER_ERROR_STATUSES) - 1)
            return Fault(kind, SERVER_ERROR_STATUSES[index])
        if kind is FaultKind.RATE_LIMITED:
            return Fault(kind, RATE_LIMIT_STATUS)
        if kind is FaultKind.TIMEOUT:
            return Fault(kind, None)
        # Malformed bodies alternate, so even a handful of them exercises both failure paths.
        self._malformed += 1
        if self._malformed % 2:
            return Fault(FaultKind.INVALID_JSON, 200)
        return Fault(FaultKind.MISSING_FIELD, 200)
