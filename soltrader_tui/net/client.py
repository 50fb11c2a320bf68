"""Provides MeteredClient: the one HTTP client every outbound call goes through.

Per provider it applies a sliding-window rate limit, a per-attempt timeout, retries with
exponential backoff and jitter (tenacity), a circuit breaker, and a usage tally that the API
panel shows live and the ledger stores per minute.

What the providers document (looked up, not guessed):

* Jupiter (dev.jup.ag/docs/portal/rate-limits): limits are per account and enforced on a
  60-second sliding window; keyless 0.5 req/s (30/min), free key 1 req/s (60/min). Price, Swap
  and Token requests share one bucket (only `/swap/v2/execute` and `/tx/v1/submit` have their
  own), so all of them go through one `ProviderPolicy`. Over the limit the API answers 429;
  the docs ask for exponential backoff, spreading requests instead of bursting, and warn that
  retrying without waiting can extend the window. The docs list no response headers; a
  user report (github.com/irfndi/prism-liquidity-agent/pull/198) saw no `Retry-After` and an
  `x-ratelimit-reset` in unix seconds on 429s, and keyless bursts beyond about 5 refused.
  `x-ratelimit-remaining`/`-limit`/`-current`/`-reset` are read when present; nothing
  depends on them being there.
* DexScreener (its API reference, as issue 4 quotes it): 60 req/min for `/token-profiles/`,
  300 req/min for `/tokens/v1/`; these are separate limits, so give each its own policy.

A policy for Jupiter keyless, spaced evenly as Jupiter asks::

    ProviderPolicy("jupiter", max_requests=30, per_seconds=60, min_interval_s=2.0,
                   default_headers={"x-api-key": key} if key else {})

How failures are handled:

* timeout, connection error, 5xx, 429: retried up to `max_attempts` with backoff (equal
  jitter: half the exponential step fixed, half random). A `Retry-After` (seconds or HTTP
  date), or on a 429 an `x-ratelimit-reset`, replaces the backoff and pauses the whole
  provider's limiter. If the provider asks for longer than `backoff_max_s`, the call fails at
  once and the circuit is held open for that long, so no caller blocks and nobody hammers.
* other 4xx: no retry. Invalid JSON: an error, no retry.
* a POST (`post_json`, e.g. JSON-RPC) is retried only when the caller says it is idempotent:
  a lost answer to `sendTransaction` does not mean it did not land.
* The breaker counts failed *calls* (after retries). A 4xx other than 401/403/429 is the
  provider answering about this request, so it counts as the provider being up.
* Header values of a policy (API keys) never appear in `repr`, exception text, usage or logs.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx2
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from soltrader_tui.ledger.rows import UsageMinute
from soltrader_tui.net.breaker import CircuitOpen
from soltrader_tui.net.errors import (
    ClientStopping,
    ProviderUnavailable,
    RequestFailed,
)
from soltrader_tui.net.policy import ProviderPolicy
from soltrader_tui.net.provider import ProviderState, redact
from soltrader_tui.net.usage import (
    FailureKind,
    ProviderUsage,
    parse_budget,
    parse_reset,
    parse_retry_after,
)

_PROVIDER_DOWN_4XX = frozenset({401, 403})
"""4xx answers that mean every call will fail (bad or missing key): they trip the breaker."""


class _AttemptFailed(Exception):
    """One attempt's failure, as the retry loop and the breaker need to see it."""

    def __init__(
        self, reason: str, *, retryable: bool, provider_fault: bool, wait_s: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.provider_fault = provider_fault
        self.wait_s = wait_s


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _AttemptFailed) and exc.retryable


@dataclass(frozen=True, slots=True)
class _Request:
    """One HTTP request as every attempt of a call sends it."""

    method: str
    url: str
    params: Mapping[str, str] | None = None
    content: bytes | None = None
    content_type: str | None = None


LOOPBACK_PREFIX = "http://127.0.0.1:"
"""Where a loopback-only client may go: the embedded market server."""


