"""Provides the judging of `preflight`'s figures: one `CheckResult` per check, with no I/O.

The command gathers the figures (the config, the key, the RPC node's answers, Jupiter's
quotes, the ledger, the checkpoints, the alert deliveries); each function here says pass or
fail and why, in words the operator can act on. A figure that could not be gathered is a
failure that says "not checked: <why>": GO needs every check to pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from soltrader_tui import format as fmt

if TYPE_CHECKING:
    from soltrader_tui.config.model import Config, PreflightConfig

CAPITAL_CEILING_USD = 500.0
"""Most live capital preflight calls conservative (above it needs `live.allow_above_500`)."""
MAX_CONSERVATIVE_SLIPPAGE_BPS = 300
"""Most slippage a live order may allow and still be called conservative (3 %)."""
MICRO = 1_000_000
SOL_DECIMALS = 9
USDC_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict and why."""

    name: str
    passed: bool
    reason: str


def not_checked(name: str, why: str) -> CheckResult:
    """A check that could not be made: it fails, and says why."""
    return CheckResult(name, False, f"not checked: {why}")


def is_go(results: Sequence[CheckResult]) -> bool:
    """GO only when there are checks and every one passed."""
    return bool(results) and all(r.passed for r in results)


def judge_caps(config: Config) -> CheckResult:
    """The live caps are conservative: capital at most $500 (or allowed above it), one order
    within the capital, the risk order size within the live order cap (else it is shrunk, and
    said), and slippage at most 300 bps."""
    live, problems, notes = config.live, [], []
    if live.max_capital_usd > CAPITAL_CEILING_USD:
        if live.allow_above_500:
            notes.append(f"max_capital_usd {fmt.usd(live.max_capital_usd)} is above $500 (allowed)")
        else:
            problems.append(f"live.max_capital_usd {fmt.usd(live.max_capital_usd)} is above $500")
    if live.max_order_usd > live.max_capital_usd:
        problems.append(
            f"live.max_order_usd {fmt.usd(live.max_order_usd)} is above live.max_capital_usd "
            f"{fmt.usd(live.max_capital_usd)}"
        )
    if live.max_slippage_bps > MAX_CONSERVATIVE_SLIPPAGE_BPS:
        problems.append(
            f"live.max_slippage_bps {live.max_slippage_bps} is above "
            f"{MAX_CONSERVATIVE_SLIPPAGE_BPS}: lower it"
        )
    if config.risk.order_usd > live.max_order_usd:
        notes.append(
            f"risk.order_usd {fmt.usd(config.risk.order_usd)} is shrunk to live.max_order_usd "
            f"{fmt.usd(live.max_order_usd)}"
        )
    if problems:
        return CheckResult("live caps", False, "; ".join(problems))
    caps = (
        f"capital {fmt.usd(live.max_capital_usd)}, order {fmt.usd(live.max_order_usd)}, "
        f"slippage {live.max_slippage_bps} bps"
    )
    return CheckResult("live caps", True, "; ".join([caps, *notes]))


def judge_mode(mode: str) -> CheckResult:
    """Live trading needs `mode: live` in the config (and --live and a typed confirmation)."""
    if mode == "live":
        return CheckResult("mode", True, "mode is live")
    return CheckResult(
        "mode",
        False,
        f"mode is {mode}: live needs mode: live, --live and a typed confirmation",
    )


def judge_key(
    pinned: str | None,
    loaded: str | None,
    error: str | None,
    notices: Sequence[str] = (),
) -> CheckResult:
    """The key loads, is the pinned one, and its file is private.

    Args:
        pinned: `solana.pubkey`; None when not pinned.
        loaded: The loaded key's public key; None when it did not load.
        error: Why it did not load (load_wallet's message, which names a mismatch too).
        notices: What load_wallet warned about (a key file other users can read): a live
            key must not be one.
    """
    if error is not None or loaded is None:
        return CheckResult("wallet key", False, error or "the key did not load")
    if notices:
        return CheckResult("wallet key", False, "; ".join(notices))
    if pinned is None:
        return CheckResult(
            "wallet key",
            False,
            f"the key loads ({loaded}) but solana.pubkey is not pinned: set solana.pubkey "
            f"to {loaded} so a wrong key is refused",
        )
    return CheckResult("wallet key", True, f"{loaded}, the pinned key")


