"""Tests the saved text of a portfolio and curve: what is saved comes back exactly, and a damaged
text is refused with a reason instead of being half-used."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import Fill
from soltrader_tui.portfolio.codec import (
    CodecError,
    decode_curve,
    decode_portfolio,
    encode_curve,
    encode_portfolio,
)
from soltrader_tui.portfolio.equity_curve import EquityCurve
from soltrader_tui.portfolio.portfolio import Portfolio
from tests.factories import BONK, WIF, fill_sequences, make_fill

START = 500_000_000


class TestRoundTrip:
    """A saved portfolio is the same portfolio when read back, whatever the fills were."""

    @given(fill_sequences(), st.floats(0.001, 1e6))
    def test_state_and_high_water_come_back(self, fills: list[Fill], high_water: float) -> None:
        portfolio = Portfolio.replay(START, fills)
        for position in portfolio.positions.values():
            position.high_water_usd = high_water
        back = decode_portfolio(encode_portfolio(portfolio))
        assert back.state() == portfolio.state()
        assert [p.high_water_usd for p in back.positions.values()] == [
            p.high_water_usd for p in portfolio.positions.values()
        ]
        assert {m: p.token for m, p in back.positions.items()} == {
            m: p.token for m, p in portfolio.positions.items()
        }

    @given(fill_sequences(max_fills=30), st.integers(0, 30))
    def test_a_decoded_portfolio_carries_on_like_the_original(
        self, fills: list[Fill], cut: int
    ) -> None:
        resumed = decode_portfolio(encode_portfolio(Portfolio.replay(START, fills[:cut])))
        for fill in fills[cut:]:
            resumed.apply(fill)
        assert resumed.state() == Portfolio.replay(START, fills).state()

    @given(st.lists(st.integers(-(10**12), 10**12), max_size=30))
    def test_curve_comes_back(self, points: list[int]) -> None:
        curve = EquityCurve()
        for point in points:
            curve.update(point)
        assert decode_curve(encode_curve(curve)).saved() == curve.saved()


class TestDamagedText:
    """A text that is not a saved portfolio is refused, naming what is wrong."""

    def saved(self, **changes: object) -> str:
        data = json.loads(encode_portfolio(Portfolio(START)))
        data.update(changes)
        return json.dumps(data)

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("not json", "not JSON"),
            ("[1, 2]", "not a JSON object"),
            ('{"format": 99}', "format 99"),
            ('{"format": 1}', "starting cash"),
        ],
    )
    def test_not_a_saved_portfolio(self, text: str, says: str) -> None:
        with pytest.raises(CodecError, match=says):
            decode_portfolio(text)

    def test_wrong_types_and_counts(self) -> None:
        with pytest.raises(CodecError, match="cash_micro: expected an integer"):
            decode_portfolio(self.saved(cash_micro="12"))
        with pytest.raises(CodecError, match="positions is not a list"):
            decode_portfolio(self.saved(positions=[["mint", "SYM"]]))
        with pytest.raises(CodecError, match="counts do not add up"):
            decode_portfolio(self.saved(round_trips=1, wins=2))
        with pytest.raises(CodecError, match="missing 'wins'"):
            data = json.loads(self.saved())
            del data["wins"]
            decode_portfolio(json.dumps(data))

    def test_a_position_without_tokens_is_refused(self) -> None:
        row = ["MINT", "SYM", 6, 0, 1, 1.0, "momentum", 0, None]
        with pytest.raises(CodecError, match="qty 0"):
            decode_portfolio(self.saved(positions=[row]))

    def test_curve_refusals(self) -> None:
        with pytest.raises(CodecError, match="missing 'peak'"):
            decode_curve('{"format": 1}')
        with pytest.raises(CodecError, match="max_dd: expected a finite number"):
            decode_curve('{"format": 1, "peak": 1, "last": 1, "max_dd": "x"}')


def saved_text() -> dict[str, Any]:
    """A saved portfolio holding one of everything: a position, two strategies, a trip."""
    fills = [
        make_fill("buy", 1_000_000, 10_000_000, 25_000, BONK, ts=1.0, order_id="b1"),
        make_fill("sell", 1_000_000, 12_000_000, 30_000, BONK, ts=2.0, order_id="s1"),
        make_fill("buy", 2_000_000, 5_000_000, 0, WIF, ts=3.0, strategy="breakout"),
    ]
    portfolio = Portfolio.replay(500_000_000, fills)
    portfolio.positions[WIF.mint].high_water_usd = 2.5
    data: dict[str, Any] = json.loads(encode_portfolio(portfolio))
    return data


POSITION_FIELDS = (
    "positions", "positions", "decimals", "qty", "cost_micro", "opened_ts", "positions",
    "trip_realized_micro", "high_water_usd",
)  # fmt: skip
"""The field each column of a saved position is named by in an error."""
TEXT_COLUMNS = {("positions", 0), ("positions", 1), ("positions", 6), ("strategies", 0)}
TEXT_COLUMNS |= {("recent_trips", 0), ("recent_trips", 1), ("recent_trips", 2)}
FLOAT_COLUMNS = {("positions", 5), ("positions", 8), ("recent_trips", 3), ("recent_trips", 4)}
CELLS = [
    *((("positions", column), POSITION_FIELDS[column]) for column in range(9)),
    *((("strategies", column), "strategies") for column in range(4)),
    *((("recent_trips", column), "recent_trips") for column in range(6)),
]


class TestEveryFieldIsNamed:
    """A damaged field is refused with a message naming that field, whichever it is."""

    @pytest.mark.parametrize(
        "field", ["cash_micro", "realized_micro", "fill_count", "round_trips", "wins"]
    )
    def test_top_level_counts(self, field: str) -> None:
        data = saved_text()
        data[field] = "x"
        with pytest.raises(CodecError) as raised:
            decode_portfolio(json.dumps(data))
        assert str(raised.value) == f"saved {field}: expected an integer, got 'x'"

    def test_starting_cash(self) -> None:
        data = saved_text()
        data["starting_cash_micro"] = 1.5
        with pytest.raises(CodecError) as raised:
            decode_portfolio(json.dumps(data))
        assert str(raised.value) == "saved starting_cash_micro: expected an integer, got 1.5"

    @pytest.mark.parametrize(("cell", "field"), CELLS, ids=[f"{c[0]}-{c[1]}" for c, _ in CELLS])
    def test_rows(self, cell: tuple[str, int], field: str) -> None:
        data = saved_text()
        rows, column = cell
        bad: object = 5 if cell in TEXT_COLUMNS else "x"
        data[rows][-1][column] = bad  # the WIF position, the momentum stats, the BONK trip
        expected = (
            "expected text"
            if cell in TEXT_COLUMNS
            else "expected a finite number"
            if cell in FLOAT_COLUMNS
            else "expected an integer"
        )
        with pytest.raises(CodecError) as raised:
            decode_portfolio(json.dumps(data))
        assert str(raised.value) == f"saved {field}: {expected}, got {bad!r}"

    @pytest.mark.parametrize(
        ("field", "width"), [("positions", 9), ("strategies", 4), ("recent_trips", 6)]
    )
    def test_row_shapes(self, field: str, width: int) -> None:
        data = saved_text()
        data[field] = [["x"]]
        with pytest.raises(CodecError) as raised:
            decode_portfolio(json.dumps(data))
        assert str(raised.value) == f"saved portfolio: {field} is not a list of {width}-item rows"

    def test_counts(self) -> None:
        data = saved_text()
        data["wins"] = 2  # more wins than round trips
        with pytest.raises(CodecError) as raised:
            decode_portfolio(json.dumps(data))
        assert str(raised.value) == "saved portfolio: its counts do not add up"

    @pytest.mark.parametrize(
        ("decode", "what"), [(decode_portfolio, "portfolio"), (decode_curve, "curve")]
    )
    def test_which_text(self, decode: Callable[[str], object], what: str) -> None:
        with pytest.raises(CodecError) as raised:
            decode("[]")
        assert str(raised.value) == f"saved {what} is not a JSON object"

    @pytest.mark.parametrize(("field", "column"), [("peak", "peak"), ("last", "last")])
    def test_curve_fields(self, field: str, column: str) -> None:
        data = json.loads(encode_curve(EquityCurve(10, 9, 0.1)))
        data[column] = "x"
        with pytest.raises(CodecError) as raised:
            decode_curve(json.dumps(data))
        assert str(raised.value) == f"saved {field}: expected an integer, got 'x'"

    def test_the_saved_text_is_the_whole_portfolio(self) -> None:
        back = decode_portfolio(json.dumps(saved_text()))
        assert back.positions[WIF.mint].high_water_usd == 2.5
        assert back.state().strategies == (("breakout", 0, 0, 0), ("momentum", 1, 1, 1_945_000))
