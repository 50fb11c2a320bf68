"""Provides ProviderPolicy: how one provider is called (limit, timeout, retries, breaker).

See `net.client` for what the providers document and how failures are handled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class ProviderPolicy:
    """How one provider is called: its limit, timeout, retries and breaker."""

    name: str
    max_requests: int
    """Requests allowed in any window of `per_seconds` (the provider's documented limit)."""
    per_seconds: float
    timeout_s: float = 10.0
    """Bound on one attempt: connect, send, and read the whole body."""
    max_attempts: int = 4
    """Attempts per call, the first included."""
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    """Longest wait between attempts; a provider asking for more makes the call fail fast."""
    breaker_failures: int = 5
    """Consecutive failed calls that open the circuit."""
    breaker_cooldown_s: float = 30.0
    """Longest the circuit stays open before one probe call is let through, seconds."""
    breaker_first_cooldown_s: float = 2.0
    """Cool-down of the circuit's first opening; it doubles at each opening in a row, up to
    `breaker_cooldown_s`. Under the stale limit, so a short outage costs seconds of prices."""
    min_interval_s: float = 0.0
    """Least spacing between requests, to spread them evenly (0 = bursts allowed)."""
    default_headers: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False)
    """Sent with every request (e.g. `x-api-key`); values are secret and never shown."""
    secret_parts: tuple[str, ...] = field(default=(), repr=False, hash=False)
    """Other text never shown (e.g. a key carried in an RPC URL's path): replaced by `***` in
    every message, usage row and error."""

    def __post_init__(self) -> None:
        for name in ("max_requests", "max_attempts", "breaker_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"{self.name}: {name} must be >= 1, got {getattr(self, name)}")
        for name in ("per_seconds", "timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{self.name}: {name} must be > 0, got {getattr(self, name)}")
        for name in (
            "backoff_base_s",
            "backoff_max_s",
            "breaker_cooldown_s",
            "breaker_first_cooldown_s",
            "min_interval_s",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{self.name}: {name} must be >= 0, got {getattr(self, name)}")
        # A read-only copy: the caller's dict can change neither the headers nor the secrets.
        object.__setattr__(self, "default_headers", MappingProxyType(dict(self.default_headers)))

    @property
    def header_names(self) -> tuple[str, ...]:
        """Names of the default headers (safe to show; the values are not)."""
        return tuple(self.default_headers)