def judge_rpc(label: str, answer: str | None, error: str | None) -> CheckResult:
    """The RPC node answers getHealth with "ok"."""
    if error is not None:
        return CheckResult("rpc", False, error)
    if answer != "ok":
        return CheckResult("rpc", False, f"{label} says it is not healthy: {answer}")
    return CheckResult("rpc", True, f"{label} is healthy")


def judge_usdc(have_micro: int, max_order_usd: float) -> CheckResult:
    """The wallet holds at least one full live order of USDC."""
    need = round(max_order_usd * MICRO)
    held = _exact(have_micro, USDC_DECIMALS)
    if have_micro < need:
        return CheckResult(
            "usdc balance",
            False,
            f"the wallet holds {held} USDC, less than live.max_order_usd "
            f"{fmt.usd(max_order_usd)}: fund it",
        )
    return CheckResult("usdc balance", True, f"{held} USDC, at least one order")


def judge_sol(lamports: int, min_lamports: int) -> CheckResult:
    """The wallet holds enough SOL for fees and new token accounts' rent."""
    held, need = _exact(lamports, SOL_DECIMALS), _exact(min_lamports, SOL_DECIMALS)
    if lamports < min_lamports:
        return CheckResult(
            "sol balance",
            False,
            f"the wallet holds {held} SOL, less than live.preflight.min_sol_lamports "
            f"({need} SOL) for fees and rent: fund it",
        )
    return CheckResult("sol balance", True, f"{held} SOL, at least {need}")


