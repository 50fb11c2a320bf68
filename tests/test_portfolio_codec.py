"""Tests the saved text of a portfolio and curve: what is saved comes back exactly, and a damaged
text is refused with a reason instead of being half-used."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.domain import Fill
from soltrader_tui.equity_curve import EquityCurve
from soltrader_tui.portfolio import Portfolio
from soltrader_tui.portfolio_codec import (
    CodecError,
    decode_curve,
    decode_portfolio,
    encode_curve,
    encode_portfolio,
)
from tests.factories import fill_sequences

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
