"""Tests the embedded market server over real loopback HTTP: shapes, limits, faults and counts."""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soltrader_tui.config.model import FaultsConfig, OutageWindow
from soltrader_tui.domain import Token
from soltrader_tui.market.dexscreener import best_pairs, parse_token_pairs, parse_token_profiles
from soltrader_tui.market.errors import ResponseInvalid, decode_json
from soltrader_tui.market.faults import Fault, FaultKind, FaultPlan
from soltrader_tui.market.jupiter import (
    NO_ROUTE,
    USDC_MINT,
    parse_price_v3,
    parse_quote,
    parse_swap_quote,
    quote_params,
)
from soltrader_tui.market.server import (
    PAIRS_PATH,
    PRICE_PATH,
    PROFILES_PATH,
    QUOTE_PATH,
    MarketServer,
)
from soltrader_tui.market.sim import SimMarket, sim_mint
from soltrader_tui.market.sim_answers import SharedMarket

START = 1_750_000_000.0
LISTING_S = 1200.0
SOLX, MEME, NEWB = sim_mint("SOLX"), sim_mint("MEME"), sim_mint("NEWB")
UNKNOWN = "So11111111111111111111111111111111111111112"


@dataclass
class Reply:
    """One HTTP answer as the client saw it."""

    status: int
    headers: dict[str, str]
    raw: bytes

    def json(self) -> Any:
        return json.loads(self.raw)


