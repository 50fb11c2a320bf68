"""Provides the body of each CLI command; heavy imports stay inside the command that needs them."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from soltrader_tui import __version__, interrupts
from soltrader_tui.config_errors import ConfigError
from soltrader_tui.exit_codes import EXIT_LEDGER_WRITE_FAILED
from soltrader_tui.ledger.connect import LedgerDamaged, LedgerError, NotALedger
from soltrader_tui.ledger.write_failure import LedgerWriteFailed

if TYPE_CHECKING:
    from soltrader_tui.engine import Engine
    from soltrader_tui.session import Session
    from soltrader_tui.tui.checkpoint_key import CheckpointTarget

EXIT_OK = 0
EXIT_USAGE = 2


def fail(message: str) -> int:
    """Prints `soltrader-tui: message` on stderr and returns the usage exit code (2)."""
    print(f"soltrader-tui: {message}", file=sys.stderr)
    return EXIT_USAGE


def ledger_error_message(exc: LedgerError, *, given: bool) -> str:
    """The message for a ledger a read-only command cannot read.

    A file that is not a ledger named with --db is the wrong file. Named by the config, it is
    our ledger, damaged; the next start moves it aside (`ledger_damaged`), which a read-only
    command must not do.
    """
    if not isinstance(exc, NotALedger) or given:
        return str(exc)
    return (
        f"{exc.path} is damaged: {exc.why}. It is the ledger file the config names: the next "
        "start moves it aside and names the checkpoint to restore."
    )


def write_failed(exc: LedgerWriteFailed) -> int:
    """Prints why the ledger could not be written, as one line, and returns exit code 3."""
    print(f"soltrader-tui: {exc}", file=sys.stderr)
    return EXIT_LEDGER_WRITE_FAILED


def run(args: argparse.Namespace, *, headless: bool) -> int:
    """Starts a paper session: the dashboard, or headless with log lines on stderr."""
    from soltrader_tui import checkpoint_commands
    from soltrader_tui.checkpoint_report import CheckpointError
    from soltrader_tui.eventlog import LOGGER
    from soltrader_tui.market.sources import MarketSetupError
    from soltrader_tui.session import RunOptions, configure_logging, open_session

    opts = RunOptions(
        config=args.config,
        db=args.db,
        seed=args.seed,
        speed=args.speed,
        duration_s=args.duration,
        accept_lost_fills=getattr(args, "accept_lost_fills", False),
    )
    damage: str | None = None
    try:
        session = open_session(
            opts,
            "soltrader-tui " + ("run --headless" if headless else "dashboard"),
            preload=None if headless else _import_dashboard,
        )
    except ConfigError as exc:
        return fail(str(exc))
    except LedgerWriteFailed as exc:
        return write_failed(exc)
    except LedgerDamaged as exc:
        damage = str(exc)
    except LedgerError as exc:
        return fail(str(exc))
    except MarketSetupError as exc:
        return fail(str(exc))
    except CheckpointError as exc:
        return fail(
            f"{exc}\nNo engine was started: a checkpoint is taken before a schema migration or "
            "a switch of mode, and this one failed."
        )
    except OSError as exc:
        return fail(str(exc))
    if damage is not None:
        # Handled outside the except block, so the exception (and the failed open's connection
        # its traceback holds) can be freed before the file is moved: Windows refuses to move
        # an open file.
        return checkpoint_commands.ledger_damaged(args, damage)
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
            except LedgerWriteFailed as exc:
                return write_failed(exc)
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
        code = app.run()
        return int(code or 0)
    finally:
        session.close()


def _import_dashboard() -> None:
    import soltrader_tui.tui.app  # noqa: F401  (imported now: it overlaps the ledger's check)


def _checkpoint_target(session: Session) -> CheckpointTarget:
    from soltrader_tui.ledger_log import log_file
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
    try:
        asyncio.run(engine.run())
    except KeyboardInterrupt:
        return interrupts.EXIT_INTERRUPTED  # a second Ctrl+C: commits are already durable
    return EXIT_OK


def supervise(args: argparse.Namespace) -> int:
    """Runs the headless engine as a child process and restarts it after a crash."""
    import logging.handlers

    from soltrader_tui.supervise import SpaceWatch
    from soltrader_tui.supervise import supervise as run_supervised

    flags: list[str] = []
    for name in ("config", "db", "seed"):
        value = getattr(args, name)
        if value is not None:
            flags += [f"--{name}", str(value)]
    if args.speed is not None:
        flags += ["--speed", "max" if args.speed == float("inf") else repr(args.speed)]
    if args.duration is not None:
        flags += ["--duration", repr(args.duration)]
    logger = logging.getLogger("soltrader_tui.supervisor")
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler())
    try:
        from soltrader_tui.session import load_settings

        config, paths, _ = load_settings(args.config, args.db)
        paths.logs_dir.mkdir(parents=True, exist_ok=True)
        logger.addHandler(
            logging.handlers.RotatingFileHandler(
                paths.logs_dir / "supervisor.log",
                maxBytes=1_000_000,
                backupCount=2,
                encoding="utf-8",
            )
        )
    except (ConfigError, OSError) as exc:
        return fail(str(exc))
    return run_supervised(
        flags,
        log=logger.info,
        max_restarts=args.max_restarts,
        space=SpaceWatch(paths.ledger, config.storage.min_free_mb),
    )


def status(args: argparse.Namespace) -> int:
    """Prints the ledger's summary, as JSON or a table."""
    from soltrader_tui.status import read_status, render_status, status_json

    try:
        db = args.db if args.db is not None else ledger_path(args.config)
        report = read_status(db.resolve())
    except ConfigError as exc:
        return fail(str(exc))
    except LedgerError as exc:
        return fail(ledger_error_message(exc, given=args.db is not None))
    if args.json:
        print(json.dumps(status_json(report), indent=2, ensure_ascii=False))
        return EXIT_OK
    from rich.console import Console

    Console().print(render_status(report))
    return EXIT_OK


