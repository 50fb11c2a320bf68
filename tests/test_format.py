"""Tests of the shared formatter: every figure on the dashboard reads the same way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui import format as fmt

MISSING = "—"


class TestMissingFigures:
    """A figure that is not known yet shows as "—" in every formatter, never as 0."""

    @pytest.mark.parametrize(
        "formatter",
        [
            fmt.usd,
            fmt.signed_usd,
            fmt.pct,
            fmt.qty,
            fmt.price,
            fmt.score,
            fmt.score_bar,
            fmt.duration,
            fmt.ts,
            fmt.count,
            fmt.millis,
            fmt.usd_micro,
            fmt.signed_usd_micro,
            fmt.elapsed,
        ],
    )
    def test_none_is_a_dash(self, formatter: Callable[[None], str]) -> None:
        assert formatter(None) == MISSING

    @pytest.mark.parametrize(("since", "now"), [(None, 10.0), (10.0, None), (None, None)])
    def test_age_needs_both_times(self, since: float | None, now: float | None) -> None:
        assert fmt.age(since, now) == MISSING


class TestMoney:
    """Dollar amounts have cents and separators; losses carry a minus before the dollar sign."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1234.56, "$1,234.56"),
            (0.0, "$0.00"),
            (-12.3, "-$12.30"),
            (1_000_000.004, "$1,000,000.00"),
            (-0.001, "$0.00"),
            (0.004, "$0.00"),
            (-1234567.891, "-$1,234,567.89"),
        ],
    )
    def test_usd(self, value: float, text: str) -> None:
        assert fmt.usd(value) == text

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (12.3, "+$12.30"),
            (-12.3, "-$12.30"),
            (0.0, "$0.00"),
            (-0.004, "$0.00"),
            (4321.0, "+$4,321.00"),
        ],
    )
    def test_signed_usd(self, value: float, text: str) -> None:
        assert fmt.signed_usd(value) == text

    @given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
    def test_usd_round_trips_to_the_cent(self, value: float) -> None:
        text = fmt.usd(value)
        parsed = float(text.replace("$", "").replace(",", ""))
        assert parsed == pytest.approx(round(value, 2), abs=0.0051)
        assert text.startswith("-") == (parsed < 0)


class TestPercent:
    """Fractions show as percentages; returns can carry an explicit sign."""

    @pytest.mark.parametrize(
        ("value", "kwargs", "text"),
        [
            (0.123, {}, "12.3%"),
            (4 / 7, {}, "57.1%"),
            (-0.04, {}, "-4.0%"),
            (0.0247, {"signed": True, "digits": 2}, "+2.47%"),
            (-0.0247, {"signed": True, "digits": 2}, "-2.47%"),
            (0.0, {"signed": True}, "0.0%"),
            (-0.00001, {}, "0.0%"),
            (12.5, {}, "1,250.0%"),
        ],
    )
    def test_pct(self, value: float, kwargs: dict[str, object], text: str) -> None:
        assert fmt.pct(value, **kwargs) == text  # type: ignore[arg-type]