def fetch(url: str, timeout: float = 3.0) -> Reply:
    """GETs `url` with urllib (no client of ours involved); HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def make_market() -> SimMarket:
    return SimMarket(7, START, tick_seconds=1.0, listing_after_s=LISTING_S)


@contextmanager
def serve(
    faults: FaultsConfig | None = None,
    market: SimMarket | SharedMarket | None = None,
    *,
    jupiter_requests_per_minute: int | None = None,
    timeout_hold_s: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
) -> Iterator[MarketServer]:
    """A started server on a free loopback port, stopped on exit."""
    with MarketServer(
        market or make_market(),
        faults or FaultsConfig(),
        jupiter_requests_per_minute=jupiter_requests_per_minute,
        timeout_hold_s=timeout_hold_s,
        clock=clock,
        wall=wall,
    ) as server:
        yield server


def price_url(server: MarketServer, mints: list[str]) -> str:
    return f"{server.url}{PRICE_PATH}?ids={','.join(mints)}"


def quote_url(server: MarketServer, token: Token, side: str, amount: int) -> str:
    params = quote_params(token, "buy" if side == "buy" else "sell", amount)
    return f"{server.url}{QUOTE_PATH}?{urlencode(params)}"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestPriceEndpoint:
    """The price endpoint answers in Price API v3's shape with the simulator's prices."""

    def test_listed_tokens_priced_exactly(self) -> None:
        market = make_market()
        with serve(market=market) as server:
            reply = fetch(price_url(server, [t.mint for t in market.tokens()]))
        assert reply.status == 200
        assert reply.headers["content-type"] == "application/json"
        batch = parse_price_v3(reply.json())
        assert batch.problems == ()
        for tick in market.ticks():
            price = batch.price(tick.token.mint)
            assert price is not None
            assert price.usd_price == tick.price_usd
            assert price.decimals == tick.token.decimals
            assert price.liquidity_usd == pytest.approx(tick.liquidity_usd, abs=0.01)

    def test_unlisted_and_unknown_mints_have_no_price(self) -> None:
        with serve() as server:
            batch = parse_price_v3(fetch(price_url(server, [NEWB, UNKNOWN, SOLX])).json())
        assert batch.missing([NEWB, UNKNOWN, SOLX]) == [NEWB, UNKNOWN]
        assert batch.problems == ()

    def test_advancing_under_the_shared_lock_moves_the_price(self) -> None:
        market = make_market()
        with serve(market=market) as server:
            before = parse_price_v3(fetch(price_url(server, [SOLX])).json()).prices[SOLX]
            server.shared.advance(START + 600)
            after = parse_price_v3(fetch(price_url(server, [SOLX])).json()).prices[SOLX]
            seen = server.shared.read(lambda m: next(t for t in m.ticks() if t.token.mint == SOLX))
        assert after.usd_price != before.usd_price
        assert after.usd_price == seen.price_usd
        assert (before.block_id, after.block_id) == (0, 600)

    def test_fifty_ids_answer_and_fifty_one_are_refused(self) -> None:
        with serve() as server:
            ok = fetch(price_url(server, [SOLX] + [f"mint{i:02d}" for i in range(49)]))
            refused = fetch(price_url(server, [f"mint{i:02d}" for i in range(51)]))
            empty = fetch(f"{server.url}{PRICE_PATH}")
        assert ok.status == 200
        assert list(parse_price_v3(ok.json()).prices) == [SOLX]
        assert refused.status == 400
        assert "at most 50" in refused.json()["error"]
        assert empty.status == 400


class TestQuoteEndpoint:
    """Quotes are the pool's constant-product quote, in the Swap API's string amounts."""

    @pytest.mark.parametrize(("side", "amount"), [("buy", 50_000_000), ("sell", 10**9)])
    def test_quote_equals_the_pool(self, side: str, amount: int) -> None:
        market = make_market()
        token = market.token(SOLX)
        assert token is not None
        with serve(market=market) as server:
            body = fetch(quote_url(server, token, side, amount)).json()
        swap = parse_swap_quote(body, token, "buy" if side == "buy" else "sell")
        expected = market.quote(SOLX, swap.side, amount)
        assert expected is not None
        assert (swap.in_amount, swap.out_amount) == (expected.in_amount, expected.out_amount)
        assert swap.price_impact_bps == pytest.approx(expected.price_impact_bps, rel=1e-12)
        quote = parse_quote(body)
        assert quote.other_amount_threshold == expected.out_amount * 9950 // 10_000
        assert len(quote.route_labels) == 1

    def test_no_route_for_unknown_or_unlisted_tokens(self) -> None:
        with serve() as server:
            for mint in (UNKNOWN, NEWB):
                reply = fetch(quote_url(server, Token(mint, "X", 6), "buy", 1_000_000))
                assert reply.status == 400
                assert reply.json()["errorCode"] == NO_ROUTE
            both_usdc = fetch(
                f"{server.url}{QUOTE_PATH}?inputMint={USDC_MINT}&outputMint={USDC_MINT}&amount=5"
            )
            assert both_usdc.status == 400

    @pytest.mark.parametrize("query", ["amount=0", "amount=1.5", "amount=10&slippageBps=x"])
    def test_bad_amounts_are_refused(self, query: str) -> None:
        with serve() as server:
            url = f"{server.url}{QUOTE_PATH}?inputMint={USDC_MINT}&outputMint={SOLX}&{query}"
            assert fetch(url).status == 400


class TestDexScreenerEndpoints:
    """Profiles and pairs come in DexScreener's shapes; a late listing shows up first."""

    def test_pairs_carry_price_liquidity_and_age(self) -> None:
        market = make_market()
        with serve(market=market) as server:
            mints = [t.mint for t in market.tokens()] + [NEWB]
            reply = fetch(f"{server.url}{PAIRS_PATH}/{','.join(mints)}")
        batch = parse_token_pairs(reply.json())
        assert batch.problems == ()
        best = best_pairs(batch.pairs)
        assert set(best) == {t.mint for t in market.tokens()}
        for tick in market.ticks():
            pair = best[tick.token.mint]
            assert pair.price_usd == tick.price_usd
            assert pair.liquidity_usd == pytest.approx(tick.liquidity_usd, abs=0.01)
            # The age the in-process feed gives: established pools, long before the session.
            listed = market.listed_ts(tick.token.mint)
            assert listed is not None and listed <= START - 86_400
            assert (pair.created_ts, pair.quote_mint) == (listed, USDC_MINT)

    def test_thirty_one_addresses_are_refused(self) -> None:
        with serve() as server:
            reply = fetch(f"{server.url}{PAIRS_PATH}/{','.join(f'm{i}' for i in range(31))}")
            empty = fetch(f"{server.url}{PAIRS_PATH}")
        assert (reply.status, empty.status) == (400, 400)

    def test_late_listing_is_the_newest_profile(self) -> None:
        market = make_market()
        shared = SharedMarket(market)
        with serve(market=shared) as server:
            before = parse_token_profiles(fetch(f"{server.url}{PROFILES_PATH}").json())
            shared.advance(START + LISTING_S)
            after = parse_token_profiles(fetch(f"{server.url}{PROFILES_PATH}").json())
            pairs = parse_token_pairs(fetch(f"{server.url}{PAIRS_PATH}/{NEWB}").json()).pairs
        assert NEWB not in {p.mint for p in before.on_chain()}
        assert after.on_chain()[0].mint == NEWB
        assert len(after.profiles) == len(before.profiles) + 1
        assert pairs[0].created_ts == START + LISTING_S

    def test_unknown_path_is_404(self) -> None:
        with serve() as server:
            assert fetch(f"{server.url}/swap/v2/order").status == 404


