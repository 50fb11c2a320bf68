"""Provides the words `health` uses about the market feed: circuits, failures, stale tokens.

Pure: it turns the `FeedStatus` the engine last wrote into the phrases of the `api` and
`prices` checks, so an outage is named for what it is (connection failures, an open circuit
and when it probes next, which tokens have gone stale since when) instead of only as a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from soltrader_tui.market.feed_status import FeedStatus, ProviderStatus

FAILURE_WORDS = {
    "connection": ("connection failure", "connection failures"),
    "timeout": ("timeout", "timeouts"),
    "server_error": ("server error (5xx)", "server errors (5xx)"),
    "rate_limited": ("rate-limited (429)", "rate-limited (429)"),
    "refused": ("refused request (4xx)", "refused requests (4xx)"),
    "invalid": ("unusable answer", "unusable answers"),
}
"""How each failure kind is named, singular and plural, most telling first."""
FEED_FRESH_S = 60.0
"""A feed status older than this (wall seconds) says nothing about the engine now."""


def clock(ts: float) -> str:
    """Formats a unix time as HH:MM:SS UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


def live_feed(feed: FeedStatus | None, running: bool, now_wall: float) -> FeedStatus | None:
    """Returns the feed status when it describes a running engine now, else None."""
    if feed is None or not running or now_wall - feed.written_wall > FEED_FRESH_S:
        return None
    return feed


def failure_kinds(counts: Mapping[str, int]) -> str:
    """Names failures by kind: "14 connection failures, 2 timeouts" ("" when none)."""
    parts = []
    for kind, (one, many) in FAILURE_WORDS.items():
        n = counts.get(kind, 0)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def circuit_text(p: ProviderStatus, now_wall: float) -> str | None:
    """Says an open or half-open circuit and its next probe; None when it is closed."""
    if p.circuit == "closed":
        return None
    what = "circuit half-open (probing)" if p.circuit == "half_open" else "circuit open"
    text = f"{what} after {p.consecutive_failures} failed calls in a row"
    if p.next_probe_wall is not None and p.circuit == "open":
        wait = max(0.0, p.next_probe_wall - now_wall)
        text += f", next probe at {clock(p.next_probe_wall)} (in {wait:.0f} s)"
    if p.last_error:
        text += f"; last error: {p.last_error}"
    return text


def provider_problem(p: ProviderStatus, now_wall: float, window: str) -> str | None:
    """Says what is wrong with one provider now: its circuit, then its failures by kind."""
    parts = [t for t in (circuit_text(p, now_wall),) if t]
    kinds = failure_kinds(p.recent_failures)
    if kinds:
        parts.append(f"{kinds} in the {window}")
    return f"{p.provider}: {'; '.join(parts)}" if parts else None


def stale_text(feed: FeedStatus) -> str | None:
    """Names the stale tokens with their last price's time and age; None when none is."""
    if not feed.stale:
        return None
    names = []
    for t in feed.stale:
        if t.last_price_ts is None:
            names.append(f"{t.symbol} (no price accepted yet)")
        elif feed.market_ts is None:
            names.append(f"{t.symbol} (last price {clock(t.last_price_ts)})")
        else:
            age = max(0.0, feed.market_ts - t.last_price_ts)
            names.append(f"{t.symbol} (last price {clock(t.last_price_ts)}, {age:,.0f} s ago)")
    return f"stale prices for {', '.join(names)}: no entries or exits on them until fresh ones"


def refusals_text(feed: FeedStatus) -> str | None:
    """Counts the refused prices by rule, and says how long ago the newest was."""
    total = sum(feed.refusals.values())
    if total == 0:
        return None
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(feed.refusals.items()))
    text = f"{total} prices refused as implausible this session ({rules})"
    if feed.last_refusal_ts is not None and feed.market_ts is not None:
        text += f", the newest {max(0.0, feed.market_ts - feed.last_refusal_ts):,.0f} s ago"
    return text


def recent_refusal(feed: FeedStatus, window_s: float) -> bool:
    """True when a price was refused within `window_s` of the feed's market time."""
    if feed.last_refusal_ts is None or feed.market_ts is None:
        return False
    return feed.market_ts - feed.last_refusal_ts <= window_s
