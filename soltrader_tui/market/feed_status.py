"""Provides FeedStatus: what the engine knows of its market feed, for `health` and `status`.

The engine writes it to the ledger with every flush (the `meta` row `feed_status`, JSON), so
the read-only commands can name what is wrong without talking to the engine: each provider's
circuit and next probe, its recent failures by kind (connection, timeout, 5xx, 429, …), the
tokens without a fresh accepted price, and the prices refused by rule. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

META_KEY = "feed_status"
"""The `meta` row that holds it."""


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """One provider's circuit and recent failures."""

    provider: str
    circuit: str
    """`closed`, `open` or `half_open`."""
    next_probe_wall: float | None
    """Unix time the open circuit lets a probe through; None when closed."""
    consecutive_failures: int
    recent_failures: Mapping[str, int]
    """Failed attempts in the last two minutes, by kind (`connection`, `timeout`,
    `server_error`, `rate_limited`, `refused`, `invalid`)."""
    last_error: str | None


@dataclass(frozen=True, slots=True)
class StaleToken:
    """A token without a fresh accepted price."""

    mint: str
    symbol: str
    last_price_ts: float | None
    """Market time of its last accepted price; None when none was accepted."""


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The feed as the engine saw it at its last flush."""

    written_wall: float
    market_ts: float | None
    providers: tuple[ProviderStatus, ...] = ()
    stale: tuple[StaleToken, ...] = ()
    refusals: Mapping[str, int] = field(default_factory=dict)
    """Prices refused this session, by plausibility rule."""
    last_refusal_ts: float | None = None
    """Market time of the newest refusal."""

    def to_json(self) -> str:
        """Returns the JSON text stored in the ledger."""
        return json.dumps(
            {
                "written_wall": self.written_wall,
                "market_ts": self.market_ts,
                "providers": [
                    {
                        "provider": p.provider,
                        "circuit": p.circuit,
                        "next_probe_wall": p.next_probe_wall,
                        "consecutive_failures": p.consecutive_failures,
                        "recent_failures": dict(p.recent_failures),
                        "last_error": p.last_error,
                    }
                    for p in self.providers
                ],
                "stale": [
                    {"mint": t.mint, "symbol": t.symbol, "last_price_ts": t.last_price_ts}
                    for t in self.stale
                ],
                "refusals": dict(self.refusals),
                "last_refusal_ts": self.last_refusal_ts,
            },
            separators=(",", ":"),
        )


def from_json(text: str | None) -> FeedStatus | None:
    """Reads the stored text back; None when absent or not what the engine writes."""
    if text is None:
        return None
    try:
        data: Any = json.loads(text)
        return FeedStatus(
            written_wall=float(data["written_wall"]),
            market_ts=_opt_float(data["market_ts"]),
            providers=tuple(
                ProviderStatus(
                    provider=str(p["provider"]),
                    circuit=str(p["circuit"]),
                    next_probe_wall=_opt_float(p["next_probe_wall"]),
                    consecutive_failures=int(p["consecutive_failures"]),
                    recent_failures={str(k): int(v) for k, v in p["recent_failures"].items()},
                    last_error=None if p["last_error"] is None else str(p["last_error"]),
                )
                for p in data["providers"]
            ),
            stale=tuple(
                StaleToken(str(t["mint"]), str(t["symbol"]), _opt_float(t["last_price_ts"]))
                for t in data["stale"]
            ),
            refusals={str(k): int(v) for k, v in data["refusals"].items()},
            last_refusal_ts=_opt_float(data["last_refusal_ts"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # written by another version: as if absent, never a crash


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