class MeteredClient:
    """Rate-limited, retried, circuit-broken, metered GETs and POSTs of JSON, per provider."""

    def __init__(
        self,
        policies: Mapping[str, ProviderPolicy],
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        seed: int | None = None,
        loopback_only: bool = False,
    ) -> None:
        """Builds the client; no connection is opened until the first call.

        Args:
            policies: One policy per provider, keyed by the policy's name.
            transport: An httpx2 transport to use instead of the default one.
            monotonic: Clock for limits, cooldowns and latencies.
            wall: Unix time, for minute buckets and `x-ratelimit-reset`/`Retry-After` dates.
            sleep: How to wait between attempts and for the limiter.
            seed: Seed for the backoff jitter (None: unpredictable).
            loopback_only: Every URL is plain http:// on 127.0.0.1 (the embedded market): no
                TLS will ever run, so the CA bundle is not loaded (a tenth of the client's
                start-up). Any https:// URL is then refused.
        """
        for key, policy in policies.items():
            if key != policy.name:
                raise ValueError(f"policy {policy.name!r} is registered under {key!r}")
        self._providers = {
            name: ProviderState(policy, monotonic, sleep) for name, policy in policies.items()
        }
        self._monotonic = monotonic
        self._wall = wall
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._loopback_only = loopback_only
        self._winding_down = False
        self._http = httpx2.AsyncClient(
            transport=transport, follow_redirects=False, verify=not loopback_only
        )

    async def __aenter__(self) -> MeteredClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _get(self, provider: str) -> ProviderState:
        try:
            return self._providers[provider]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise ValueError(f"unknown provider {provider!r} (configured: {known})") from None

    async def get_json(
        self, provider: str, url: str, *, params: Mapping[str, str] | None = None
    ) -> object:
        """GETs `url` as `provider` and returns the parsed JSON body.

        Args:
            provider: The name of a configured policy.
            url: Absolute URL.
            params: Query parameters.

        Returns:
            The parsed JSON (dict, list, str, number, bool or None).

        Raises:
            ProviderUnavailable: The circuit is open; no request was sent.
            RequestFailed: Every attempt failed or the failure was not worth retrying.
            ClientStopping: `wind_down` was called before an attempt could start.
            ValueError: `provider` is not configured, or a loopback-only client was given a
                URL that is not http:// on 127.0.0.1.
        """
        return await self._call(provider, _Request("GET", url, params), retry=True)

    async def post_json(
        self,
        provider: str,
        url: str,
        body: bytes,
        *,
        idempotent: bool = False,
        content_type: str = "application/json",
    ) -> object:
        """POSTs `body` to `url` as `provider` (a JSON-RPC call) and returns the parsed JSON.

        The limit, breaker and usage tally are the provider's, exactly as for `get_json`.
        Retries are opt-in: a POST that changes state (`sendTransaction`) may have landed
        although its answer was lost, and sending it again could, say, swap twice. So unless
        the caller says the request is `idempotent` (a read such as `getBalance`), it gets
        exactly one attempt, and any failure is raised for the caller to judge.

        Args:
            provider: The name of a configured policy.
            url: Absolute URL.
            body: The request body, sent as is.
            idempotent: Sending it twice does no harm: failed attempts are retried.
            content_type: The body's media type.

        Returns:
            The parsed JSON (dict, list, str, number, bool or None).

        Raises:
            ProviderUnavailable: The circuit is open; no request was sent.
            RequestFailed: The attempts failed (one attempt unless `idempotent`).
            ClientStopping: `wind_down` was called before an attempt could start.
            ValueError: As for `get_json`.
        """
        request = _Request("POST", url, content=body, content_type=content_type)
        return await self._call(provider, request, retry=idempotent)

    async def _call(self, provider: str, request: _Request, *, retry: bool) -> object:
        """One metered call: breaker, attempts with backoff, and the breaker's verdict."""
        p = self._get(provider)
        if self._loopback_only and not request.url.startswith(LOOPBACK_PREFIX):
            raise ValueError(
                f"{redact(request.url, p.secrets)} is not {LOOPBACK_PREFIX}…: "
                "this client is loopback-only"
            )
        try:
            probe = p.breaker.before_call()
        except CircuitOpen as refused:
            raise ProviderUnavailable(provider, refused.retry_in_s) from None
        # A half-open probe is a single attempt: the point is to learn, not to insist.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(p.policy.max_attempts if retry and not probe else 1),
            wait=lambda state: self._backoff(p.policy, state),
            retry=retry_if_exception(_is_retryable),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            result: object = await retrying(self._attempt, p, request)
        except _AttemptFailed as failed:
            if failed.provider_fault:
                p.breaker.record_failure()
            else:
                p.breaker.record_success()
            attempts = int(retrying.statistics.get("attempt_number", 1))
            path = p.path_of(request.url)
            raise RequestFailed(
                provider, path, attempts, failed.reason, method=request.method
            ) from None
        except BaseException:
            if probe:
                p.breaker.abandon_probe()
            raise
        p.breaker.record_success()
        return result

    def _backoff(self, policy: ProviderPolicy, state: RetryCallState) -> float:
        outcome = state.outcome
        failed = outcome.exception() if outcome is not None else None
        if isinstance(failed, _AttemptFailed) and failed.wait_s is not None:
            return failed.wait_s
        step = min(policy.backoff_max_s, policy.backoff_base_s * 2.0 ** (state.attempt_number - 1))
        return step / 2 + self._rng.uniform(0, step / 2)

    async def _attempt(self, p: ProviderState, request: _Request) -> object:
        url = request.url
        await p.limiter.acquire()
        if self._winding_down:
            raise ClientStopping(p.policy.name)  # not a call: nothing is sent, nothing counted
        p.tally.count_call(self._wall())
        started = self._monotonic()
        try:
            async with asyncio.timeout(p.policy.timeout_s):
                response = await self._send(p, request)
        except (httpx2.TimeoutException, TimeoutError):
            raise self._failure(
                p, url, f"timeout after {p.policy.timeout_s:g}s", kind="timeout"
            ) from None
        except httpx2.RequestError as exc:
            raise self._failure(
                p, url, f"connection error ({type(exc).__name__})", kind="connection"
            ) from None
        wall = self._wall()
        p.tally.record_latency(wall, (self._monotonic() - started) * 1000)
        budget = parse_budget(response.headers, wall)
        if budget is not None:
            p.tally.note_budget(budget)
        status = response.status_code
        if not 200 <= status < 300:
            raise self._status_failure(p, url, response, wall)
        try:
            return json.loads(response.content)
        except ValueError:
            raise self._failure(
                p, url, f"malformed JSON (HTTP {status})", retryable=False, kind="invalid"
            ) from None

    async def _send(self, p: ProviderState, request: _Request) -> httpx2.Response:
        headers = p.headers
        if request.content_type is not None:
            headers = {**headers, "content-type": request.content_type}
        return await self._http.request(
            request.method,
            request.url,
            params=request.params,
            content=request.content,
            headers=headers,
            timeout=p.timeout,
        )

    def _failure(
        self,
        p: ProviderState,
        url: str,
        reason: str,
        *,
        retryable: bool = True,
        provider_fault: bool = True,
        rate_limited: bool = False,
        wait_s: float | None = None,
        kind: FailureKind,
    ) -> _AttemptFailed:
        """Counts a failed attempt and builds what the retry loop sees."""
        reason = redact(reason, p.secrets)
        path = p.path_of(url)
        p.tally.count_error(
            self._wall(), f"{reason} on {path}", rate_limited=rate_limited, kind=kind
        )
        return _AttemptFailed(
            reason, retryable=retryable, provider_fault=provider_fault, wait_s=wait_s
        )

    def _status_failure(
        self, p: ProviderState, url: str, response: httpx2.Response, wall: float
    ) -> _AttemptFailed:
        status = response.status_code
        reason = f"HTTP {status}"
        if status != 429 and status < 500:
            return self._failure(
                p,
                url,
                reason,
                retryable=False,
                provider_fault=status in _PROVIDER_DOWN_4XX,
                kind="refused",
            )
        wait_s = parse_retry_after(response.headers.get("retry-after"), wall)
        if wait_s is None and status == 429:
            reset_ts = parse_reset(response.headers.get("x-ratelimit-reset"), wall)
            wait_s = None if reset_ts is None else max(reset_ts - wall, 0.0)
        retryable = True
        if wait_s is not None:
            until = self._monotonic() + wait_s
            if wait_s > p.policy.backoff_max_s:
                # Blocking a poll that long is worse than skipping it: fail now, hold the
                # circuit open so other callers skip too, and probe once the wait is over.
                reason += f", provider asks to wait {wait_s:.1f}s"
                p.breaker.hold(until)
                retryable = False
            else:
                p.limiter.pause_until(until)
        return self._failure(
            p,
            url,
            reason,
            retryable=retryable,
            rate_limited=status == 429,
            wait_s=wait_s,
            kind="rate_limited" if status == 429 else "server_error",
        )

    def report_invalid(self, provider: str, reason: str) -> None:
        """Counts a body that parsed as JSON but failed the caller's schema as an error.

        It does not touch the circuit: the provider answered; the answer was unusable.

        Args:
            provider: The name of a configured policy.
            reason: What was wrong, for the API panel's last error.
        """
        p = self._get(provider)
        p.tally.count_error(
            self._wall(), f"invalid body: {redact(reason, p.secrets)}", kind="invalid"
        )

    def usage(self) -> list[ProviderUsage]:
        """Returns each provider's usage now, in the order the policies were given."""
        now = self._monotonic()
        wall = self._wall()
        out = []
        for name, p in self._providers.items():
            tally = p.tally
            p50, p95 = tally.percentiles()
            out.append(
                ProviderUsage(
                    provider=name,
                    calls=tally.calls,
                    errors=tally.errors,
                    rate_limited=tally.rate_limited,
                    p50_ms=p50,
                    p95_ms=p95,
                    window_requests=p.limiter.in_window(now),
                    window_limit=p.policy.max_requests,
                    provider_remaining=tally.budget.remaining,
                    provider_limit=tally.budget.limit,
                    provider_reset_ts=tally.budget.reset_ts,
                    circuit=p.breaker.state,
                    last_error=tally.last_error,
                    next_probe_in_s=p.breaker.next_probe_in_s,
                    consecutive_failures=p.breaker.consecutive_failures,
                    recent_failures=tally.recent_failures(wall),
                )
            )
        return out

    def take_minutes(self) -> list[UsageMinute]:
        """Drains per-provider, per-UTC-minute counts for the ledger's `api_usage` table.

        Counts in a row are new since the previous call: add them to the stored row. The
        percentiles cover the whole minute so far: replace the stored ones.
        """
        wall = self._wall()
        return [row for p in self._providers.values() for row in p.tally.take_minutes(wall)]

    def wind_down(self) -> None:
        """Starts no new attempt from now on, retries included; an attempt in flight runs on.

        A stopping owner calls it first and lets calls in flight end, so every call counted is
        one the provider received (see `HttpFeed.aclose`).
        """
        self._winding_down = True

    async def aclose(self) -> None:
        """Closes the connection pool."""
        await self._http.aclose()
