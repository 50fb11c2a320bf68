"""Provides DevnetServer: the local chain's JSON-RPC 2.0 endpoint on loopback HTTP.

`POST /` with a JSON-RPC 2.0 request (or a batch of them) answers as a Solana RPC node does,
for the methods in `methods`, `tx_methods` and the `devnet_` ones in `admin`. Malformed input
gets the JSON-RPC error that names what is wrong: -32700 (not JSON), -32600 (not a request:
which member), -32601 (the unknown method's name), -32602 (the method, the param's position and
name). Request threads share one LiteSVM, so each call runs under the chain's lock.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final

from soltrader_tui.ledger.log import LOGGER
from soltrader_tui.solana.devnet.admin import ADMIN_METHODS
from soltrader_tui.solana.devnet.chain import Chain
from soltrader_tui.solana.devnet.methods import READ_METHODS, Method
from soltrader_tui.solana.devnet.params import (
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    Params,
    RpcError,
)
from soltrader_tui.solana.devnet.tx_methods import TX_METHODS

METHODS: Final[Mapping[str, Method]] = READ_METHODS | TX_METHODS | ADMIN_METHODS
MAX_BODY: Final = 1 << 20
"""Largest request body accepted, bytes (a transaction is at most 1232)."""
INTERNAL_ERROR: Final = -32603


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: DevnetServer) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # socketserver would print a traceback to stderr; a client hanging up is routine.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        LOGGER.error("devnet: a request from %s failed", client_address[0], exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30.0
    server: _HTTPServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply(413, {"error": f"request body over {MAX_BODY} bytes"})
            self.close_connection = True
            return
        answer = self.server.app.answer(self.rfile.read(length))
        self._reply(200, answer)

    def do_GET(self) -> None:
        self._reply(405, {"error": "the devnet answers JSON-RPC on POST /"})

    def _reply(self, status: int, body: object) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return  # request lines would flood the terminal of `soltrader-tui devnet`


def _error(request_id: object, error: RpcError) -> dict[str, object]:
    return {"jsonrpc": "2.0", "error": error.body(), "id": request_id}


class DevnetServer:
    """The chain served over JSON-RPC on loopback; a context manager that starts and stops."""

    def __init__(self, chain: Chain, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Builds the server; `start()` binds it (port 0 picks a free port, see `url`)."""
        self.chain = chain
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The RPC URL, e.g. `http://127.0.0.1:8899`."""
        if self._httpd is None:
            raise RuntimeError("the devnet server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DevnetServer:
        """Binds the port and serves from a daemon thread; returns the server itself."""
        if self._httpd is not None:
            raise RuntimeError("the devnet server is already started")
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="devnet-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and closes the port."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> DevnetServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def answer(self, body: bytes) -> object:
        """The JSON-RPC response to a request body: one answer, or a list for a batch."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(None, RpcError(PARSE_ERROR, f"Parse error: the body is not JSON ({exc})"))
        if isinstance(request, list):
            if not request:
                return _error(None, RpcError(INVALID_REQUEST, "Invalid request: empty batch"))
            return [self.call(item) for item in request]
        return self.call(request)

    def call(self, request: object) -> dict[str, object]:
        """Answers one JSON-RPC request object."""
        if not isinstance(request, dict):
            return _error(None, RpcError(INVALID_REQUEST, "Invalid request: not an object"))
        request_id = request.get("id")
        try:
            method, params = _unpack(request)
            with self.chain.lock:
                result = method(self.chain, params)
        except RpcError as exc:
            return _error(request_id, exc)
        except Exception:
            # A bug must reach the client as an internal error naming the method, and the log.
            LOGGER.exception("devnet: %s failed", request.get("method"))
            failed = RpcError(INTERNAL_ERROR, f"Internal error in {request.get('method')}")
            return _error(request_id, failed)
        return {"jsonrpc": "2.0", "result": result, "id": request_id}


def _unpack(request: dict[str, object]) -> tuple[Method, Params]:
    if request.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"')
    name = request.get("method")
    if not isinstance(name, str):
        raise RpcError(INVALID_REQUEST, 'Invalid request: "method" must be a string')
    method = METHODS.get(name)
    if method is None:
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {name}")
    values = request.get("params", [])
    if values is None:
        values = []
    if not isinstance(values, list):
        raise RpcError(INVALID_REQUEST, f'Invalid request: "params" of {name} must be an array')
    return method, Params(name, values)
