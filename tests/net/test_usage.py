"""Tests header parsing, percentiles and minute buckets of the usage tally."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.net.usage import (
    MAX_MINUTES,
    UsageTally,
    minute_text,
    parse_budget,
    parse_reset,
    parse_retry_after,
    percentile,
)

NOW = 1_767_225_600.0
"""2026-01-01T00:00:00Z."""


class TestRetryHints:
    """A provider's "come back later" is read in every form it is sent in."""

    @pytest.mark.parametrize(
        ("value", "seconds"),
        [("2", 2.0), (" 0 ", 0.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None), (None, None)],
    )
    def test_retry_after_seconds(self, value: str | None, seconds: float | None) -> None:
        assert parse_retry_after(value, NOW) == seconds

    def test_retry_after_http_date(self) -> None:
        value = email.utils.formatdate(NOW + 7, usegmt=True)
        assert parse_retry_after(value, NOW) == pytest.approx(7.0)

    def test_retry_after_date_in_the_past_means_now(self) -> None:
        assert parse_retry_after(email.utils.formatdate(NOW - 60, usegmt=True), NOW) == 0.0

    @pytest.mark.parametrize(
        ("value", "reset_ts"),
        [
            (str(int(NOW) + 30), NOW + 30),  # unix seconds, as Jupiter sends
            (str(int(NOW) * 1000 + 5000), NOW + 5),  # unix milliseconds
            ("12", NOW + 12),  # seconds from now
            ("nan", None),
            ("x", None),
            (None, None),
        ],
    )
    def test_ratelimit_reset(self, value: str | None, reset_ts: float | None) -> None:
        assert parse_reset(value, NOW) == reset_ts


class TestProviderBudget:
    """The provider's own view of its budget is shown when it sends one."""

    def test_all_headers(self) -> None:
        headers = {
            "x-ratelimit-remaining": "17",
            "x-ratelimit-limit": "30",
            "x-ratelimit-reset": str(int(NOW) + 40),
        }
        budget = parse_budget(headers, NOW)
        assert budget is not None
        assert (budget.remaining, budget.limit, budget.reset_ts) == (17, 30, NOW + 40)

    def test_current_stands_in_for_limit(self) -> None:
        budget = parse_budget({"x-ratelimit-current": "60"}, NOW)
        assert budget is not None
        assert (budget.remaining, budget.limit, budget.reset_ts) == (None, 60, None)

    def test_no_headers_no_budget(self) -> None:
        assert parse_budget({"content-type": "application/json"}, NOW) is None

    def test_a_partial_update_keeps_the_other_fields(self) -> None:
        tally = UsageTally("jupiter")
        first = parse_budget({"x-ratelimit-remaining": "5", "x-ratelimit-limit": "30"}, NOW)
        second = parse_budget({"x-ratelimit-remaining": "4"}, NOW)
        assert first is not None and second is not None
        tally.note_budget(first)
        tally.note_budget(second)
        assert (tally.budget.remaining, tally.budget.limit) == (4, 30)


class TestPercentiles:
    """p50/p95 are nearest-rank: a value that was actually observed."""

    def test_known_set(self) -> None:
        values = [float(v) for v in range(1, 101)]
        assert percentile(values, 50) == 50.0
        assert percentile(values, 95) == 95.0
        assert percentile([], 50) is None
        assert percentile([7.0], 95) == 7.0

    @given(
        values=st.lists(st.floats(0, 1e6), min_size=1, max_size=200),
        pct=st.sampled_from([50.0, 95.0]),
    )
    def test_matches_the_definition(self, values: list[float], pct: float) -> None:
        ordered = sorted(values)
        result = percentile(ordered, pct)
        assert result in ordered
        at_or_below = sum(1 for v in ordered if v <= result)
        below = sum(1 for v in ordered if v < result)
        # At least pct% of values are <= it, and fewer than pct% are strictly below it.
        assert at_or_below >= pct / 100 * len(ordered)
        assert below < pct / 100 * len(ordered)


class TestMinuteBuckets:
    """Per-minute rows for the ledger add up, and memory stays bounded if nobody drains."""

    def test_minute_text(self) -> None:
        assert minute_text(int(NOW // 60)) == "2026-01-01T00:00Z"
        assert minute_text(int(NOW // 60) + 61) == "2026-01-01T01:01Z"

    def test_undrained_minutes_are_bounded(self) -> None:
        tally = UsageTally("dexscreener")
        for minute in range(MAX_MINUTES + 30):
            tally.count_call(NOW + 60 * minute)
        rows = tally.take_minutes(NOW + 60 * (MAX_MINUTES + 30))
        assert len(rows) == MAX_MINUTES
        assert rows[-1].minute == minute_text(int(NOW // 60) + MAX_MINUTES + 29)
        assert tally.calls == MAX_MINUTES + 30  # the running total is never dropped
