"""Provides the `soltrader-tui` command: parse, load config, call into the package.

Each command imports only what it uses, so `status` does not pay for the TUI.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from soltrader_tui import __version__

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}

GLOBAL_OPTIONS = ("config", "db", "seed", "speed", "duration", "live")
"""Options that may also come before the command; each is applied to the command that takes
it, and refused (exit 2, naming the command) by one that does not."""
_AFTER_ONLY = {
    "--json": 0,
    "--headless": 0,
    "--timeout": 1,
    "--max-restarts": 1,
    "--alert": 0,
}
"""Options of one command; before the command they are refused with where they go."""


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


def _add_run_flags(p: argparse.ArgumentParser, *, before: bool = False) -> None:
    """Adds --config, --db, --seed, --speed, --duration and --live: to `run` and `supervise`, and
    (with `before`) to the top level, where they are kept apart until `main` hands them on."""
    dest = "before_{}" if before else "{}"
    p.add_argument(
        "--config",
        type=Path,
        dest=dest.format("config"),
        metavar="CONFIG",
        help="config file (default: ./config.yaml, then the user config folder)",
    )
    p.add_argument(
        "--db",
        type=Path,
        dest=dest.format("db"),
        metavar="DB",
        help="ledger file (default: in storage.data_dir)",
    )
    p.add_argument(
        "--seed",
        type=parse_seed,
        dest=dest.format("seed"),
        metavar="SEED",
        help="simulated market seed (default: market.sim.seed)",
    )
    p.add_argument(
        "--speed",
        type=parse_speed,
        dest=dest.format("speed"),
        metavar="SPEED",
        help="market time per wall time: 1 (default), 10, …, or max",
    )
    p.add_argument(
        "--duration",
        type=parse_duration,
        dest=dest.format("duration"),
        metavar="DURATION",
        help="stop after this much market time: 90s, 30m, 2h",
    )
    p.add_argument(
        "--live",
        # None when not given (not False): a flag given before the command and not after it
        # is then not "given twice with different values".
        action="store_const",
        const=True,
        dest=dest.format("live"),
        help="trade live with real money; also needs mode: live in the config and a typed "
        "confirmation (or SOLTRADER_LIVE_CONFIRM=yes-i-accept-losses); see docs/live.md",
    )
    if before:
        # Options of a single command, given before it: refused with where they go, rather
        # than argparse's "unrecognized arguments" (or, for a value, "invalid choice").
        for flag, nargs in _AFTER_ONLY.items():
            dest = "before_" + flag.lstrip("-").replace("-", "_")
            if nargs:
                p.add_argument(flag, dest=dest, help=argparse.SUPPRESS)
            else:
                p.add_argument(
                    flag, dest=dest, action="store_const", const=True, help=argparse.SUPPRESS
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


def _add_engine_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run a trading session (dashboard, or --headless)")
    run.add_argument("--headless", action="store_true", help="no dashboard: log lines to stderr")
    run.add_argument(
        "--accept-lost-fills",
        action="store_true",
        help="start on a ledger that lost committed fills (e.g. a deleted -wal); recorded in it",
    )
    _add_run_flags(run)
    sup = sub.add_parser(
        "supervise", help="run the headless engine and restart it after a crash, with backoff"
    )
    _add_run_flags(sup)
    sup.add_argument(
        "--max-restarts", type=int, default=None, help="give up after this many failed restarts"
    )


def _add_reading_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, text in (
        ("status", "summary read from the ledger alone"),
        ("health", "is the bot healthy? exit 0 ok, 1 degraded, 2 failing (from the ledger)"),
    ):
        reader = sub.add_parser(name, help=text)
        reader.add_argument("--json", action="store_true", help="one JSON object")
        reader.add_argument("--db", type=Path, help="ledger file")
        reader.add_argument("--config", type=Path, help="config file (to find the ledger)")
        if name == "health":
            reader.add_argument(
                "--alert",
                action="store_true",
                help="send a verdict that is not ok (and the return to ok) to alerts.targets",
            )
    journal = sub.add_parser(
        "journal",
        help="what happened: sessions, config changes, commands, states, alerts (from the ledger)",
    )
    journal.add_argument(
        "--since",
        metavar="WHEN",
        help="only events since a span back (30m, 2h, 1d) or a time (2026-12-02T14:00, local)",
    )
    journal.add_argument("--json", action="store_true", help="one JSON object per event and line")
    journal.add_argument("--db", type=Path, help="ledger file")
    journal.add_argument("--config", type=Path, help="config file (to find the ledger)")
    watch = sub.add_parser(
        "watch", help="read-only dashboard of an engine running elsewhere (its keys still work)"
    )
    watch.add_argument("--db", type=Path, help="ledger file")
    watch.add_argument("--config", type=Path, help="config file (to find the ledger)")
    _add_serve_command(sub)


def _add_serve_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve", help="the watch dashboard in a web browser (127.0.0.1; elsewhere needs a token)"
    )
    serve.add_argument("--db", type=Path, help="ledger file")
    serve.add_argument("--config", type=Path, help="config file (to find the ledger)")
    serve.add_argument("--port", type=parse_port, default=8000, help="port; 0 picks one (8000)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    serve.add_argument(
        "--token",
        help="the token the page asks for; required off 127.0.0.1 (or SOLTRADER_SERVE_TOKEN)",
    )


def _add_control_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def parse_utc(text: str) -> float:
    """Parses `--from`/`--to`: `2025-03-01`, `2025-03-01T12:00` or with seconds, in UTC."""
    from soltrader_tui.config.model import utc_seconds

    try:
        return utc_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_research_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `backtest` and its flags."""
    p = sub.add_parser(
        "backtest",
        help="run one strategy over recorded candles into its own ledger (mode backtest)",
    )
    p.add_argument("--strategy", required=True, help="the strategy to test, e.g. ema_cross")
    p.add_argument(
        "--data", nargs="+", type=Path, required=True, metavar="FILE", help="candle files"
    )
    p.add_argument(
        "--from", dest="from_ts", type=parse_utc, metavar="TIME", help="first candle traded (UTC)"
    )
    p.add_argument(
        "--to", dest="to_ts", type=parse_utc, metavar="TIME", help="candles from here on unused"
    )
    p.add_argument(
        "--db", type=Path, help="new ledger file (default: backtests/ in the data folder)"
    )
    p.add_argument(
        "--json", dest="json_out", type=Path, metavar="OUT", help="write figures and trips"
    )
    p.add_argument("--config", type=Path, help="config file (strategy parameters, limits, costs)")
    p.add_argument(
        "--stake-usd", type=float, metavar="USD", help="fixed USD per entry (risk.order_usd)"
    )
    p.add_argument(
        "--fee-bps", type=float, metavar="BPS", help="swap fee per side (paper.swap_fee_bps)"
    )
    p.add_argument(
        "--stop-loss-pct", type=float, metavar="PCT", help="stop loss, percent below entry cost"
    )
    p.add_argument("--impact", choices=("pool", "none"), default="pool", help="price impact model")
    p.add_argument(
        "--no-risk",
        action="store_true",
        help="no limits but the stop; one position at a time (the common backtester convention)",
    )


