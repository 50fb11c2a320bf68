"""Provides the three opt-ins live trading needs before a session may start.

Live trading signs real swaps with the wallet, so it is never reached by one setting alone: the
config says `mode: live`, the command line says `--live`, and the operator types a confirmation
after reading the caps (or, with no terminal to type in, sets `SOLTRADER_LIVE_CONFIRM`). Any
one missing refuses the start, naming every one that is missing at once, so a second attempt
is not refused again for the next one. Paper trading, the default, asks for none of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from soltrader_tui import format as fmt
from soltrader_tui.config.model import Config
from soltrader_tui.errors import UserInputError

CONFIRM_ENV = "SOLTRADER_LIVE_CONFIRM"
"""The environment variable that confirms a run with no terminal (headless, supervised)."""
CONFIRM_WORDS = "yes-i-accept-losses"
"""What must be typed (or set in `CONFIRM_ENV`), exactly, to trade live."""

Ask = Callable[[str], str]
"""Shows a prompt and returns the line typed (without its line end)."""


class LiveRefused(UserInputError):
    """Live trading was asked for without all three opt-ins: nothing was opened or traded."""

    title = "Live trading refused"


@dataclass(frozen=True, slots=True)
class OptIns:
    """What the opt-in check decided."""

    live: bool
    """All three opt-ins were given: the session trades live."""
    missing: tuple[str, ...] = ()
    """Each opt-in not given, in words naming it; empty unless the start is refused."""
    typed: bool = False
    """The confirmation was typed at the terminal (not taken from `CONFIRM_ENV`)."""

    @property
    def refusal(self) -> str | None:
        """The line refusing the start, naming every opt-in missing; None when none is."""
        return refusal_message(self.missing) if self.missing else None


def refusal_message(missing: tuple[str, ...]) -> str:
    """The line refusing a start: each opt-in missing, then what live needs in all."""
    return (
        "live trading refused: "
        + "; ".join(missing)
        + ". Live needs all three: mode: live in the config, --live on the command line, "
        + f"and the typed confirmation (or {CONFIRM_ENV}={CONFIRM_WORDS}); see docs/live.md"
    )


def check_opt_ins(
    config: Config,
    live_flag: bool,
    environ: Mapping[str, str],
    *,
    interactive: bool,
    ask: Ask,
) -> OptIns:
    """Decides whether a session may start, and whether it trades live.

    Paper without `--live` is decided at once: nothing is asked. Otherwise the confirmation is
    asked (with the caps shown) only when the config and the flag are both in place, so an
    operator is never made to confirm a start that is refused anyway.

    Args:
        config: The loaded config; its `mode` is the first opt-in, its caps are shown.
        live_flag: Whether `--live` was given.
        environ: The environment (`CONFIRM_ENV` confirms without a terminal).
        interactive: Whether stdin is a terminal the confirmation can be typed in.
        ask: Shows the confirmation prompt and returns what was typed.

    Returns:
        `live` True with all three given; False for paper; or the opt-ins missing.
    """
    if config.mode == "paper" and not live_flag:
        return OptIns(live=False)
    missing: list[str] = []
    if config.mode != "live":
        missing.append(f"--live was given but the config says mode: {config.mode}, not mode: live")
    if not live_flag:
        missing.append("the config says mode: live but --live was not given")
    confirm = environ.get(CONFIRM_ENV) or None  # set but empty counts as not set
    if confirm is not None and confirm != CONFIRM_WORDS:
        missing.append(f"{CONFIRM_ENV} is {confirm!r}, not {CONFIRM_WORDS}")
    elif confirm is None and not interactive:
        missing.append(
            f"no confirmation: stdin is not a terminal to type it in and {CONFIRM_ENV} is not set"
        )
    if missing:
        return OptIns(live=False, missing=tuple(missing))
    if confirm == CONFIRM_WORDS:
        return OptIns(live=True)
    typed = ask(confirmation_prompt(config))
    if typed != CONFIRM_WORDS:
        wrong = f"the confirmation typed was {typed!r}, not {CONFIRM_WORDS}"
        return OptIns(live=False, missing=(wrong,))
    return OptIns(live=True, typed=True)


def confirmation_prompt(config: Config) -> str:
    """The caps a live session trades under, and the words to type to accept them."""
    live = config.live
    rows = (
        ("open positions at most", fmt.usd(live.max_capital_usd), "live.max_capital_usd"),
        ("one order at most", fmt.usd(live.max_order_usd), "live.max_order_usd"),
        ("slippage at most", f"{live.max_slippage_bps} bps", "live.max_slippage_bps"),
        (
            "priority fee at most",
            f"{live.max_priority_fee_lamports:,} lamports",
            "live.max_priority_fee_lamports",
        ),
    )
    lines = [
        f"LIVE TRADING: real swaps signed by wallet {config.solana.pubkey}; real money at risk.",
        *(f"  {what:<24}{value:>22}   ({key})" for what, value, key in rows),
        f"Type {CONFIRM_WORDS} to trade live under these caps (anything else stops here): ",
    ]
    return "\n".join(lines)


def ask_terminal(prompt: str) -> str:
    """Asks on the terminal; end of input (Ctrl+D, Ctrl+Z) is an empty answer, a refusal."""
    try:
        return input(prompt)
    except EOFError:
        print(file=sys.stderr)
        return ""


def require_opt_ins(config: Config, live_flag: bool) -> OptIns:
    """Checks the opt-ins against this process's environment and terminal.

    Args:
        config: The loaded config.
        live_flag: Whether `--live` was given.

    Returns:
        The decision, when the start may go on.

    Raises:
        LiveRefused: an opt-in is missing (or the confirmation was typed wrong); the message
            names each one.
    """
    decided = check_opt_ins(
        config,
        live_flag,
        os.environ,
        interactive=sys.stdin is not None and sys.stdin.isatty(),
        ask=ask_terminal,
    )
    if decided.missing:
        raise LiveRefused(refusal_message(decided.missing))
    return decided
