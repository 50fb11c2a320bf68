"""Tests of the generic extra tokens: same token whatever the count, the seed only moves prices."""

from __future__ import annotations

from soltrader_tui.market.sim import SimMarket, extra_specs, sim_mint

START = 1_750_000_000.0


class TestExtraTokens:
    """A wide simulated market: SIM01… join the five characters, each always the same token."""

    def test_count_and_identity(self) -> None:
        market = SimMarket(1, START, extra_tokens=12)
        symbols = [t.symbol for t in market.tokens()]
        assert symbols[-12:] == [f"SIM{n:02d}" for n in range(1, 13)]
        assert market.token(sim_mint("SIM07")) is not None
        assert extra_specs(3) == extra_specs(20)[:3]

    def test_prices_move_and_are_seeded(self) -> None:
        a, b, c = (SimMarket(s, START, extra_tokens=5) for s in (1, 1, 2))
        for m in (a, b, c):
            m.advance(START + 3600)
        prices = [{t.token.symbol: t.price_usd for t in m.ticks()} for m in (a, b, c)]
        assert prices[0] == prices[1]
        assert prices[0]["SIM03"] != prices[2]["SIM03"]
        start = SimMarket(1, START, extra_tokens=5)
        assert {t.price_usd for t in start.ticks()} != {t.price_usd for t in a.ticks()}


class TestResume:
    """A restarted session's market starts at the prices the last one ended on."""

    def test_resume_prices(self) -> None:
        market = SimMarket(1, START, extra_tokens=2)
        marks = {
            sim_mint("SOLX"): (171.25, None),
            sim_mint("SIM02"): (0.0123, None),
            "unknown-mint": (5.0, 1e6),
        }
        market.resume(marks)
        prices = {t.token.mint: t.price_usd for t in market.ticks()}
        assert abs(prices[sim_mint("SOLX")] / 171.25 - 1) < 1e-6
        assert abs(prices[sim_mint("SIM02")] / 0.0123 - 1) < 1e-6
        quote = market.quote(sim_mint("SOLX"), "buy", 1_000_000)
        assert quote is not None and abs(1.0 / (quote.out_amount / 1e9) / 171.25 - 1) < 1e-3