def _add_download_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exits = (
        "Exit 0 done; 1 the provider failed (what was written stays: run again to continue); "
        "2 bad input (a flag, an unknown pair or pool, an --out not a candle file)."
    )
    dl = sub.add_parser(
        "download",
        help="fetch candles from a public keyless API into a file replay reads (resumes)",
        description="Appends closed candles to a CSV that market.replay.paths can name; run "
        "again, it continues after the file's last candle. See docs/data.md.",
        epilog=exits,
    )
    providers = dl.add_subparsers(dest="provider", metavar="PROVIDER", required=True)
    for name, target, text in (
        ("binance", "SYMBOL", "Binance spot pair quoted in USDT/USDC, e.g. SOLUSDT"),
        ("geckoterminal", "POOL", "Solana pool address (GeckoTerminal pool OHLCV)"),
    ):
        p = providers.add_parser(name, help=text, description=f"{target}: {text}.", epilog=exits)
        p.add_argument("target", metavar=target, help=text)
        p.add_argument("--interval", default="5m", help="candle interval: 1m, 5m, 1h, … (5m)")
        p.add_argument("--since", metavar="TIME", help="first candle of a new file: 2025-01-01")
        p.add_argument("--until", metavar="TIME", help="stop before it (default: now)")
        p.add_argument("--out", type=Path, metavar="PATH", help="file, or folder for the default")
        p.add_argument("--rate", type=int, metavar="N", help="calls a minute (300; gecko 30)")
        p.add_argument("--base-url", metavar="URL", help="API root (a mirror, a test server)")
        if name == "geckoterminal":
            p.add_argument("--symbol", help="token symbol for the file name (default: the API's)")