class TestRateLimitHeaders:
    """Jupiter routes report and enforce the bucket; DexScreener routes carry no such headers."""

    def test_budget_headers_then_429_then_recovery(self) -> None:
        clock = FakeClock()
        with serve(jupiter_requests_per_minute=3, clock=clock, wall=lambda: START) as server:
            replies = [fetch(price_url(server, [SOLX])) for _ in range(4)]
            profiles = fetch(f"{server.url}{PROFILES_PATH}")
            clock.now += 61
            recovered = fetch(price_url(server, [SOLX]))
        assert [r.status for r in replies] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in replies] == ["2", "1", "0", "0"]
        assert [r.headers["x-ratelimit-current"] for r in replies[:3]] == ["1", "2", "3"]
        assert replies[0].headers["x-ratelimit-limit"] == "3"
        assert int(replies[0].headers["x-ratelimit-reset"]) == START + 60
        assert replies[3].headers["retry-after"] == "60"
        assert "x-ratelimit-limit" not in profiles.headers
        assert recovered.status == 200
        assert server.fault_counts() == {"rate_limit": 1}

    def test_no_limit_no_headers(self) -> None:
        with serve() as server:
            reply = fetch(price_url(server, [SOLX]))
        assert not any(name.startswith("x-ratelimit") for name in reply.headers)


