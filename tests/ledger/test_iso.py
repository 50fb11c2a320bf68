"""Tests the ledger's time text: the whole-second shortcut writes what datetime writes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.ledger.rows import from_iso, iso


def reference(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@given(st.integers(0, 4_102_444_800))  # 1970 to 2100
def test_whole_seconds_match_datetime(seconds: int) -> None:
    assert iso(float(seconds)) == reference(float(seconds))


@given(st.floats(0, 4_102_444_800, allow_nan=False))
def test_any_time_matches_datetime_and_reads_back(ts: float) -> None:
    assert iso(ts) == reference(ts)
    assert abs(from_iso(iso(ts)) - ts) < 0.001 + 1e-6


def test_a_known_instant() -> None:
    assert iso(1_735_689_600.0) == "2025-01-01T00:00:00.000Z"
    assert iso(1_735_689_600.0 + 86_399) == "2025-01-01T23:59:59.000Z"


def test_an_int_is_a_time_too() -> None:
    assert iso(1_735_689_600) == "2025-01-01T00:00:00.000Z"  # type: ignore[arg-type]