def _add_compare_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "compare",
        help="every strategy on every data set, walked forward; recommends ONE",
    )
    p.add_argument("--data", nargs="+", type=Path, required=True, metavar="FILE",
                   help="candle files, one data set each")  # fmt: skip
    p.add_argument("--strategies", type=_names, help="comma-separated (default: all)")
    p.add_argument(
        "--trials", type=int, help="tuning trials per window (research.trials_per_window)"
    )
    p.add_argument("--windows", type=int, help="walk-forward windows (research.windows)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (1)")
    p.add_argument("--config", type=Path, help="config file (limits, costs, research)")
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write the ranking")
    p.add_argument("--snippet", type=Path, default=Path("recommended.yaml"),
                   help="where to write the config lines (recommended.yaml)")  # fmt: skip


def _add_optimize_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("optimize", help="optuna search of one strategy's parameters")
    p.add_argument("--strategy", required=True, help="the strategy to tune")
    p.add_argument("--trials", type=int, required=True, help="trials in the study, in all")
    p.add_argument("--jobs", type=int, default=1, help="worker processes on this machine (1)")
    p.add_argument("--storage", help="optuna storage URL (default: SQLite in the data folder)")
    p.add_argument("--study", help="study name; the same name joins a study (default: new)")
    p.add_argument("--data", nargs="+", type=Path, required=True, metavar="FILE",
                   help="candle files")  # fmt: skip
    p.add_argument(
        "--from", dest="from_ts", type=parse_utc, metavar="TIME", help="first candle used (UTC)"
    )
    p.add_argument(
        "--to", dest="to_ts", type=parse_utc, metavar="TIME", help="candles from here on unused"
    )
    p.add_argument(
        "--sampler-seed", type=int, help="TPE sampler seed (worker k uses it + k; default random)"
    )
    p.add_argument("--config", type=Path, help="config file (limits, costs, research)")
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write the result")


