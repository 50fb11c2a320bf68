"""Provides the `soltrader-tui` command: parse, load config, call into the package.

Each command imports only what it uses, so `status` does not pay for the TUI.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from soltrader_tui import __version__

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """Parses `90s`, `30m`, `2h`, `1h30m`, `1d` or plain seconds into seconds."""
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise argparse.ArgumentTypeError(
                f"invalid duration {text!r}: use forms like 90s, 30m, 2h, 1h30m"
            ) from None
        seconds = sum(float(n) * _UNIT_S[u] for n, u in parts)
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must be more than 0")
    return seconds


def parse_speed(text: str) -> float:
    """Parses `--speed`: a factor > 0, or `max` for as fast as possible."""
    if text.strip().lower() == "max":
        return float("inf")
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid speed {text!r}: use a number like 1, 10, 60, or 'max'"
        ) from None
    if not 0 < speed < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid speed {text!r}: must be more than 0")
    return speed


def parse_seed(text: str) -> int:
    """Parses `--seed`: a whole number >= 0."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}: use a whole number") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}: must be 0 or more")
    return seed


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        type=Path,
        help="config file (default: ./config.yaml, then the user config folder)",
    )
    p.add_argument("--db", type=Path, help="ledger file (default: in storage.data_dir)")
    p.add_argument(
        "--seed", type=parse_seed, help="simulated market seed (default: market.sim.seed)"
    )
    p.add_argument(
        "--speed", type=parse_speed, help="market time per wall time: 1 (default), 10, …, or max"
    )
    p.add_argument(
        "--duration", type=parse_duration, help="stop after this much market time: 90s, 30m, 2h"
    )


def _add_checkpoint_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    take = sub.add_parser(
        "checkpoint", help="take a checkpoint of the ledger now (safe while an engine runs)"
    )
    listing = sub.add_parser("checkpoints", help="list the checkpoints, newest first")
    restore = sub.add_parser(
        "restore", help="put a checkpoint's ledger in place (refused while an engine runs)"
    )
    restore.add_argument("name", metavar="NAME", help="the checkpoint, as `checkpoints` lists it")
    for p in (take, listing, restore):
        p.add_argument("--db", type=Path, help="ledger file")
        p.add_argument("--config", type=Path, help="config file (to find the ledger)")


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="soltrader-tui",
        description="Terminal-first Solana trading bot. With no command: the dashboard, paper "
        "trading on the embedded simulated market.",
    )
    parser.add_argument("--version", action="version", version=f"soltrader-tui {__version__}")
    _add_run_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run a trading session (dashboard, or --headless)")
    run.add_argument("--headless", action="store_true", help="no dashboard: log lines to stderr")
    _add_run_flags(run)
    sup = sub.add_parser(
        "supervise", help="run the headless engine and restart it after a crash, with backoff"
    )
    _add_run_flags(sup)
    sup.add_argument(
        "--max-restarts", type=int, default=None, help="give up after this many failed restarts"
    )
    for name, text in (
        ("status", "summary read from the ledger alone"),
        ("health", "is the bot healthy? exit 0 ok, 1 degraded, 2 failing (from the ledger)"),
    ):
        reader = sub.add_parser(name, help=text)
        reader.add_argument("--json", action="store_true", help="one JSON object")
        reader.add_argument("--db", type=Path, help="ledger file")
        reader.add_argument("--config", type=Path, help="config file (to find the ledger)")
    watch = sub.add_parser(
        "watch", help="read-only dashboard of an engine running elsewhere (its keys still work)"
    )
    watch.add_argument("--db", type=Path, help="ledger file")
    watch.add_argument("--config", type=Path, help="config file (to find the ledger)")
    for name, text in (
        ("stop", "emergency stop: flatten every position and HALT (works from another terminal)"),
        ("resume", "leave PAUSED or HALTED: back to ACTIVE"),
    ):
        control = sub.add_parser(name, help=text)
        control.add_argument("--db", type=Path, help="ledger file")
        control.add_argument("--config", type=Path, help="config file (to find the ledger)")
        control.add_argument(
            "--timeout", type=float, default=10.0, help="seconds to wait for the engine (10)"
        )
    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = cfg_sub.add_parser("check", help="validate a config file; exit 0 if valid, 2 if not")
    check.add_argument("--config", type=Path, help="config file to check")
    _add_checkpoint_commands(sub)
    paths = sub.add_parser("paths", help="where the config, ledger, logs and checkpoints are")
    paths.add_argument("--config", type=Path, help="config file")
    paths.add_argument("--db", type=Path, help="ledger file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (130 when Ctrl+C cut it short)."""
    from soltrader_tui import interrupts

    interrupts.install()  # already done by `python -m`; the installed script comes here first
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        interrupts.leave()


def _dispatch(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "tui"
    from soltrader_tui import checkpoint_commands, commands, interrupts

    if command in ("run", "tui"):
        interrupts.defer()  # a session half-opened by Ctrl+C would leave files to tidy up

    if command == "run":
        return commands.run(args, headless=args.headless)
    if command == "tui":
        return commands.run(args, headless=False)
    if command == "status":
        return commands.status(args)
    if command == "health":
        from soltrader_tui.health_command import health

        return health(args)
    if command == "watch":
        from soltrader_tui.watch_command import watch

        return watch(args)
    if command == "supervise":
        return commands.supervise(args)
    if command == "stop":
        return commands.control(args, "stop")
    if command == "resume":
        return commands.control(args, "resume")
    if command == "config":
        return commands.config_check(args)
    if command == "paths":
        return commands.paths(args)
    if command == "checkpoint":
        return checkpoint_commands.checkpoint(args)
    if command == "checkpoints":
        return checkpoint_commands.checkpoints(args)
    if command == "restore":
        return checkpoint_commands.restore(args)
    print(f"soltrader-tui: unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
