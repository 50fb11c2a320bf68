"""Tests what the API panel and ledger show against what the loopback server really received."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soltrader_tui.net import MeteredClient, ProviderError, RequestFailed
from tests.loopback import LoopbackServer, RecordedRequest, Reply
from tests.net import ManualClock, make_policy

OK = Reply.json({"ok": True})
SECRET = "sk-test-9f8e7d6c5b4a"
NEW_YEAR = 1_767_225_600.0
"""2026-01-01T00:00:00Z."""


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def max_in_window(arrivals: list[float], window: float) -> int:
    """The most arrivals in any half-open interval [t, t + window)."""
    ordered = sorted(arrivals)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class TestRateLimitAtTheServer:
    """However many pollers run at once, the server never sees more than the limit."""

    async def test_concurrent_callers_stay_within_the_window(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: OK)
        # A 1 s window: long beside the arrival jitter of a busy 2-core machine (a quarter of
        # a second has been seen in CI), which could bunch two sends at the server.
        policy = make_policy(max_requests=5, per_seconds=1.0)
        async with MeteredClient({"jupiter": policy}) as client:
            await asyncio.gather(
                *(client.get_json("jupiter", server.url_for("/p")) for _ in range(16))
            )
            usage = client.usage()[0]
        arrivals = [r.arrival for r in server.requests("/p")]
        assert max_in_window(arrivals, 1.0 - 0.3) <= 5
        assert max(arrivals) - min(arrivals) >= 3 * 1.0 - 0.3  # 16 requests need 3 refills
        assert 1 <= usage.window_requests <= usage.window_limit == 5
        assert usage.calls == 16

    async def test_spacing_spreads_requests(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: OK)
        policy = make_policy(max_requests=30, per_seconds=60, min_interval_s=0.15)
        async with MeteredClient({"jupiter": policy}) as client:
            await asyncio.gather(
                *(client.get_json("jupiter", server.url_for("/p")) for _ in range(5))
            )
        arrivals = sorted(r.arrival for r in server.requests("/p"))
        assert min(b - a for a, b in itertools.pairwise(arrivals)) >= 0.15 - 0.05

    async def test_providers_have_separate_budgets(self, server: LoopbackServer) -> None:
        server.route("/j", lambda _: OK).route("/d", lambda _: OK)
        policies = {
            "jupiter": make_policy("jupiter", max_requests=2, per_seconds=30),
            "dexscreener": make_policy("dexscreener", max_requests=50, per_seconds=30),
        }
        async with MeteredClient(policies) as client:
            for _ in range(2):
                await client.get_json("jupiter", server.url_for("/j"))
            for _ in range(10):  # not held up by jupiter's exhausted window
                await asyncio.wait_for(client.get_json("dexscreener", server.url_for("/d")), 1)
            calls = {u.provider: u.calls for u in client.usage()}
        assert calls == {"jupiter": 2, "dexscreener": 10}


ANSWERS = {
    "ok": OK,
    "429": Reply.json({}, status=429, headers={"retry-after": "0"}),
    "500": Reply.json({}, status=500),
    "404": Reply.json({}, status=404),
    "bad": Reply.text("<html>"),
    "drop": Reply.close(),
}


class TestTallyEqualsTheServer:
    """The counts shown are the server's own: every request, every error, every 429."""

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(script=st.lists(st.sampled_from(sorted(ANSWERS)), min_size=1, max_size=12))
    def test_counts_match_for_any_mix_of_answers(
        self, server: LoopbackServer, script: list[str]
    ) -> None:
        server.clear()
        path = f"/mix/{random.getrandbits(64)}"
        server.script(path, [ANSWERS[name] for name in script])
        server.route(path, lambda _: OK)
        policy = make_policy(max_attempts=3, breaker_failures=1000)

        async def run() -> tuple[int, int, int]:
            async with MeteredClient({"jupiter": policy}) as client:
                for _ in script:
                    with contextlib.suppress(RequestFailed):
                        await client.get_json("jupiter", server.url_for(path))
                usage = client.usage()[0]
                rows = client.take_minutes()
            assert sum(row.calls for row in rows) == usage.calls
            assert sum(row.errors for row in rows) == usage.errors
            return usage.calls, usage.errors, usage.rate_limited

        calls, errors, rate_limited = asyncio.run(run())
        received = server.count(path)
        assert calls == received
        # Requests past the script got the route's OK; every scripted non-OK was an error.
        answered = script[:received]
        assert errors == sum(name != "ok" for name in answered)
        assert rate_limited == answered.count("429")


