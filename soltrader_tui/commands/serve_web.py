"""Provides the web server behind `serve`: textual-serve's page and sessions, one `watch`
process per browser tab, behind the token gate when there is a token."""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from soltrader_tui.commands.serve_gate import PathOnlyAccessLog, SameOrigin, TokenGate


@dataclass(frozen=True, slots=True)
class Site:
    """Where `serve` listens, and what its page is titled."""

    host: str
    port: int
    title: str
    loopback: frozenset[str] | None
    """The Host names a browser may use when only this machine is served; None beyond it."""


class DashboardServer(Server):
    """textual-serve's server with the gate in front, and page addresses taken from the
    request: its own are built from the bind address, which for 0.0.0.0 (or port 0) is not an
    address a browser can reach, and a websocket sent elsewhere would lose the gate's cookie."""

    def __init__(self, command: str, site: Site, gate: TokenGate | None) -> None:
        super().__init__(command, host=site.host, port=site.port, title=site.title)
        self._gate = gate
        self._loopback = site.loopback

    async def make_app(self) -> web.Application:
        """The aiohttp application: textual-serve's routes, behind the gate if there is one."""
        app = await self._make_app()
        app.middlewares.append(SameOrigin(self._loopback).middleware)
        if self._gate is not None:
            self._gate.install(app)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Prints nothing: textual-serve's banner names the bind address, and `serve` prints
        the one to open once it is listening."""

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page: textual-serve's template, pointed at this request's own host."""
        origin = request.url.origin()
        websocket = origin.with_scheme("wss" if request.secure else "ws")
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": str(websocket.with_path("/ws")),
            "config": {"static": {"url": str(origin.with_path("/static/"))}},
            "application": {"name": self.title},
        }


def serve_forever(server: DashboardServer, site: Site, announce: str) -> None:
    """Serves until Ctrl+C (which unwinds as KeyboardInterrupt, after the sessions are closed).

    Raises:
        OSError: the address cannot be listened on (in use, not this machine's).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    asyncio.run(_serve(server, site, announce))


async def _serve(server: DashboardServer, site: Site, announce: str) -> None:
    runner = web.AppRunner(await server.make_app(), access_log_class=PathOnlyAccessLog)
    await runner.setup()
    try:
        listener = web.TCPSite(runner, site.host, site.port)
        await listener.start()
        port = runner.addresses[0][1]  # the real one when --port 0 let the system pick
        host = f"[{site.host}]" if ":" in site.host else site.host
        print(announce.format(url=f"http://{host}:{port}/"), flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
