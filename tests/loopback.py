"""Provides LoopbackServer: a real HTTP server on 127.0.0.1 for tests of outbound clients.

It runs `http.server.ThreadingHTTPServer` on a free port in a daemon thread, keeps
connections alive (HTTP/1.1) as real APIs do, and records every request it receives. Answers
come from, in order: a scripted queue for the exact path, a route for the exact path, the
longest prefix route, else a 404. A reply can be delayed (to outlast a client's timeout),
or can close or reset the connection instead of answering.

    with LoopbackServer() as server:
        server.route("/price/v3", lambda req: Reply.json({"ok": True}))
        server.script("/flaky", [Reply.json({}, status=503), Reply.json({"ok": 1})])
        ... # call server.url + "/price/v3"
        assert server.count("/price/v3") == 1
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    raw_query: str
    query: Mapping[str, tuple[str, ...]]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    arrival: float
    """`time.monotonic()` when the request line and headers had been read."""
    arrival_wall: float
    """`time.time()` at the same instant."""

    def param(self, name: str) -> str | None:
        """Returns the first value of query parameter `name`, or None."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server does with one request."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay_s: float = 0.0
    """Seconds to wait before acting (cut short when the server stops)."""
    action: Literal["respond", "close", "reset"] = "respond"
    """`close`: close the connection without answering; `reset`: abort it with a TCP RST."""

    @classmethod
    def json(
        cls,
        payload: object,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> Reply:
        """A JSON answer."""
        merged = {"content-type": "application/json", **(headers or {})}
        return cls(status, merged, json.dumps(payload).encode(), delay_s)

    @classmethod
    def text(
        cls,
        text: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> Reply:
        """A plain-text answer (also how to send a malformed JSON body)."""
        merged = {"content-type": "text/plain; charset=utf-8", **(headers or {})}
        return cls(status, merged, text.encode(), delay_s)

    @classmethod
    def close(cls, *, delay_s: float = 0.0) -> Reply:
        """Close the connection without sending a response."""
        return cls(delay_s=delay_s, action="close")

    @classmethod
    def reset(cls, *, delay_s: float = 0.0) -> Reply:
        """Abort the connection with a TCP reset."""
        return cls(delay_s=delay_s, action="reset")


ReplyLike = Reply | tuple[int, Mapping[str, str], object]
"""A Reply, or (status, headers, body) with body as bytes, str, or anything JSON-encodable."""
Handler = Callable[[RecordedRequest], ReplyLike]
Scripted = ReplyLike | Handler
"""A scripted step: a fixed reply, or a handler called with the request it answers."""


def as_reply(value: ReplyLike) -> Reply:
    """Turns a handler's return value into a Reply."""
    if isinstance(value, Reply):
        return value
    status, headers, body = value
    if isinstance(body, bytes):
        return Reply(status, dict(headers), body)
    if isinstance(body, str):
        return Reply.text(body, status=status, headers=headers)
    return Reply.json(body, status=status, headers=headers)


def _constant(reply: ReplyLike) -> Handler:
    return lambda _request: reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    loopback: LoopbackServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (timeout) makes the late write fail; that is the point.
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            self.loopback.errors.append(repr(exc))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keeps test output quiet."""

    def _handle(self) -> None:
        arrival, arrival_wall = time.monotonic(), time.time()
        loopback = self.server.loopback
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            raw_query=parts.query,
            query={k: tuple(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            arrival=arrival,
            arrival_wall=arrival_wall,
        )
        reply = loopback.dispatch(request)
        if reply.delay_s > 0 and loopback.stopping.wait(reply.delay_s):
            reply = Reply.close()
        if reply.action != "respond":
            self._drop(reset=reply.action == "reset")
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _drop(self, *, reset: bool) -> None:
        self.close_connection = True
        if reset:
            # Linger on, timeout 0: close() aborts with RST instead of a FIN.
            fmt = "hh" if sys.platform == "win32" else "ii"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))
        self.connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class LoopbackServer:
    """A recording HTTP server on 127.0.0.1 with routes and scripted replies."""

    def __init__(self) -> None:
        """Builds the server; `start()` (or `with`) binds a free port and serves."""
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {}
        self._prefixes: dict[str, Handler] = {}
        self._scripts: dict[str, deque[Scripted]] = {}
        self._requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        """Exceptions raised by route handlers (a test should expect none)."""
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. 'http://127.0.0.1:54321'."""
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return self.url + path

    def route(self, path: str, handler: Handler, *, prefix: bool = False) -> LoopbackServer:
        """Answers requests for `path` (or, with `prefix`, every path starting with it)."""
        with self._lock:
            (self._prefixes if prefix else self._routes)[path] = handler
        return self

    def script(self, path: str, replies: Iterable[Scripted]) -> LoopbackServer:
        """Queues replies (or handlers) for `path`, used one per request before any route."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(replies)
        return self

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Every request received so far (for `path` only, if given), in arrival order."""
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def count(self, path: str | None = None) -> int:
        """How many requests were received (for `path` only, if given)."""
        return len(self.requests(path))

    def clear(self) -> None:
        """Forgets recorded requests (routes and scripts stay)."""
        with self._lock:
            self._requests.clear()

    def dispatch(self, request: RecordedRequest) -> Reply:
        """Records `request` and picks its reply (called on the server's threads)."""
        with self._lock:
            self._requests.append(request)
            queue = self._scripts.get(request.path)
            step = queue.popleft() if queue else None
            handler = self._routes.get(request.path)
            if step is not None:
                handler = step if callable(step) else _constant(step)
            elif handler is None:
                matches = [p for p in self._prefixes if request.path.startswith(p)]
                handler = self._prefixes[max(matches, key=len)] if matches else None
        if handler is None:
            return Reply.json({"error": f"no route for {request.path}"}, status=404)
        try:
            return as_reply(handler(request))
        except Exception as exc:
            self.errors.append(repr(exc))
            return Reply.text(f"handler failed: {exc!r}", status=500)

    def start(self) -> LoopbackServer:
        """Binds 127.0.0.1 on a free port and serves in a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.loopback = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving; delayed replies are cut short and their connections closed."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
