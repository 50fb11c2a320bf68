"""Provides the optional HTTP endpoints inside the engine process: `GET /health`, `GET /metrics`.

A small threaded `http.server` on its own daemon thread (`monitor.http_port`, bound to
`monitor.bind`, loopback by default). `/metrics` renders the last picture the engine published
(no SQL, no engine state touched from this thread); `/health` is the `health --json` object,
read from the ledger read-only as the command does, answered 200 unless failing (503). With
`monitor.token_env` set, every request must carry `Authorization: Bearer <token>`; the config
refuses a bind beyond loopback without one.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from soltrader_tui.config.model import MonitorConfig
from soltrader_tui.errors import UserInputError
from soltrader_tui.monitor.metrics import CONTENT_TYPE, Published, render

HealthReader = Callable[[], dict[str, Any]]
"""Returns the `health --json` object now."""


class EndpointError(UserInputError):
    """The endpoints cannot start as configured (no token, the port taken)."""


def resolve_token(config: MonitorConfig, environ: Mapping[str, str] = os.environ) -> str | None:
    """Returns the bearer token requests must carry (None: none required).

    Raises:
        EndpointError: `monitor.token_env` names a variable that is not set or is empty.
    """
    if not config.token_env:
        return None
    token = environ.get(config.token_env, "").strip()
    if not token:
        raise EndpointError(
            f"monitor.token_env names {config.token_env}, which is not set (or empty): set it to "
            "the bearer token the /health and /metrics endpoints must be asked with"
        )
    return token


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # On Windows SO_REUSEADDR lets a second program bind a port already listened on: a taken
    # port must fail there too. Elsewhere it only lets a restarted engine rebind at once.
    allow_reuse_address = os.name != "nt"
    endpoints: EndpointServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        ends = self.server.endpoints
        if not ends.authorized(self.headers.get("Authorization")):
            self._send(401, b"a bearer token is required\n", "text/plain", bearer=True)
            return
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            published = ends.published
            if published is None:
                self._send(503, b"no snapshot published yet\n", "text/plain")
            else:
                self._send(200, render(published), CONTENT_TYPE)
        elif path == "/health":
            obj = ends.health()
            code = 503 if obj.get("status") == "failing" else 200
            self._send(code, json.dumps(obj, indent=2).encode(), "application/json")
        else:
            self._send(404, b"not found: /health and /metrics are served\n", "text/plain")

    def _send(self, status: int, body: bytes, kind: str, *, bearer: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if bearer:
            self.send_header("WWW-Authenticate", 'Bearer realm="soltrader-tui"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Says nothing: a request line on stderr would tear the dashboard."""


class EndpointServer:
    """The endpoints of one engine: started by the session, fed by the engine's publishes."""

    def __init__(self, *, bind: str, port: int, token: str | None, health: HealthReader) -> None:
        """Binds the port at once (a taken port is reported before the session starts).

        Raises:
            EndpointError: the address cannot be bound.
        """
        self._token = token
        self.health = health
        self.published: Published | None = None
        """The newest picture (replaced whole by the engine; read by request threads)."""
        try:
            self._server = _Server((bind, port), _Handler)
        except OSError as exc:
            raise EndpointError(
                f"monitor.http_port {port} on {bind} cannot be used: {exc.strerror or exc}"
            ) from exc
        self._server.endpoints = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the endpoints answer, e.g. `http://127.0.0.1:9108`."""
        address = self._server.server_address
        host = address[0].decode() if isinstance(address[0], bytes) else str(address[0])
        return f"http://{f'[{host}]' if ':' in host else host}:{address[1]}"

    def authorized(self, header: str | None) -> bool:
        """True when no token is required or `header` carries it."""
        if self._token is None:
            return True
        expected = f"Bearer {self._token}".encode()
        return header is not None and hmac.compare_digest(header.strip().encode(), expected)

    def publish(self, published: Published) -> None:
        """Takes the engine's newest picture (called on the engine's thread)."""
        self.published = published

    def start(self) -> None:
        """Serves on a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="monitor-endpoints", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stops serving and frees the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
