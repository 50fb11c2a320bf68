"""Provides the command line's Ctrl+C handling, installed before anything else is imported.

Ctrl+C at any instant exits cleanly: no `KeyboardInterrupt` traceback, whatever was being
imported or opened. For a trading session the first Ctrl+C is a request: a session still
starting does not start trading and exits once its files are closed; a running one stops after
the current tick, with everything committed. A second Ctrl+C leaves at once (commits are
already durable). `signal.signal` works on Windows too, unlike `loop.add_signal_handler`;
Ctrl+Break (SIGBREAK, Windows only) is how `supervise` asks a child engine to stop there, and
how Windows tells a console program its window is being closed: a running session given
`on_close` then stops cleanly (everything committed) within the few seconds Windows waits,
on the dashboard too, where Ctrl+C is the dashboard's own key.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING, NoReturn

from soltrader_tui.errors import EXIT_INTERRUPTED

if TYPE_CHECKING:  # `signal`, `sys` and the exit codes at run time: this module loads first
    from collections.abc import Callable
    from types import FrameType


class _Interrupts:
    __slots__ = ("count", "deferred", "on_close", "on_stop")

    def __init__(self) -> None:
        self.count = 0
        """Ctrl+C presses so far."""
        self.deferred = False
        """The first Ctrl+C is a request to stop, not an immediate exit."""
        self.on_stop: Callable[[], None] | None = None
        """Asks the running session to stop; None while it is starting."""
        self.on_close: Callable[[], None] | None = None
        """Stops the running session when its console window closes (SIGBREAK)."""


_STATE = _Interrupts()


def _handler(signum: int, frame: FrameType | None) -> None:
    _STATE.count += 1
    close = _STATE.on_close
    if close is not None and signum == getattr(signal, "SIGBREAK", None):
        if _STATE.count > 1:
            raise KeyboardInterrupt  # a second one: leave at once, commits are durable
        _say("console closing: stopping after this tick, everything committed")
        close()
        return
    if _STATE.count > 1 or not _STATE.deferred:
        raise KeyboardInterrupt
    if _STATE.on_stop is None:
        _say("stopping once the start-up is done (Ctrl+C again to leave at once)")
    else:
        _say("stopping after this tick (Ctrl+C again to force)")
        _STATE.on_stop()


def _say(text: str) -> None:
    sys.stderr.write(f"soltrader-tui: {text}\n")
    sys.stderr.flush()


def install() -> None:
    """Takes over Ctrl+C (and Ctrl+Break): it raises KeyboardInterrupt, which the command line
    turns into a one-line message and exit code 130."""
    for sig in _signals():
        signal.signal(sig, _handler)


def _signals() -> list[signal.Signals]:
    return [signal.SIGINT] + ([signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])


def defer(on_stop: Callable[[], None] | None = None) -> None:
    """Makes the first Ctrl+C a request to stop.

    Args:
        on_stop: Asks the session to stop (e.g. `Engine.request_stop`); it is called at once
            when Ctrl+C was already pressed. None while the session is still starting.
    """
    _STATE.deferred = True
    _STATE.on_stop = on_stop
    if on_stop is not None and requested():
        on_stop()


def on_close(stop: Callable[[], None] | None) -> None:
    """Makes the console's close event (SIGBREAK, where the platform has it) stop the session
    cleanly with `stop` rather than interrupt it; None forgets it."""
    _STATE.on_close = stop


def undefer() -> None:
    """Makes Ctrl+C an immediate KeyboardInterrupt again (the dashboard handles its own keys)."""
    _STATE.deferred = False
    _STATE.on_stop = None


def requested() -> bool:
    """True once Ctrl+C was pressed."""
    return _STATE.count > 0


def interrupted_exit(detail: str = "") -> int:
    """Says the command was interrupted (and `detail`) and returns its exit code.

    Further Ctrl+C presses are ignored from here: the command is already on its way out, and
    one landing in the interpreter's shutdown would end it with a traceback after all.
    """
    for sig in _signals():
        signal.signal(sig, signal.SIG_IGN)
    _say("interrupted" + (f": {detail}" if detail else ""))
    return EXIT_INTERRUPTED


def leave() -> NoReturn:
    """Ends the process after a Ctrl+C that unwound the whole command: exit 130, one line.

    The unwinding already ran every `finally` (files closed, the lock released). The process
    then ends here rather than through the interpreter's own exit, which, when the interrupt
    landed in code run by `exec` (an import building a dataclass), reports it as unhandled and
    kills the process by SIGINT instead of returning 130.
    """
    import contextlib

    code = interrupted_exit()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken: nothing to add
            stream.flush()
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)
