"""Provides the `serve` command: the `watch` dashboard in a web browser.

textual-serve runs one command per browser tab; here that command is `watch` on the same
ledger and config, so the browser shows the very widgets the terminal does, and this process
itself never loads Textual or the engine.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.commands.common import EXIT_USAGE, fail, fail_with, ledger_error_message
from soltrader_tui.errors import SoltraderError

TOKEN_ENV = "SOLTRADER_SERVE_TOKEN"
"""The environment variable that may carry the token instead of `--token`."""
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts only this machine reaches: the one place a token is optional."""


def serve(args: argparse.Namespace) -> int:
    """Serves the dashboard until Ctrl+C; exit 2 for a missing token, an unreadable ledger or
    an address that cannot be listened on."""
    # Taken out of the environment so no `watch` child (they inherit it) ever holds it.
    from_env = os.environ.pop(TOKEN_ENV, None)
    token: str | None = args.token or from_env or None
    if args.host not in LOOPBACK and token is None:
        return fail(
            f"serve: --host {args.host} lets other machines in, so it needs a token: give "
            f"--token TOKEN or set {TOKEN_ENV}; the page asks for it (or open /?token=TOKEN)"
        )
    from soltrader_tui.config.load import load_settings
    from soltrader_tui.monitor.ledger_view import read_status

    try:
        _, paths, _ = load_settings(args.config, args.db)
        ledger = paths.ledger.resolve()
        read_status(ledger)  # a ledger `watch` cannot read is refused here, not in every tab
    except SoltraderError as exc:
        return fail_with(exc, ledger_error_message(exc, given=args.db is not None))
    from soltrader_tui.commands.serve_gate import TokenGate
    from soltrader_tui.commands.serve_web import DashboardServer, Site, serve_forever

    title = f"soltrader-tui {__version__} · {ledger.name}"
    site = Site(args.host, args.port, title, LOOPBACK if args.host in LOOPBACK else None)
    command = shell_command(watch_argv(ledger, paths.config_file))
    server = DashboardServer(command, site, None if token is None else TokenGate(token))
    gate = "token required" if token is not None else "no token: this machine only"
    try:
        serve_forever(server, site, f"serving the dashboard of {ledger} at {{url}} ({gate}); "
                                    "Ctrl+C stops")  # fmt: skip
    except OSError as exc:
        return fail(f"serve: cannot listen on {args.host}:{args.port}: {exc}", EXIT_USAGE)
    return 0


def watch_argv(ledger: Path, config_file: Path | None) -> list[str]:
    """The `watch` each browser tab runs: this Python, this package, the same ledger and
    config as absolute paths (so the tab's working folder cannot change which)."""
    argv = [sys.executable, "-m", "soltrader_tui", "watch", "--db", str(ledger)]
    if config_file is not None:
        argv += ["--config", str(config_file.resolve())]
    return argv


def shell_command(argv: list[str]) -> str:
    """`argv` as one shell command line (textual-serve starts each tab through the shell),
    quoted for cmd.exe on Windows and for a POSIX shell elsewhere."""
    if os.name == "nt":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)
