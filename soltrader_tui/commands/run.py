"""Provides `run` and `dashboard`: a paper session, headless or on the dashboard.

Heavy imports stay inside the command that needs them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from soltrader_tui import __version__
from soltrader_tui.commands import console_close, interrupts
from soltrader_tui.commands.common import EXIT_OK, fail, fail_with
from soltrader_tui.errors import EXIT_INTERRUPTED, SoltraderError, StorageFailed
from soltrader_tui.ledger.errors import LedgerDamaged

if TYPE_CHECKING:
    from soltrader_tui.engine.engine import Engine
    from soltrader_tui.engine.runtime import Session
    from soltrader_tui.tui.app import SolTraderApp
    from soltrader_tui.tui.checkpoint_key import CheckpointTarget


def run(args: argparse.Namespace, *, headless: bool) -> int:
    """Starts a session (paper, or live after its opt-ins): the dashboard, or headless with log
    lines on stderr."""
    from soltrader_tui.engine.runtime import configure_logging
    from soltrader_tui.ledger.log import LOGGER

    session = _open(args, headless=headless)
    if isinstance(session, int):
        return session
    if interrupts.requested():
        session.close()
        return interrupts.interrupted_exit("before the session started; nothing was traded")
    for notice in session.notices:
        print(f"soltrader-tui: {notice}", file=sys.stderr)
    configure_logging(session.paths, to_stderr=headless)
    for line in session.checkpoints_taken:
        LOGGER.info(line)
    try:
        if headless:
            try:
                return _run_headless(session.engine)
            except StorageFailed as exc:
                return fail_with(exc)
        return _run_dashboard(session)
    finally:
        session.close()


def _open(args: argparse.Namespace, *, headless: bool) -> Session | int:
    """Opens the session the flags ask for; or says why it cannot and returns the exit code."""
    from soltrader_tui.checkpoints.report import CheckpointError
    from soltrader_tui.commands.checkpoints import ledger_damaged
    from soltrader_tui.engine.runtime import RunOptions, open_session

    refused = _refuse_without_opt_ins(args)
    if refused is not None:
        return refused
    opts = RunOptions(
        config=args.config,
        db=args.db,
        seed=args.seed,
        speed=args.speed,
        duration_s=args.duration,
        accept_lost_fills=getattr(args, "accept_lost_fills", False),
        live=bool(args.live),
    )
    damage: str | None = None
    try:
        return open_session(
            opts,
            "soltrader-tui " + ("run --headless" if headless else "dashboard"),
            preload=None if headless else _import_dashboard,
        )
    except LedgerDamaged as exc:
        damage = str(exc)
    except CheckpointError as exc:
        return fail_with(
            exc,
            f"{exc}\nNo engine was started: a checkpoint is taken before a schema migration or "
            "a switch of mode, and this one failed.",
        )
    except SoltraderError as exc:  # bad config or market, a ledger unusable or not writable
        return fail_with(exc)
    except OSError as exc:
        return fail(str(exc))
    # Handled outside the except block, so the exception (and the failed open's connection
    # its traceback holds) can be freed before the file is moved: Windows refuses to move
    # an open file.
    return ledger_damaged(args, damage)


def _refuse_without_opt_ins(args: argparse.Namespace) -> int | None:
    """Checks live trading's three opt-ins before anything is opened (no ledger, no lock);
    returns the exit code of a refusal, or None when the session may start."""
    from soltrader_tui.commands.live_optin import require_opt_ins
    from soltrader_tui.config.load import load_settings

    # Ctrl+C at the confirmation prompt leaves at once: nothing is open yet to tidy up.
    interrupts.undefer()
    try:
        config, _, _ = load_settings(args.config, args.db)
        require_opt_ins(config, bool(args.live))
    except SoltraderError as exc:
        return fail_with(exc)
    finally:
        interrupts.defer()
    return None


def _run_dashboard(session: Session) -> int:
    """Runs the dashboard on the session's engine until it is quit; returns the exit code."""
    from soltrader_tui.tui.app import make_app

    app = make_app(
        session.config,
        session.engine,
        version=__version__,
        checkpoint=_checkpoint_target(session),
    )
    if interrupts.requested():  # Ctrl+C while the dashboard was being built
        return interrupts.interrupted_exit("before the session started; nothing was traded")
    interrupts.undefer()
    interrupts.on_close(lambda: _quit_soon(app))
    closing = console_close.guard(lambda: _quit_from_thread(app))
    try:
        code = app.run()
    finally:
        interrupts.on_close(None)
        closing.release()
    return int(code or 0)


def _quit_from_thread(app: SolTraderApp) -> None:
    """Quits the dashboard from the console's close handler (a thread of Windows')."""
    with contextlib.suppress(RuntimeError):  # the app is not running (yet, or any more)
        app.call_from_thread(app.call_later, app.action_quit)


def _quit_soon(app: SolTraderApp) -> None:
    """Quits the dashboard as its `q` does (the engine stops and commits first); called from a
    signal handler, so it only schedules the quit on the app's loop, the one safe call there."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # the app is not running yet or any more: nothing to stop
    loop.call_soon_threadsafe(lambda: loop.create_task(app.action_quit()))


def _import_dashboard() -> None:
    import soltrader_tui.tui.app  # noqa: F401  (imported now: it overlaps the ledger's check)


def _checkpoint_target(session: Session) -> CheckpointTarget:
    from soltrader_tui.ledger.log import log_file
    from soltrader_tui.tui.checkpoint_key import CheckpointTarget

    return CheckpointTarget(
        ledger=session.paths.ledger,
        checkpoints_dir=session.paths.checkpoints_dir,
        config_file=session.paths.config_file,
        keep=session.config.storage.keep_checkpoints,
        log_file=log_file(session.paths.logs_dir, session.paths.ledger),
    )


def _run_headless(engine: Engine) -> int:
    interrupts.defer(engine.request_stop)  # Ctrl+C: stop after this tick, all committed
    interrupts.on_close(engine.request_stop)  # the console window closing: the same
    closing: list[console_close.Guard] = []

    async def trade() -> None:
        loop = asyncio.get_running_loop()
        closing.append(console_close.guard(lambda: _stop_from_thread(loop, engine)))
        await engine.run()

    try:
        asyncio.run(trade())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED  # a second Ctrl+C: commits are already durable
    finally:
        interrupts.on_close(None)
        for guard in closing:
            guard.release()  # the engine has committed: a waiting close may end the process
    return EXIT_OK


def _stop_from_thread(loop: asyncio.AbstractEventLoop, engine: Engine) -> None:
    """Asks the engine to stop from another thread (the console's close handler)."""
    with contextlib.suppress(RuntimeError):  # the loop has closed: the engine has stopped
        loop.call_soon_threadsafe(engine.request_stop)
