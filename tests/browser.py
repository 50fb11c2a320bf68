"""A real headless Chromium, driven over the DevTools protocol, for tests of pages we serve.

No WebDriver: Chromium's own `--remote-debugging-port` and a websocket are all it takes. Every
host but 127.0.0.1 resolves to nothing, so a page's outside links (web fonts) stay offline.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
"""The browser (Debian's `chromium`, which .ci/run installs); None when there is none."""

FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1600,1000",
)

CAPTURE_TERMINAL = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    window.__terminals.push(value);
  },
});
"""
"""Keeps each xterm.js terminal the page creates (textual-serve's page keeps it in a closure,
as `this.terminal`): the page draws on a canvas, so its text is read from the terminal."""

SCREEN_TEXT = """(() => {
  const t = window.__terminals.find(t => t && t.buffer && t.buffer.active);
  if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = b.getLine(b.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""
"""The terminal's screen as text, one line per row; null before the terminal exists."""


class Browser:
    """One headless Chromium with one page; `close` ends it."""

    def __init__(self, profile: Path, *, timeout_s: float = 30.0) -> None:
        assert CHROMIUM is not None, "no chromium on PATH"
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)
        self._stack = ExitStack()
        self._proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = self._devtools_port(profile / "DevToolsActivePort")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            self._ws: ClientConnection = self._stack.enter_context(
                connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
            )
        except BaseException:
            self._end()
            raise

    def _devtools_port(self, path: Path) -> int:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if path.exists() and (first := path.read_text().split("\n")[0]).isdigit():
                return int(first)
            assert self._proc.poll() is None, f"chromium exited with {self._proc.returncode}"
            time.sleep(0.05)
        raise AssertionError(f"chromium opened no DevTools port in {self.timeout_s} s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Sends one DevTools command and returns its result (events in between are dropped)."""
        number = next(self._ids)
        self._ws.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout_s
        while (left := deadline - time.monotonic()) > 0:
            message = json.loads(self._ws.recv(timeout=left))
            if message.get("id") == number:
                assert "error" not in message, f"{method}: {message['error']}"
                result: dict[str, Any] = message["result"]
                return result
        raise AssertionError(f"{method}: no answer in {self.timeout_s} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Loads `url`, with the terminal capture in place before the page's own scripts."""
        self.call("Page.enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL)
        self.call("Page.navigate", url=url)

    def screen_until(self, *needles: str, timeout_s: float = 30.0) -> str:
        """The terminal's text, once it shows every one of `needles`."""
        deadline = time.monotonic() + timeout_s
        text: str | None = None
        while time.monotonic() < deadline:
            text = self.evaluate(SCREEN_TEXT)
            if text is not None and all(n in text for n in needles):
                return text
            time.sleep(0.2)
        raise AssertionError(f"the page never showed {needles} in {timeout_s} s; it shows:\n{text}")

    def close(self) -> None:
        self._stack.close()
        self._end()

    def _end(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
