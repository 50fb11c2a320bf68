"""Tests the live-versus-paper comparison: one sign convention for buys and sells (worse for us
is negative), the totals, and what is left out of them."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.ledger.swap_reads import LiveFillRecord, SwapRecord, TwinRecord
from soltrader_tui.monitor.slippage import build_report, compare_fill, percentile, swap_line

DECIMALS = 6


def price(quote_amount: int, qty: int) -> float:
    return (quote_amount / 1_000_000) / (qty / 10**DECIMALS)


def twin(qty: int, quote_amount: int, fee: int = 25_000) -> TwinRecord:
    return TwinRecord(qty, quote_amount, fee, price(quote_amount, qty))


def live(qty: int, quote_amount: int, fee: int = 5_000) -> LiveFillRecord:
    return LiveFillRecord(1, 1_700_000_000.0, qty, price(quote_amount, qty), quote_amount, fee)


def swap(
    side: str = "buy",
    *,
    status: str = "landed",
    fill: LiveFillRecord | None = None,
    paper: TwinRecord | None = None,
    decided: float = 1000.0,
    signed: float = 1000.2,
    settled: float | None = 1001.0,
) -> SwapRecord:
    return SwapRecord(
        client_order_id="o1",
        ts=1_700_000_000.0,
        side=side,  # type: ignore[arg-type]
        mint="M",
        symbol="TOK",
        decimals=DECIMALS,
        in_amount=10_000_000,
        strategy="momentum",
        reason="entry",
        signature="sig",
        route="jupiter",
        quoted_out=1,
        min_out=1,
        sol_usd=150.0,
        decided_wall=decided,
        signed_wall=signed,
        twin=paper,
        twin_note="" if paper is not None else "no quote for TOK",
        status=status,
        outcome="",
        settled_wall=settled,
        slot=1,
        fee_lamports=5000,
        sol_spent_lamports=5000,
        fill=fill,
    )


amounts = st.integers(min_value=1_000, max_value=10**12)
shortfall = st.integers(min_value=1, max_value=999)


class TestSigns:
    """A live fill worse than its twin reads negative on every figure, for either side."""

    @given(qty=amounts, quote=amounts, short=shortfall)
    def test_a_buy_that_got_fewer_tokens_is_negative(
        self, qty: int, quote: int, short: int
    ) -> None:
        got = max(1, qty - qty * short // 1000)
        if got >= qty:
            got = qty - 1
        if got < 1:
            return
        c = compare_fill("buy", live(got, quote), twin(qty, quote))
        assert c.price_bps < 0
        assert c.received_diff == got - qty < 0
        assert c.slippage_micro < 0

    @given(qty=amounts, quote=amounts, short=shortfall)
    def test_a_sell_that_got_fewer_dollars_is_negative(
        self, qty: int, quote: int, short: int
    ) -> None:
        got = quote - max(1, quote * short // 1000)
        if got < 1:
            return
        c = compare_fill("sell", live(qty, got), twin(qty, quote))
        assert c.price_bps < 0
        assert c.received_diff == got - quote < 0
        assert c.slippage_micro < 0

    @given(side=st.sampled_from(["buy", "sell"]), qty=amounts, quote=amounts, extra=shortfall)
    def test_a_better_fill_is_positive(self, side: str, qty: int, quote: int, extra: int) -> None:
        # A buy that got more tokens, a sell that got more dollars, for the same input.
        better = (
            live(qty + qty * extra // 1000 + 1, quote)
            if side == "buy"
            else live(qty, quote + quote * extra // 1000 + 1)
        )
        c = compare_fill(side, better, twin(qty, quote))
        assert c.price_bps > 0 and c.received_diff > 0 and c.slippage_micro > 0

    @given(side=st.sampled_from(["buy", "sell"]), qty=amounts, quote=amounts)
    def test_the_same_fill_is_zero(self, side: str, qty: int, quote: int) -> None:
        c = compare_fill(side, live(qty, quote, fee=7), twin(qty, quote, fee=7))
        assert c.price_bps == 0 and c.received_diff == 0 and c.slippage_micro == 0
        assert c.fee_diff_micro == 0

    @given(side=st.sampled_from(["buy", "sell"]), qty=amounts, quote=amounts, k=shortfall)
    def test_slippage_and_price_agree_in_sign(
        self, side: str, qty: int, quote: int, k: int
    ) -> None:
        # Live spent (buy) or sold (sell) a different amount at a worse price: still negative.
        if side == "buy":
            fill = live(qty, quote + quote * k // 1000 + 1)  # more dollars for the same tokens
        else:
            fill = live(qty + qty * k // 1000 + 1, quote)  # more tokens for the same dollars
        c = compare_fill(side, fill, twin(qty, quote))
        assert c.price_bps < 0 and c.slippage_micro < 0

    def test_figures_for_a_buy(self) -> None:
        # Paper: 10 TOK for $10 ($1). Live: 9.9 TOK for $10: 1 % fewer tokens.
        c = compare_fill("buy", live(9_900_000, 10_000_000, fee=30_000), twin(10**7, 10**7))
        assert round(c.price_bps, 6) == round((1 - 10 / 9.9) * 10_000, 6)  # -101.01 bps
        assert c.received_diff == -100_000
        assert c.slippage_micro == -100_000  # 0.1 TOK at the twin's $1
        assert c.fee_diff_micro == 25_000 - 30_000

    def test_figures_for_a_sell(self) -> None:
        c = compare_fill("sell", live(10**7, 9_950_000), twin(10**7, 10**7))
        assert round(c.price_bps, 6) == -50.0
        assert c.received_diff == -50_000 and c.slippage_micro == -50_000


class TestTotals:
    """What the totals add up, count and leave out."""

    def test_sums_cover_the_landed_swaps_with_a_twin(self) -> None:
        worse_buy = swap("buy", fill=live(9_900_000, 10**7), paper=twin(10**7, 10**7))
        worse_sell = swap(
            "sell",
            fill=live(10**7, 9_950_000, fee=6_000),
            paper=twin(10**7, 10**7, fee=20_000),
            settled=1003.0,
        )
        no_twin = swap("buy", fill=live(10**7, 10**7, fee=9_999), paper=None, settled=1010.0)
        failed = swap("buy", status="failed", paper=twin(10**7, 10**7), settled=1000.5)
        expired = swap("buy", status="expired", paper=twin(10**7, 10**7), settled=None)
        sent = swap("sell", status="sent", paper=twin(10**7, 10**7), settled=None)
        t = build_report([worse_buy, worse_sell, no_twin, failed, expired, sent]).totals
        assert t.by_status == {"landed": 3, "failed": 1, "expired": 1, "sent": 1}
        assert t.awaiting == 1
        assert (t.compared, t.without_twin) == (2, 1)
        assert t.slippage_usd == (-100_000 - 50_000) / 1e6
        assert t.fees_live_usd == (5_000 + 6_000) / 1e6  # the untwinned fill's fee is not in
        assert t.fees_paper_usd == (25_000 + 20_000) / 1e6
        assert t.failed_fees_usd == 5000 / 1e9 * 150.0  # the failed swap's SOL, not in live fees
        # Decision to landing over the landed swaps: 1000, 3000 and 10000 ms.
        assert t.latency_ms_median == 3000.0
        assert t.latency_ms_p95 == 10_000.0
        assert t.signed_ms_median is not None and round(t.signed_ms_median) == 200

    def test_nothing_compared_is_unknown_not_zero(self) -> None:
        t = build_report([swap("buy", status="sent", settled=None, paper=None)]).totals
        assert t.slippage_usd is None and t.fees_live_usd is None and t.fees_paper_usd is None
        assert t.failed_fees_usd is None
        assert t.latency_ms_median is None and t.latency_ms_p95 is None
        assert build_report([]).totals.signed_ms_median is None

    def test_latency_of_a_swap(self) -> None:
        line = swap_line(swap("buy", fill=live(1, 1), paper=twin(1, 1), settled=1002.5))
        assert round(line.signed_ms) == 200 and line.landed_ms == 2500.0
        expired = swap_line(replace(swap("buy", status="expired"), settled_wall=None))
        assert expired.landed_ms is None and expired.comparison is None

    def test_percentile_is_nearest_rank(self) -> None:
        values = [float(v) for v in range(1, 101)]
        assert percentile(values[::-1], 95) == 95.0
        assert percentile([5.0], 95) == 5.0
        assert percentile([], 50) is None