class TestFaultsSeenByTheClient:
    """Each configured fault reaches the client as the failure it rehearses."""

    def test_429_with_retry_after(self) -> None:
        with serve(FaultsConfig(share_429=1.0)) as server:
            reply = fetch(price_url(server, [SOLX]))
        assert (reply.status, reply.headers["retry-after"]) == (429, "1")

    def test_server_errors(self) -> None:
        with serve(FaultsConfig(share_5xx=1.0, seed=3)) as server:
            statuses = {fetch(price_url(server, [SOLX])).status for _ in range(12)}
            counted = server.fault_counts()
        assert statuses <= {500, 502, 503, 504}
        assert len(statuses) >= 2
        assert counted == {FaultKind.SERVER_ERROR.value: 12}

    def test_timeout_holds_until_the_client_gives_up(self) -> None:
        with serve(FaultsConfig(share_timeout=1.0), timeout_hold_s=20) as server:
            started = time.monotonic()
            with pytest.raises((TimeoutError, urllib.error.URLError)):
                fetch(price_url(server, [SOLX]), timeout=0.3)
            waited = time.monotonic() - started
            stop_started = time.monotonic()
        assert 0.3 <= waited < 2
        # Stopping releases the held request at once rather than after the 20-second hold.
        assert time.monotonic() - stop_started < 2

    def test_malformed_alternates_invalid_json_and_missing_field(self) -> None:
        with serve(FaultsConfig(share_malformed=1.0)) as server:
            first = fetch(price_url(server, [SOLX]))
            second = fetch(price_url(server, [SOLX]))
            token = server.shared.read(lambda m: m.token(SOLX))
            assert token is not None
            third = fetch(quote_url(server, token, "buy", 10**6))
            fourth = fetch(quote_url(server, token, "buy", 10**6))
        assert first.status == second.status == 200
        with pytest.raises(ResponseInvalid, match="not valid JSON"):
            decode_json("jupiter", first.raw)
        batch = parse_price_v3(decode_json("jupiter", second.raw))
        assert batch.price(SOLX) is None
        assert [p.field for p in batch.problems] == [f"{SOLX}.usdPrice"]
        with pytest.raises(ResponseInvalid, match="not valid JSON"):
            decode_json("jupiter", third.raw)
        with pytest.raises(ResponseInvalid) as caught:
            parse_quote(decode_json("jupiter", fourth.raw))
        assert caught.value.field == "outAmount"

    def test_malformed_dexscreener_bodies(self) -> None:
        with serve(FaultsConfig(share_malformed=1.0)) as server:
            broken = fetch(f"{server.url}{PROFILES_PATH}")
            missing = fetch(f"{server.url}{PAIRS_PATH}/{SOLX}")
        with pytest.raises(ResponseInvalid):
            decode_json("dexscreener", broken.raw)
        batch = parse_token_pairs(decode_json("dexscreener", missing.raw))
        assert [p.field for p in batch.problems] == ["[0].baseToken"]

    def test_latency_is_added(self) -> None:
        with serve(FaultsConfig(latency_ms=200)) as server:
            started = time.monotonic()
            reply = fetch(price_url(server, [SOLX]))
            elapsed = time.monotonic() - started
        assert reply.status == 200
        assert elapsed >= 0.2

    def test_outage_window(self) -> None:
        clock = FakeClock()
        outage = FaultsConfig(outages=[OutageWindow(start_s=10, duration_s=60)])
        with serve(outage, clock=clock, jupiter_requests_per_minute=100) as server:
            before = fetch(price_url(server, [SOLX]))
            clock.now += 10
            during = [fetch(price_url(server, [SOLX])), fetch(f"{server.url}{PROFILES_PATH}")]
            clock.now += 59.9
            last = fetch(price_url(server, [SOLX]))
            clock.now += 0.1
            after = fetch(price_url(server, [SOLX]))
        assert [before.status, *(r.status for r in during), last.status, after.status] == [
            200,
            503,
            503,
            503,
            200,
        ]
        assert "x-ratelimit-limit" not in during[0].headers


