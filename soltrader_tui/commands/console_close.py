"""Provides the console close guard: closing the window gives a running session time to commit.

When the Windows console window closes (or the user logs off, or the machine shuts down),
Windows calls the console's control handlers on a thread of its own and ends the process as
soon as they return, at the latest after about five seconds. Python's `signal.SIGBREAK`
handler runs later, on the main thread: by then the process may be gone. This guard is a
handler of our own (`SetConsoleCtrlHandler`, through ctypes) that asks the session to stop and
holds the process until the session says it has committed, within the grace Windows gives.
Elsewhere there is no such event: `guard` does nothing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

CLOSE_GRACE_S = 4.5
"""How long the handler holds the process: Windows ends it five seconds after a close event."""
_CLOSING_EVENTS = (2, 5, 6)
"""CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT."""


class Guard:
    """One session's guard: `done()` once everything is committed; `release()` at the end."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._release: Callable[[], None] | None = None

    def done(self) -> None:
        """Says the session has stopped and committed: a waiting close may proceed."""
        self._done.set()

    def release(self) -> None:
        """Removes the handler (the session is over)."""
        self._done.set()
        release, self._release = self._release, None
        if release is not None:
            release()


def guard(stop: Callable[[], None]) -> Guard:
    """Makes the console's close event stop the session with `stop` and wait for `done()`.

    Args:
        stop: Asks the session to stop; called on the handler's own thread, so it must only
            do what is safe from another thread (`loop.call_soon_threadsafe`,
            `App.call_from_thread`).
    """
    result = Guard()
    if sys.platform != "win32":
        return result
    import ctypes
    from ctypes import wintypes

    def on_event(event: int) -> bool:
        if event not in _CLOSING_EVENTS:
            return False  # Ctrl+C and Ctrl+Break: the signal handlers' business
        stop()
        result._done.wait(CLOSE_GRACE_S)
        return True

    handler = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)(on_event)
    kernel32 = ctypes.windll.kernel32
    if kernel32.SetConsoleCtrlHandler(handler, True):
        # The handler object is kept alive by the closure until released.
        result._release = lambda: kernel32.SetConsoleCtrlHandler(handler, False)
    return result
