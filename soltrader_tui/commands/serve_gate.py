"""Provides the token gate in front of `serve`'s pages, and an access log that cannot leak it.

A browser proves it knows the token once (the login form, or `?token=` in the address) and
then carries a cookie. The cookie holds an HMAC of the token, not the token, so a cookie read
off a disk does not give the token away; the form posts the token in the body, so it stays out
of addresses, histories and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from yarl import URL

COOKIE = "soltrader_serve"
"""The cookie that carries a browser's proof of the token."""
LOGIN_PATH = "/login"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>soltrader-tui dashboard</title>
<style>body{{background:#0c181f;color:#eee;font-family:monospace;display:flex;
justify-content:center;margin-top:20vh}}input,button{{font:inherit;padding:6px;margin:4px}}
</style></head>
<body><form method="post" action="{action}">
<p>{message}</p>
<label>Token <input id="token" name="token" type="password" autofocus></label>
<button type="submit">Open the dashboard</button>
</form></body></html>
"""


def login_page(message: str, status: int) -> web.Response:
    """The small page that asks for the token, with why it is asked (`status`: 401 or 403)."""
    body = _LOGIN_PAGE.format(action=LOGIN_PATH, message=html.escape(message))
    return web.Response(text=body, status=status, content_type="text/html")


class TokenGate:
    """Refuses every request that does not prove it knows the token: 401 without a proof,
    403 with a wrong one."""

    def __init__(self, token: str) -> None:
        self._token = token.encode("utf-8")
        self._proof = hmac.new(self._token, b"soltrader-tui serve", hashlib.sha256).hexdigest()

    def install(self, app: web.Application) -> None:
        """Puts the gate in front of every route of `app` and adds the login form's target."""
        app.middlewares.append(self.middleware)
        app.router.add_post(LOGIN_PATH, self.login)

    def _is_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8"), self._token)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Lets a request with the cookie through; admits `?token=` (then drops it from the
        address); answers anything else with the login page (`/`) or a plain refusal."""
        if hmac.compare_digest(request.cookies.get(COOKIE, ""), self._proof):
            return await handler(request)
        if request.path == LOGIN_PATH and request.method == "POST":
            return await handler(request)
        given = request.query.get("token")
        if given is not None:
            if not self._is_token(given):
                return login_page("That token is wrong.", 403)
            return self._admitted(str(request.rel_url.without_query_params("token")))
        if request.path == "/":
            return login_page("This dashboard needs its token.", 401)
        return web.Response(
            status=401, text="soltrader-tui serve: this needs the dashboard's token; open / first"
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        """The login form's target: the right token gets the cookie and the dashboard."""
        form = await request.post()
        given = form.get("token")
        if not isinstance(given, str) or not self._is_token(given):
            return login_page("That token is wrong.", 403)
        return self._admitted("/")

    def _admitted(self, location: str) -> web.Response:
        response = web.Response(status=303, headers={"Location": location})
        # Strict: the cookie goes only with requests this dashboard's own pages make.
        response.set_cookie(COOKIE, self._proof, httponly=True, samesite="Strict", path="/")
        return response


class SameOrigin:
    """Refuses what a page of another site makes a browser send: a websocket from any page
    may reach 127.0.0.1, and this one's keys stop and pause the engine. A request whose Origin
    is not this server's gets 403; so does one, on loopback, naming a Host that is not
    loopback (a DNS name an attacker points at 127.0.0.1, which makes the origins equal)."""

    def __init__(self, hosts: frozenset[str] | None) -> None:
        """`hosts`: the Host names allowed (None: any, when bound beyond this machine)."""
        self._hosts = hosts

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answers 403 to another site's request, and passes the rest on."""
        if self._hosts is not None and request.url.host not in self._hosts:
            return web.Response(status=403, text="soltrader-tui serve: open it as 127.0.0.1")
        origin = request.headers.get("Origin")
        if origin is not None and URL(origin).origin() != request.url.origin():
            return web.Response(status=403, text="soltrader-tui serve: not from another site")
        return await handler(request)


class PathOnlyAccessLog(AbstractAccessLogger):
    """One line per request: who, the method, the path without its query, the status. The
    query (which may hold `?token=`) and the Referer (which may repeat it) are never written."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.3fs', request.remote, request.method, request.path, response.status,
            time,
        )  # fmt: skip