def parse_port(text: str) -> int:
    """Parses `--port`: 0 (pick a free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: use a whole number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: must be 0 to 65535")
    return port


def _add_devnet_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "devnet",
        help="a local Solana chain (LiteSVM) with demo mints and a funded wallet, for tests",
        description="Serves Solana JSON-RPC on 127.0.0.1 until Ctrl+C. See docs/devnet.md.",
    )
    p.add_argument(
        "--port", type=parse_port, default=8899, help="port to listen on; 0 picks one (8899)"
    )
    p.add_argument(
        "--keypair-out", type=Path, metavar="PATH", help="write the demo wallet's keypair here"
    )
    p.add_argument(
        "--config-out",
        type=Path,
        metavar="PATH",
        help="write a config naming this chain and the demo wallet (needs --keypair-out)",
    )


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one strategy")
    return names


def _add_preflight_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "preflight",
        help="the live go/no-go: every check with its reason, recorded in GO-NO-GO.md "
        "(docs/live.md)",
        epilog="Exit status: 0 GO, 1 NO-GO (a check failed), 2 a config that cannot be used.",
    )
    p.add_argument("--config", type=Path, help="config file (default: as `run` finds it)")
    p.add_argument("--db", type=Path, help="ledger file (default: the config's)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _add_wallet_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wallet = sub.add_parser(
        "wallet",
        help="the trading wallet's public key and balances, read over RPC (docs/wallet.md)",
        epilog="Exit status: 0 read, 1 the RPC node did not answer, 2 a bad config or key.",
    )
    wallet.add_argument("--config", type=Path, help="config file (default: as `run` finds it)")
    wallet.add_argument("--json", action="store_true", help="print JSON instead of text")


def _add_slippage_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "slippage",
        help="live fills against their paper twins: price, fees, latency (docs/live.md)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--last", type=int, metavar="N", help="only the newest N swaps")
    p.add_argument("--db", type=Path, help="ledger file")
    p.add_argument("--config", type=Path, help="config file (to find the ledger)")


class _Parser(argparse.ArgumentParser):
    """A parser that takes options only as spelled in full. argparse's abbreviations would let
    `devnet --config x` mean `--config-out x`: a flag meant for one thing silently doing
    another. Subcommands' parsers are of the parent's class, so this holds at every level."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of every subcommand."""
    parser: argparse.ArgumentParser = _Parser(
        prog="soltrader-tui",
        description="Terminal-first Solana trading bot. With no command: the dashboard, paper "
        "trading on the embedded simulated market.",
        epilog="Options before COMMAND apply to it: `soltrader-tui --db other.sqlite stop` is "
        "`soltrader-tui stop --db other.sqlite`. An option COMMAND does not take (e.g. --seed "
        "before status) is refused, exit 2. `soltrader-tui COMMAND --help` lists a command's "
        "options.",
    )
    parser.add_argument("--version", action="version", version=f"soltrader-tui {__version__}")
    _add_run_flags(parser, before=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # The order of the calls is the order `--help` lists the commands in.
    _add_engine_commands(sub)
    _add_reading_commands(sub)
    _add_control_commands(sub)
    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = cfg_sub.add_parser("check", help="validate a config file; exit 0 if valid, 2 if not")
    check.add_argument("--config", type=Path, help="config file to check")
    alerts = sub.add_parser("alerts", help="alert delivery tools")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    test = alerts_sub.add_parser(
        "test", help="send a test message to every alert target; exit 0 all sent, 1 some failed"
    )
    test.add_argument("--config", type=Path, help="config file (default: as `run` finds it)")
    _add_checkpoint_commands(sub)
    _add_research_commands(sub)
    _add_compare_command(sub)
    _add_optimize_command(sub)
    paths = sub.add_parser("paths", help="where the config, ledger, logs and checkpoints are")
    paths.add_argument("--config", type=Path, help="config file")
    paths.add_argument("--db", type=Path, help="ledger file")
    _add_download_command(sub)
    _add_devnet_command(sub)
    _add_wallet_command(sub)
    _add_preflight_command(sub)
    _add_slippage_command(sub)
    return parser


def parse_command_line(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the command line; options given before the command are handed to it.

    Raises:
        SystemExit: exit 2 with a message naming the option, for an option the command does
            not take, one given before and after the command with different values, or a
            command's own option given before it.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    leaf = _command_parser(parser, args)
    takes = {action.dest for action in leaf._actions}
    name = leaf.prog.removeprefix(parser.prog).strip() or "the dashboard (no command)"
    for flag in _AFTER_ONLY:
        dest = flag.lstrip("-").replace("-", "_")
        if getattr(args, "before_" + dest) is None:
            continue
        if leaf is not parser and dest in takes:
            value = " VALUE" if _AFTER_ONLY[flag] else ""
            leaf.error(f"{flag} goes after the command: {leaf.prog} {flag}{value}")
        leaf.error(f"{name} does not take {flag}; {_takers(parser, dest)}")
    for dest in GLOBAL_OPTIONS:
        before = getattr(args, "before_" + dest)
        if leaf is parser:
            setattr(args, dest, before)  # no command: the dashboard, which takes them all
            continue
        if before is None:
            continue
        if dest not in takes:
            own = sorted(a.option_strings[-1] for a in leaf._actions if a.option_strings[-1:])
            leaf.error(
                f"{name} does not take --{dest} (given before the command); it takes "
                + ", ".join(o for o in own if o != "--help")
            )
        after = getattr(args, dest)
        if after is not None and after != before:
            leaf.error(
                f"--{dest} given twice with different values: {before} before the command, "
                f"{after} after it"
            )
        setattr(args, dest, before)
    return args


def _command_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The parser of the command given (`config check`'s for `config check`); the top-level
    parser when no command is given."""
    current = parser
    while True:
        subs = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, subs[0].dest, None) if subs else None
        if chosen is None:
            return current
        current = subs[0].choices[chosen]


def _takers(parser: argparse.ArgumentParser, dest: str) -> str:
    """Names the commands that take a command's own option, for the message refusing it
    before no command or the wrong one."""
    names: list[str] = []
    pending = [parser]
    while pending:
        current = pending.pop(0)
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
        if current is not parser and dest in {a.dest for a in current._actions}:
            names.append(current.prog.removeprefix(parser.prog).strip())
    if len(names) == 1:
        return names[0] + " takes it"
    return ", ".join(names[:-1]) + " and " + names[-1] + " take it"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (130 when Ctrl+C cut it short)."""
    from soltrader_tui.commands import interrupts

    interrupts.install()  # already done by `python -m`; the installed script comes here first
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        interrupts.leave()


_PLAIN = {
    "backtest": ("backtest", "backtest"),
    "compare": ("compare", "compare"),
    "optimize": ("optimize", "optimize"),
    "download": ("download", "download_command"),
    "alerts": ("alerts", "alerts_command"),
    "devnet": ("devnet", "devnet_command"),
    "wallet": ("wallet", "wallet_command"),
    "preflight": ("preflight", "preflight"),
    "slippage": ("slippage", "slippage"),
}
"""Commands that take their parsed arguments and nothing else: (module, function)."""
_ONE_PASS = frozenset({"backtest"})
"""Commands that make one pass over data and end, run with Python's cycle collector paused,
imports included: reference counting frees their objects as usual (the peak memory of a
half-year backtest is the same within 2%), and the collector's passes over the imported config
models and 50,000 candles would cost ~10% of the command. When it returns, what is left (the
imported modules, mostly: they live until the exit anyway) is frozen (`gc.freeze`) before the
collector runs again: its first pass over everything allocated meanwhile, and the interpreter's
exit collections, took ~0.15 s, three times a backtest's ledger commit, for memory the system
takes back at the exit anyway."""


def _dispatch(argv: Sequence[str] | None) -> int:
    # Each command imports only its own module: read-only commands never load the engine.
    args = parse_command_line(argv)
    command = args.command or "tui"
    from soltrader_tui.commands import interrupts

    if command in ("run", "tui"):
        interrupts.defer()  # a session half-opened by Ctrl+C would leave files to tidy up
        from soltrader_tui.commands.run import run

        return run(args, headless=args.headless if command == "run" else False)
    if command == "status":
        from soltrader_tui.commands.status import status

        return status(args)
    if command == "health":
        from soltrader_tui.commands.health import health

        return health(args)
    if command == "journal":
        from soltrader_tui.commands.journal import journal

        return journal(args)
    if command == "watch":
        from soltrader_tui.commands.watch import watch

        return watch(args)
    if command == "serve":
        from soltrader_tui.commands.serve import serve

        return serve(args)
    if command == "supervise":
        from soltrader_tui.commands.supervise import supervise

        return supervise(args)
    if command in ("stop", "resume"):
        from soltrader_tui.commands.control import control

        return control(args, "stop" if command == "stop" else "resume")
    if command in ("config", "paths"):
        from soltrader_tui.commands.config import config_check, paths

        return config_check(args) if command == "config" else paths(args)
    if command in ("checkpoint", "checkpoints", "restore"):
        from soltrader_tui.commands import checkpoints

        if command == "checkpoint":
            return checkpoints.checkpoint(args)
        if command == "checkpoints":
            return checkpoints.checkpoints(args)
        return checkpoints.restore(args)
    if command in _PLAIN:
        return _run_plain(command, args)
    print(f"soltrader-tui: unknown command {command!r}", file=sys.stderr)
    return 2


def _run_plain(command: str, args: argparse.Namespace) -> int:
    """Runs one of the `_PLAIN` commands (see `_ONE_PASS` for the collector's part)."""
    import gc
    import importlib

    paused = command in _ONE_PASS and gc.isenabled()
    if paused:
        gc.disable()
    try:
        module, function = _PLAIN[command]
        run_command = getattr(importlib.import_module(f"soltrader_tui.commands.{module}"), function)
        return int(run_command(args))
    finally:
        if paused:
            gc.freeze()
            gc.enable()  # `main` may be called in a process that goes on


if __name__ == "__main__":
    raise SystemExit(main())