class TestRequestCounts:
    """The server counts every request it receives, per route, whatever it answered."""

    def test_counts_match_what_was_sent(self) -> None:
        with serve(FaultsConfig(share_429=0.5, seed=11)) as server:
            for _ in range(5):
                fetch(price_url(server, [SOLX]))
            for _ in range(3):
                fetch(f"{server.url}{PAIRS_PATH}/{SOLX},{MEME}")
            fetch(f"{server.url}{PROFILES_PATH}")
            fetch(f"{server.url}/nowhere")
            statuses = server.status_counts()
            assert server.request_count() == 10
            assert server.request_counts() == {
                PRICE_PATH: 5,
                PAIRS_PATH: 3,
                PROFILES_PATH: 1,
                "/nowhere": 1,
            }
            assert server.request_count(PRICE_PATH) == 5
        assert sum(statuses.values()) == 10
        assert statuses.get(429, 0) == server.fault_counts().get("rate_limited", 0) > 0

    def test_concurrent_clients_are_all_counted(self) -> None:
        market = make_market()
        with serve(market=market) as server:
            stop = threading.Event()

            def engine() -> None:
                ts = START
                while not stop.is_set():
                    ts += 1
                    server.shared.advance(ts)

            stepper = threading.Thread(target=engine)
            stepper.start()
            results: list[int] = []
            workers = [
                threading.Thread(
                    target=lambda: results.extend(
                        fetch(price_url(server, [SOLX, MEME])).status for _ in range(10)
                    )
                )
                for _ in range(4)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            stop.set()
            stepper.join()
            assert server.request_count(PRICE_PATH) == 40
        assert results == [200] * 40


class TestFaultPlan:
    """Fault decisions are reproducible from the seed and honour the configured shares."""

    def test_same_seed_same_faults(self) -> None:
        config = FaultsConfig(share_429=0.1, share_5xx=0.1, share_timeout=0.1, share_malformed=0.1)

        def run(seed: int) -> list[Fault | None]:
            plan = FaultPlan(config, seed=seed)
            return [plan.decide(1.0) for _ in range(200)]

        assert run(5) == run(5)
        assert run(5) != run(6)
        assert {f.kind for f in run(5) if f} == set(FaultKind) - {FaultKind.OUTAGE}

    @settings(max_examples=20, deadline=None)
    @given(
        shares=st.lists(st.floats(min_value=0, max_value=0.25), min_size=4, max_size=4),
        seed=st.integers(min_value=0, max_value=2**32),
    )
    def test_shares_are_honoured(self, shares: list[float], seed: int) -> None:
        config = FaultsConfig(
            share_429=shares[0],
            share_5xx=shares[1],
            share_timeout=shares[2],
            share_malformed=shares[3],
        )
        plan = FaultPlan(config, seed=seed)
        n = 4000
        kinds = Counter(f.kind if f else None for f in (plan.decide(0.0) for _ in range(n)))
        malformed = kinds[FaultKind.INVALID_JSON] + kinds[FaultKind.MISSING_FIELD]
        observed = [
            kinds[FaultKind.RATE_LIMITED],
            kinds[FaultKind.SERVER_ERROR],
            kinds[FaultKind.TIMEOUT],
            malformed,
        ]
        for share, count in zip(shares, observed, strict=True):
            # Five standard deviations of a binomial count: a false alarm is vanishingly rare.
            assert abs(count - share * n) <= 5 * (n * share * (1 - share)) ** 0.5 + 1
        assert abs(kinds[FaultKind.INVALID_JSON] - kinds[FaultKind.MISSING_FIELD]) <= 1

    def test_outage_overrides_everything(self) -> None:
        config = FaultsConfig(outages=[OutageWindow(start_s=5, duration_s=1)])
        plan = FaultPlan(config)
        assert [plan.decide(t) for t in (4.99, 6.0)] == [None, None]
        fault = plan.decide(5.0)
        assert fault is not None
        assert (fault.kind, fault.status) == (FaultKind.OUTAGE, 503)
        assert plan.in_outage(5.999) and not plan.in_outage(6.0)

    def test_off_by_default(self) -> None:
        plan = FaultPlan(FaultsConfig())
        assert all(plan.decide(float(t)) is None for t in range(500))
        assert plan.latency_s == 0

    def test_shares_over_one_are_refused(self) -> None:
        with pytest.raises(ValueError, match="must not exceed 1"):
            FaultsConfig(share_429=0.6, share_timeout=0.5)


class TestQuietBesideTheDashboard:
    """The server never writes to the terminal: the dashboard owns it."""

    def test_a_client_that_hangs_up_mid_request_prints_nothing(
        self, capfd: pytest.CaptureFixture[str]
    ) -> None:
        with serve() as server:
            host, port = server.url.removeprefix("http://").split(":")
            conn = socket.create_connection((host, int(port)), timeout=3)
            conn.sendall(b"GET /price/v3?ids=")  # half a request line, then a reset
            linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)  # on, 0 s
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            conn.close()
            time.sleep(0.3)
            assert fetch(price_url(server, [make_market().tokens()[0].mint])).status == 200
        captured = capfd.readouterr()
        assert captured.err == "" and captured.out == ""