class TestQuantitiesAndPrices:
    """Memecoin amounts and prices stay readable: no exponents, enough digits to compare."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (3_456_789.12, "3,456,789"),
            (1000.0, "1,000"),
            (17.5, "17.50"),
            (1.0, "1.00"),
            (0.328125, "0.3281"),
            (0.0012346, "0.001235"),
            (0.0, "0"),
            (-2.5, "-2.50"),
        ],
    )
    def test_qty(self, value: float, text: str) -> None:
        assert fmt.qty(value) == text

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (0.00001234, "$0.00001234"),
            (0.000024315, "$0.00002432"),
            (0.1834, "$0.1834"),
            (2.8712, "$2.871"),
            (152.37, "$152.37"),
            (12345.678, "$12,345.68"),
            (0.0, "$0.00"),
            (-0.00001234, "-$0.00001234"),
        ],
    )
    def test_price(self, value: float, text: str) -> None:
        assert fmt.price(value) == text

    @given(st.floats(min_value=1e-12, max_value=1e6, allow_nan=False))
    def test_price_keeps_four_significant_digits(self, value: float) -> None:
        text = fmt.price(value)
        assert "e" not in text
        parsed = float(text.replace("$", "").replace(",", ""))
        assert parsed == pytest.approx(value, rel=1e-3, abs=0.005)


class TestScores:
    """Scores show two decimals and a bar of fixed width, filled in eighths."""

    @pytest.mark.parametrize(("value", "text"), [(0.8234, "0.82"), (0.0, "0.00"), (1.0, "1.00")])
    def test_score(self, value: float, text: str) -> None:
        assert fmt.score(value) == text

    @pytest.mark.parametrize(
        ("value", "bar"),
        [
            (0.0, "          "),
            (1.0, "██████████"),
            (0.5, "█████     "),
            (0.41, "████▏     "),
            (1.7, "██████████"),
            (-0.2, "          "),
        ],
    )
    def test_score_bar(self, value: float, bar: str) -> None:
        assert fmt.score_bar(value) == bar

    @given(st.floats(min_value=0, max_value=1), st.integers(min_value=1, max_value=40))
    def test_bar_always_fills_its_width(self, value: float, width: int) -> None:
        assert len(fmt.score_bar(value, width)) == width


class TestTime:
    """Times are UTC HH:MM:SS; spans show their two largest units."""

    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (0, "0s"),
            (45.9, "45s"),
            (725, "12m 05s"),
            (3 * 3600 + 4 * 60 + 59, "3h 04m"),
            (2 * 86400 + 5 * 3600, "2d 05h"),
            (-30, "0s"),
        ],
    )
    def test_duration(self, seconds: float, text: str) -> None:
        assert fmt.duration(seconds) == text

    def test_age_measures_from_market_time(self) -> None:
        assert fmt.age(1000.0, 1754.0) == "12m 34s"

    @pytest.mark.parametrize(
        ("value", "text"),
        [(1_717_243_200.0, "12:00:00"), (1_717_243_200.0 + 3599.9, "12:59:59"), (0.0, "00:00:00")],
    )
    def test_ts_is_utc(self, value: float, text: str) -> None:
        assert fmt.ts(value) == text


class TestCounts:
    """Counts and latencies use thousands separators."""

    @pytest.mark.parametrize(("value", "text"), [(0, "0"), (1234, "1,234"), (-5, "-5")])
    def test_count(self, value: int, text: str) -> None:
        assert fmt.count(value) == text

    @pytest.mark.parametrize(("value", "text"), [(87.4, "87"), (1234.6, "1,235"), (0.0, "0")])
    def test_millis(self, value: float, text: str) -> None:
        assert fmt.millis(value) == text


class TestLedgerUnits:
    """Figures straight from the ledger (micro-USDC, base units) read like the dollar ones."""

    @pytest.mark.parametrize(
        ("micro", "text"),
        [
            (1_234_560_000, "$1,234.56"),
            (-12_300_000, "-$12.30"),
            (4_999, "$0.00"),
            (5_000, "$0.01"),
        ],
    )
    def test_usd_micro(self, micro: int, text: str) -> None:
        assert fmt.usd_micro(micro) == text

    @pytest.mark.parametrize(
        ("micro", "text"), [(12_300_000, "+$12.30"), (-12_300_000, "-$12.30"), (0, "$0.00")]
    )
    def test_signed_usd_micro(self, micro: int, text: str) -> None:
        assert fmt.signed_usd_micro(micro) == text

    @pytest.mark.parametrize(
        ("base", "decimals", "text"),
        [
            (3_456_789_000_000, 6, "3,456,789"),
            (12_345_000_000, 9, "12.35"),
            (1_234_500, 9, "0.001234"),
            (5, 0, "5.00"),
        ],
    )
    def test_quantity_in_base_units(self, base: int, decimals: int, text: str) -> None:
        assert fmt.quantity(base, decimals) == text

    def test_quantity_unknown(self) -> None:
        assert fmt.quantity(None, 6) == MISSING


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(4.24, "4.2 s"), (119.9, "119.9 s"), (120, "2 min"), (7199, "120 min"), (12_600, "3.5 h")],
)
def test_elapsed_in_one_unit(seconds: float, text: str) -> None:
    """A span inside a sentence (health's heartbeat ages): one unit, switching at 2 min and 2 h."""
    assert fmt.elapsed(seconds) == text