def control(args: argparse.Namespace, command: Literal["stop", "resume"]) -> int:
    """Stops or resumes the engine on a ledger, through the ledger; waits for its answer."""
    import os
    import time

    from soltrader_tui.ledger import control as requests

    try:
        db = (args.db if args.db is not None else ledger_path(args.config)).resolve()
        if not db.exists():
            return fail(f"no ledger at {db} (start a session first, or pass --db)")
        reason = (
            "stop requested while no engine ran; open positions are sold at the next start"
            if command == "stop"
            else "resumed while no engine ran"
        )
        # The newest fill before the request (one indexed read): the stop's sales come after.
        before = _last_fill_id(db) if command == "stop" else None
        request_id = requests.send_or_store(db, command, f"cli (pid {os.getpid()})", reason)
        if request_id is None:
            state = requests.OFFLINE_STATE[command].value.upper()
            print(f"no engine is running on {db}: stored state is now {state}")
            if command == "stop":
                print(held_line(db))
            return EXIT_OK
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            answer = requests.result(db, request_id)
            if answer is not None:
                print(answer)
                if before is not None:
                    print("\n".join(_sold_lines(db, before)))
                return EXIT_OK
            time.sleep(0.02)
    except ConfigError as exc:
        return fail(str(exc))
    except LedgerError as exc:
        return fail(str(exc))
    print(
        f"soltrader-tui: the engine did not answer within {args.timeout:g} s; the request stays "
        "queued and the engine acts on it when it next polls",
        file=sys.stderr,
    )
    return 1


def _last_fill_id(db: Path) -> int | None:
    """The newest fill's id before a stop; None when it cannot be read (the stop still goes
    out: showing what it sold must never hold it back)."""
    from soltrader_tui.stop_report import last_fill_id

    try:
        return last_fill_id(db)
    except LedgerError:
        return None


def _sold_lines(db: Path, after_id: int) -> list[str]:
    from soltrader_tui.stop_report import sold_lines

    try:
        return sold_lines(db, after_id)
    except LedgerError as exc:
        return [f"what it sold cannot be read back now ({exc}): `soltrader-tui status` shows it"]


def held_line(db: Path) -> str:
    """The positions a stop stored while no engine ran leaves for the next start to sell."""
    from soltrader_tui.status import read_status
    from soltrader_tui.stop_report import qty

    try:
        positions = read_status(db).snapshot.positions
    except LedgerError as exc:
        return f"open positions cannot be read now ({exc}): `soltrader-tui status` shows them"
    if not positions:
        return "no position is open: nothing to sell"
    held = ", ".join(f"{p.symbol} {qty(p.qty / 10**p.decimals)}" for p in positions)
    return f"open positions, sold at the next start: {held}"


def ledger_path(config: Path | None) -> Path:
    """The ledger the config (or the default config) names, for commands without `--db`.

    Raises:
        ConfigError: the config file is invalid.
    """
    from soltrader_tui.session import load_settings

    _, paths, _ = load_settings(config, None)
    return paths.ledger


def config_check(args: argparse.Namespace) -> int:
    """Validates a config file; exit 0 when valid, 2 with one line per problem when not."""
    from soltrader_tui.config_file import load_config
    from soltrader_tui.paths import find_config

    path = find_config(args.config, Path.cwd())
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        return fail(str(exc))
    for notice in loaded.notices:
        print(f"soltrader-tui: {notice}", file=sys.stderr)
    print(f"{loaded.path or 'defaults'}: OK")
    return EXIT_OK


def paths(args: argparse.Namespace) -> int:
    """Prints where the config, ledger, logs and checkpoints are."""
    from soltrader_tui.paths import describe
    from soltrader_tui.session import load_settings

    try:
        _, resolved, _ = load_settings(args.config, args.db)
    except ConfigError as exc:
        return fail(str(exc))
    for label, value in describe(resolved):
        print(f"{label:<12} {value}")
    return EXIT_OK