def _exact(amount: int, decimals: int) -> str:
    # Every digit: rounded, 0.049999999 SOL would read as the 0.05 it falls short of.
    text = format(Decimal(amount).scaleb(-decimals), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def judge_quotes(problems: Mapping[str, str | None], amount_usd: float) -> CheckResult:
    """Jupiter quotes a buy of one live order of every watched token.

    Args:
        problems: Each watched mint to why it did not quote (None: it quoted).
        amount_usd: The USDC amount quoted.
    """
    if not problems:
        return CheckResult(
            "jupiter quotes",
            False,
            "market.watchlist is empty: list the tokens live trading may buy",
        )
    failed = {mint: why for mint, why in problems.items() if why is not None}
    if failed:
        named = "; ".join(f"{mint}: {why}" for mint, why in failed.items())
        return CheckResult(
            "jupiter quotes",
            False,
            f"{len(failed)} of {len(problems)} tokens do not quote: {named}",
        )
    return CheckResult(
        "jupiter quotes", True, f"all {len(problems)} tokens quote a {fmt.usd(amount_usd)} buy"
    )


def judge_clock(node_ts: float, local_ts: float, max_skew_s: float) -> CheckResult:
    """This machine's clock is within `max_skew_s` of the node's newest block time."""
    skew = local_ts - node_ts
    said = f"this machine is {abs(skew):.1f} s {'ahead of' if skew >= 0 else 'behind'} the node"
    if abs(skew) > max_skew_s:
        return CheckResult(
            "clock skew",
            False,
            f"{said}, more than live.preflight.max_clock_skew_s {max_skew_s:g}: "
            "sync this machine's clock (NTP)",
        )
    return CheckResult("clock skew", True, said)


def judge_checkpoint(
    newest_ts: float | None, newest_name: str | None, now: float, max_age_h: float
) -> CheckResult:
    """A restorable checkpoint at most `max_age_h` old exists."""
    if newest_ts is None:
        return CheckResult(
            "checkpoint",
            False,
            "no restorable checkpoint: take one with soltrader-tui checkpoint",
        )
    age_h = max(0.0, now - newest_ts) / 3600
    if age_h > max_age_h:
        return CheckResult(
            "checkpoint",
            False,
            f"the newest checkpoint {newest_name} is {age_h:.1f} h old, more than "
            f"live.preflight.max_checkpoint_age_h {max_age_h:g}: take one with "
            "soltrader-tui checkpoint",
        )
    return CheckResult("checkpoint", True, f"{newest_name}, {age_h:.1f} h old")


def judge_alerts(results: Sequence[tuple[str, str | None]]) -> CheckResult:
    """Every alert target took a test message.

    Args:
        results: Each target's label and why its delivery failed (None: sent).
    """
    if not results:
        return CheckResult(
            "alerts",
            False,
            "no alert target: a live bot must be able to reach you (add alerts.targets)",
        )
    failed = [f"{label}: {why}" for label, why in results if why is not None]
    if failed:
        return CheckResult(
            "alerts", False, f"{len(failed)} of {len(results)} targets failed: " + "; ".join(failed)
        )
    return CheckResult("alerts", True, f"all {len(results)} targets took a test message")


@dataclass(frozen=True, slots=True)
class PaperFigures:
    """The paper record, as the ledger holds it (`status`'s figures and the sessions' hours)."""

    hours: float
    unended_sessions: int
    has_sessions: bool
    round_trips: int
    win_rate: float | None
    realized_pnl_usd: float
    max_drawdown_pct: float | None
    risk_trips: int


def judge_paper(figures: PaperFigures, limits: PreflightConfig) -> list[CheckResult]:
    """The paper record meets every minimum of `live.preflight`, one result per figure."""
    return [
        _judge_hours(figures, limits.min_paper_hours),
        _at_least(
            "paper round trips",
            figures.round_trips,
            limits.min_round_trips,
            "live.preflight.min_round_trips",
            str(figures.round_trips),
        ),
        _judge_win_rate(figures.win_rate, limits.min_win_rate),
        _at_least(
            "paper pnl",
            figures.realized_pnl_usd,
            limits.min_pnl_usd,
            "live.preflight.min_pnl_usd",
            fmt.usd(figures.realized_pnl_usd),
            shown_limit=fmt.usd(limits.min_pnl_usd),
        ),
        _judge_drawdown(figures.max_drawdown_pct, limits.max_drawdown_pct),
        _judge_trips(figures.risk_trips, limits.max_risk_trips),
    ]


def _at_least(
    name: str,
    value: float,
    minimum: float,
    key: str,
    shown: str,
    *,
    shown_limit: str | None = None,
) -> CheckResult:
    limit = shown_limit if shown_limit is not None else f"{minimum:g}"
    if value < minimum:
        return CheckResult(
            name, False, f"{shown}, below {key} {limit}: paper trade longer before going live"
        )
    return CheckResult(name, True, f"{shown}, at least {limit}")


def _judge_hours(figures: PaperFigures, minimum: float) -> CheckResult:
    if not figures.has_sessions:
        return CheckResult(
            "paper hours",
            False,
            "the ledger predates session records (schema 7): its paper hours are unknown; "
            "paper trade on this version before going live",
        )
    shown = f"{figures.hours:.1f} h"
    if figures.unended_sessions:
        shown += f" ({figures.unended_sessions} killed sessions without an end not counted)"
    return _at_least("paper hours", figures.hours, minimum, "live.preflight.min_paper_hours", shown)


def _judge_win_rate(win_rate: float | None, minimum: float) -> CheckResult:
    if win_rate is None:
        return CheckResult("paper win rate", False, "no closed round trip yet: paper trade longer")
    return _at_least(
        "paper win rate",
        win_rate,
        minimum,
        "live.preflight.min_win_rate",
        fmt.pct(win_rate),
        shown_limit=fmt.pct(minimum),
    )


def _judge_drawdown(drawdown: float | None, maximum: float) -> CheckResult:
    if drawdown is None:
        return CheckResult(
            "paper drawdown", False, "no equity curve in the ledger yet: paper trade longer"
        )
    if drawdown > maximum:
        return CheckResult(
            "paper drawdown",
            False,
            f"max drawdown {drawdown:.2f} %, above live.preflight.max_drawdown_pct "
            f"{maximum:g} %: the strategies lose too much at their worst",
        )
    return CheckResult(
        "paper drawdown", True, f"max drawdown {drawdown:.2f} %, at most {maximum:g} %"
    )


def _judge_trips(trips: int, maximum: int) -> CheckResult:
    if trips > maximum:
        return CheckResult(
            "paper risk trips",
            False,
            f"{trips} circuit-breaker halts, more than live.preflight.max_risk_trips "
            f"{maximum}: find out why the breakers tripped (soltrader-tui journal)",
        )
    return CheckResult(
        "paper risk trips", True, f"{trips} circuit-breaker halts, at most {maximum}"
    )