class TestProviderHeadersAndSecrets:
    """The panel shows the provider's own budget; the API key is sent but never shown."""

    async def test_provider_budget_is_parsed_into_usage(self, server: LoopbackServer) -> None:
        headers = {
            "x-ratelimit-remaining": "17",
            "x-ratelimit-current": "60",
            "x-ratelimit-reset": str(int(NEW_YEAR) + 42),
        }
        server.route("/p", lambda _: Reply.json({"ok": True}, headers=headers))
        async with MeteredClient({"jupiter": make_policy()}, wall=lambda: NEW_YEAR) as client:
            before = client.usage()[0]
            await client.get_json("jupiter", server.url_for("/p"))
            after = client.usage()[0]
        assert (before.provider_remaining, before.provider_limit, before.p95_ms) == (
            None,
            None,
            None,
        )
        assert after.provider_remaining == 17
        assert after.provider_limit == 60
        assert after.provider_reset_ts == NEW_YEAR + 42

    async def test_api_key_is_sent_and_never_shown(self, server: LoopbackServer) -> None:
        server.route("/ok", lambda _: OK)
        server.route("/denied", lambda _: Reply.json({"error": SECRET}, status=401))
        policy = make_policy(default_headers={"x-api-key": SECRET}, max_attempts=2)
        shown: list[str] = [repr(policy), str(policy)]
        async with MeteredClient({"jupiter": policy}) as client:
            await client.get_json("jupiter", server.url_for("/ok"))
            messages = []
            for path in ("/denied", f"/keyed/{SECRET}/x"):
                with pytest.raises(ProviderError) as failed:
                    await client.get_json("jupiter", server.url_for(path))
                messages.append(str(failed.value))
                shown += [repr(failed.value), repr(client.usage())]
            client.report_invalid("jupiter", f"field echoed the key {SECRET}")
            shown += [*messages, repr(client.usage()), repr(client.take_minutes())]
        assert server.requests("/ok")[0].headers["x-api-key"] == SECRET
        assert policy.header_names == ("x-api-key",)
        assert [text for text in shown if SECRET in text] == []
        assert messages == [
            "jupiter: GET /denied failed after 1 attempt: HTTP 401",
            "jupiter: GET /keyed/***/x failed after 1 attempt: HTTP 404",
        ]


class TestMinutesAndPercentiles:
    """Ledger rows are bucketed per UTC minute and add up; p50/p95 are right on known latencies."""

    async def test_take_minutes_drains_by_minute(self, server: LoopbackServer) -> None:
        server.route("/p", lambda _: OK)
        server.route("/e", lambda _: Reply.json({}, status=404))
        wall = ManualClock(NEW_YEAR + 10)
        async with MeteredClient({"jupiter": make_policy()}, wall=wall) as client:
            for _ in range(3):
                await client.get_json("jupiter", server.url_for("/p"))
            wall.advance(60)
            await client.get_json("jupiter", server.url_for("/p"))
            with pytest.raises(RequestFailed):
                await client.get_json("jupiter", server.url_for("/e"))
            first = client.take_minutes()
            again = client.take_minutes()
            await client.get_json("jupiter", server.url_for("/p"))
            later = client.take_minutes()
        assert [(r.minute, r.calls, r.errors, r.rate_limited) for r in first] == [
            ("2026-01-01T00:00Z", 3, 0, 0),
            ("2026-01-01T00:01Z", 2, 1, 0),
        ]
        assert all(r.provider == "jupiter" and r.p95_ms is not None for r in first)
        assert again == []
        assert [(r.minute, r.calls) for r in later] == [("2026-01-01T00:01Z", 1)]

    async def test_percentiles_on_known_latencies(self, server: LoopbackServer) -> None:
        clock = ManualClock()
        latencies_ms = list(range(1, 101))
        random.Random(4).shuffle(latencies_ms)
        pending = iter(latencies_ms)

        def slow(request: RecordedRequest) -> Reply:
            # The client reads its clock before sending and after the body: advancing it here
            # makes each measured latency exactly the scripted one.
            clock.advance(next(pending) / 1000)
            return OK

        server.route("/p", slow)
        client = MeteredClient({"jupiter": make_policy()}, monotonic=clock, wall=lambda: NEW_YEAR)
        async with client:
            for _ in latencies_ms:
                await client.get_json("jupiter", server.url_for("/p"))
            usage = client.usage()[0]
            (row,) = client.take_minutes()
        assert usage.p50_ms == pytest.approx(50)
        assert usage.p95_ms == pytest.approx(95)
        assert row.p50_ms == pytest.approx(50)
        assert row.p95_ms == pytest.approx(95)
        assert row.calls == 100


class TestLoopbackOnly:
    """The embedded market's client talks plain HTTP to 127.0.0.1 and nowhere else."""

    async def test_serves_loopback_and_refuses_anything_else(self, server: LoopbackServer) -> None:
        server.route("/p", lambda r: OK)
        async with MeteredClient({"jupiter": make_policy()}, loopback_only=True) as client:
            assert await client.get_json("jupiter", server.url_for("/p")) == {"ok": True}
            for url in ("https://lite-api.jup.ag/price/v3", "http://example.com/p"):
                with pytest.raises(ValueError, match="loopback-only"):
                    await client.get_json("jupiter", url)
            assert client.usage()[0].calls == 1, "a refused URL is not a call"
        assert len(server.requests("/p")) == 1
