"""Provides MarketServer: the simulated market on loopback HTTP, in the providers' shapes.

Endpoints (bodies as documented in `market.jupiter` and `market.dexscreener`):

* `GET /price/v3?ids=a,b,...` (at most 50 ids, else 400): listed tokens only; an unknown or
  unlisted mint is absent from the answer, as Jupiter leaves out mints it cannot price.
* `GET /swap/v1/quote?inputMint=&outputMint=&amount=&slippageBps=`: USDC against one token,
  ExactIn, priced on the token's constant-product pool; one-leg `routePlan`.
* `GET /token-profiles/latest/v1`: one profile per listed token, newest listing first.
* `GET /tokens/v1/solana/{a,b,...}` (at most 30 addresses, else 400): one pair per listed token.
* `POST /`: Solana JSON-RPC, `getAccountInfo` (base64) and `getTokenLargestAccounts` for the
  simulated mints (`market.sim_rpc`): what a pre-buy safety check reads from a node.

The engine advances the market from its own thread or event loop while request threads read
it, so every access goes through `SharedMarket`'s lock. Jupiter routes carry `x-ratelimit-*`
headers when a per-minute limit is given (Jupiter enforces a 60-second sliding window); over the
limit they answer 429. Faults from `FaultsConfig` are injected per request (`faults.FaultPlan`).
Every request is counted per route, so tests can compare a client's tally with the server's.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from soltrader_tui.config.model import FaultsConfig
from soltrader_tui.ledger.log import LOGGER
from soltrader_tui.market.dexscreener import CHAIN
from soltrader_tui.market.faults import (
    RETRY_AFTER_S,
    TIMEOUT_HOLD_S,
    Fault,
    FaultKind,
    FaultPlan,
)
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.market.sim_answers import (
    Answer,
    SharedMarket,
    corrupt,
    pairs_answer,
    price_answer,
    profiles_answer,
    quote_answer,
)

PRICE_PATH = "/price/v3"
QUOTE_PATH = "/swap/v1/quote"
PROFILES_PATH = "/token-profiles/latest/v1"
PAIRS_PATH = f"/tokens/v1/{CHAIN}"
RPC_PATH = "/"
"""Where JSON-RPC requests are posted, as to a Solana node's URL."""
MAX_RPC_BODY = 65_536
"""Largest JSON-RPC request body read, bytes; a longer one is answered 413."""
JUPITER_PATHS = frozenset({PRICE_PATH, QUOTE_PATH})
"""Routes that share Jupiter's one rate-limit bucket."""
WINDOW_S = 60.0
"""Jupiter's sliding window, seconds."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: MarketServer) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # socketserver prints a traceback to stderr, which would tear through the dashboard.
        # A client that hangs up (the session ending, a timeout) is routine; anything else is
        # logged, with its traceback, to the log file.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        LOGGER.error("market server: a request from %s failed", client_address[0], exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive between polls, as real clients expect.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the delayed
    # ACK of the headers (about 40 ms per request on Linux).
    disable_nagle_algorithm = True
    timeout = 30.0
    """Idle keep-alive connections are closed after this many seconds."""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.app._track(self.connection, add=False)
        super().finish()

    def do_GET(self) -> None:
        self.server.app._handle(self)

    def do_POST(self) -> None:
        self.server.app._handle(self)

    def log_message(self, format: str, *args: object) -> None:
        # Request lines would flood the TUI's terminal; the server counts requests instead.
        return


class MarketServer:
    """The simulated market over loopback HTTP, with fault injection and request counts."""

    def __init__(
        self,
        market: SimMarket | SharedMarket,
        faults: FaultsConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        jupiter_requests_per_minute: int | None = None,
        timeout_hold_s: float = TIMEOUT_HOLD_S,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Builds the server; `start()` binds it.

        Args:
            market: The market, or an already shared one (so the engine and the server share
                its lock).
            faults: What to inject.
            host: Interface to bind; loopback by default.
            port: Port to bind; 0 picks a free one (see `url`).
            jupiter_requests_per_minute: Jupiter's bucket size; None sends no rate-limit
                headers and enforces nothing.
            timeout_hold_s: How long an injected timeout holds the connection.
            clock: Monotonic seconds, for outage windows and the rate window.
            wall: Unix time, for `x-ratelimit-reset`.
        """
        self.shared = market if isinstance(market, SharedMarket) else SharedMarket(market)
        self._plan = FaultPlan(faults)
        self._address = (host, port)
        self._limit = jupiter_requests_per_minute
        self._hold_s = timeout_hold_s
        self._clock, self._wall = clock, wall
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._window: deque[float] = deque()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0

    @property
    def lock(self) -> threading.Lock:
        """The market's lock (`shared.lock`)."""
        return self.shared.lock

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`: the base of both Jupiter and DexScreener."""
        if self._httpd is None:
            raise RuntimeError("the market server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MarketServer:
        """Binds the port and serves from a daemon thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError("the market server is already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self._address, self)
        self._started = self._clock()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="market-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, releases held requests and open connections, and closes the port."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> MarketServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def request_count(self, path: str | None = None) -> int:
        """Requests received: all of them, or those of one route (e.g. `PRICE_PATH`)."""
        with self._lock:
            return self._counts.total() if path is None else self._counts[path]

    def request_counts(self) -> dict[str, int]:
        """Requests received per route (unknown paths under their own path)."""
        with self._lock:
            return dict(self._counts)

    def status_counts(self) -> dict[int, int]:
        """Responses sent per HTTP status (an injected timeout sends none)."""
        with self._lock:
            return dict(self._statuses)

    def fault_counts(self) -> dict[str, int]:
        """Injected faults per kind (`FaultKind` values), plus `rate_limit` for enforced 429s."""
        with self._lock:
            return dict(self._faults)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle(self, handler: _Handler) -> None:
        started = time.perf_counter()
        split = urlsplit(handler.path)
        path = unquote(split.path)
        route = PAIRS_PATH if path.startswith(PAIRS_PATH + "/") else path
        posted = _post_body(handler) if handler.command == "POST" else None
        fault, limited, headers = self._admit(route)
        if self._plan.latency_s and self._stopping.wait(self._plan.latency_s):
            handler.close_connection = True
            return
        if limited is not None:
            self._send(handler, 429, {"error": "rate limit exceeded"}, headers | limited)
        elif fault is not None and fault.kind is FaultKind.TIMEOUT:
            self._note(fault)
            self._stopping.wait(self._hold_s)
            handler.close_connection = True
        elif fault is not None and fault.status != 200:
            self._note(fault)
            status = fault.status or 503
            extra = {"Retry-After": str(RETRY_AFTER_S)} if status == 429 else {}
            body = {"error": f"simulated {fault.kind.value}"}
            self._send(handler, status, body, headers | extra)
        else:
            if posted is None:
                status, answer = self._answer(route, path, split.query, started)
            else:
                status, answer = self._rpc(path, posted)
            broken = fault if status == 200 else None
            if broken is not None:
                self._note(broken)
            self._send(handler, status, answer, headers, broken)

    def _admit(self, route: str) -> tuple[Fault | None, dict[str, str] | None, dict[str, str]]:
        """Counts the request, draws its fault and applies Jupiter's window; under the lock."""
        with self._lock:
            self._counts[route] += 1
            now = self._clock()
            fault = self._plan.decide(now - self._started)
            if self._limit is None or route not in JUPITER_PATHS:
                return fault, None, {}
            if fault is not None and fault.kind is FaultKind.OUTAGE:
                return fault, None, {}
            while self._window and self._window[0] <= now - WINDOW_S:
                self._window.popleft()
            limited = None
            if len(self._window) >= self._limit:
                wait_s = self._window[0] + WINDOW_S - now
                limited = {"Retry-After": str(max(1, math.ceil(wait_s)))}
                self._faults["rate_limit"] += 1
            else:
                # Only admitted requests use the budget, so a client that backs off recovers.
                self._window.append(now)
            reset = self._wall() + (self._window[0] + WINDOW_S - now if self._window else 0.0)
            headers = {
                "x-ratelimit-limit": str(self._limit),
                "x-ratelimit-current": str(len(self._window)),
                "x-ratelimit-remaining": str(max(0, self._limit - len(self._window))),
                "x-ratelimit-reset": str(math.ceil(reset)),
            }
            return fault, limited, headers

    def _note(self, fault: Fault) -> None:
        with self._lock:
            self._faults[fault.kind.value] += 1

    def _send(
        self,
        handler: _Handler,
        status: int,
        body: object,
        headers: dict[str, str],
        fault: Fault | None = None,
    ) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        if fault is not None:
            raw = corrupt(raw, body, fault)
        with self._lock:
            self._statuses[status] += 1
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(raw)
        except OSError:
            # The client gave up (its timeout is shorter than our latency); nothing to do.
            handler.close_connection = True

    def _rpc(self, path: str, body: bytes | int) -> Answer:
        if path != RPC_PATH:
            return 404, {"error": f"no such endpoint: POST {path}"}
        if isinstance(body, int):
            return 413, {"error": f"request body of {body} bytes; at most {MAX_RPC_BODY}"}
        from soltrader_tui.market.sim_rpc import rpc_answer

        try:
            return rpc_answer(self.shared, body)
        except Exception:
            LOGGER.exception("market server failed to answer a JSON-RPC request")
            return 500, {"error": "internal error of the simulated market"}

    def _answer(self, route: str, path: str, query: str, started: float) -> Answer:
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        try:
            if route == PRICE_PATH:
                return price_answer(self.shared, params.get("ids", ""))
            if route == QUOTE_PATH:
                return quote_answer(self.shared, params, time.perf_counter() - started)
            if route == PROFILES_PATH:
                return profiles_answer(self.shared, self.url)
            if route == PAIRS_PATH:
                return pairs_answer(self.shared, path[len(PAIRS_PATH) + 1 :], self.url)
        except Exception:
            # A bug here must reach the client as what it is, a 500, and the log, not a reset.
            LOGGER.exception("market server failed to answer %s", path)
            return 500, {"error": "internal error of the simulated market"}
        return 404, {"error": f"no such endpoint: {path}"}


def _post_body(handler: _Handler) -> bytes | int:
    """The request's body; its declared length instead when that is over `MAX_RPC_BODY` (the
    body is then not read, and the connection is closed after the answer)."""
    try:
        length = int(handler.headers.get("Content-Length", "0"))
    except ValueError:
        length = 0
    if not 0 <= length <= MAX_RPC_BODY:
        handler.close_connection = True
        return length
    return handler.rfile.read(length)
