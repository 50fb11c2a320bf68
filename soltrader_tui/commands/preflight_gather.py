"""Provides the I/O behind `preflight`: each check's figures gathered from the config, the key,
the RPC node, Jupiter, the ledger, the checkpoints and the alert targets, then judged by
`monitor.preflight_checks`.

Each check runs even when another failed, unless that failure makes it impossible (no key:
no balances; the RPC node down: no balances and no clock); then it fails with
"not checked: <why>".
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.errors import SoltraderError
from soltrader_tui.monitor.preflight_checks import (
    CheckResult,
    PaperFigures,
    judge_alerts,
    judge_caps,
    judge_checkpoint,
    judge_clock,
    judge_key,
    judge_mode,
    judge_paper,
    judge_quotes,
    judge_rpc,
    judge_sol,
    judge_usdc,
    not_checked,
)

if TYPE_CHECKING:
    from soltrader_tui.config.model import Config
    from soltrader_tui.config.paths import Paths
    from soltrader_tui.net.client import MeteredClient
    from soltrader_tui.net.policy import ProviderPolicy
    from soltrader_tui.solana.rpc import SolanaRpc

Wall = Callable[[], float]
BLOCK_TIME_TRIES = 3
"""Slots tried back from the newest for a block time (a node may not have stamped the newest)."""
RPC_CHECKS = ("usdc balance", "sol balance", "clock skew")
"""Checks that need the RPC node."""
PAPER_CHECKS = (
    "paper hours",
    "paper round trips",
    "paper win rate",
    "paper pnl",
    "paper drawdown",
    "paper risk trips",
)


def run_checks(config: Config, paths: Paths, *, wall: Wall = time.time) -> list[CheckResult]:
    """Runs every check, in the documented order (docs/live.md, Preflight).

    Args:
        config: The loaded config.
        paths: Where the ledger and checkpoints are.
        wall: This machine's clock, unix seconds (the clock-skew and checkpoint-age checks).
    """
    import asyncio

    results = [judge_caps(config), judge_mode(config.mode)]
    key, owner = _key(config, paths)
    results.append(key)
    results += asyncio.run(_network(config, owner, wall))
    ledger = _ledger(paths.ledger)
    results += [ledger, _checkpoint(paths, config, wall())]
    results.append(_alerts(config))
    if ledger.passed:
        results += _paper(paths.ledger, config)
    else:
        results += [not_checked(name, "the ledger check failed") for name in PAPER_CHECKS]
    return results


def _key(config: Config, paths: Paths) -> tuple[CheckResult, str | None]:
    """The key check, and the wallet whose balances are read: the key's, else the pinned one
    (the wallet the operator means, so a wrong key file does not hide an unfunded wallet);
    None when there is neither."""
    from soltrader_tui.solana.wallet import load_wallet

    folder = paths.config_file.parent if paths.config_file is not None else Path.cwd()
    try:
        loaded = load_wallet(config.solana, folder)
    except SoltraderError as exc:
        return judge_key(config.solana.pubkey, None, str(exc)), config.solana.pubkey
    pubkey = loaded.wallet.pubkey
    return judge_key(config.solana.pubkey, pubkey, None, loaded.notices), pubkey


def _metered(config: Config, rpc_policy: ProviderPolicy | None) -> MeteredClient:
    """One metered client for the RPC node and Jupiter, with the policies a live session
    gives them (as `market.sources` builds them)."""
    from soltrader_tui.market.http_feed import JUPITER
    from soltrader_tui.net import MeteredClient, ProviderPolicy
    from soltrader_tui.solana.endpoint import SOLANA_RPC

    jup = config.market.jupiter
    key = os.environ.get(jup.api_key_env, "")
    policies = {
        JUPITER: ProviderPolicy(
            JUPITER,
            max(1, round(jup.requests_per_second * 60)),
            60.0,
            min_interval_s=1 / jup.requests_per_second,
            default_headers={"x-api-key": key} if key else {},
        )
    }
    if rpc_policy is not None:
        policies[SOLANA_RPC] = rpc_policy
    return MeteredClient(policies)


async def _network(config: Config, owner: str | None, wall: Wall) -> list[CheckResult]:
    """The RPC node's health, the balances, Jupiter's quotes and the clock, in that order."""
    from soltrader_tui.solana.endpoint import rpc_endpoint, solana_rpc_policy
    from soltrader_tui.solana.rpc import SolanaRpc

    try:
        endpoint = rpc_endpoint(config.solana)
    except SoltraderError as exc:
        async with _metered(config, None) as client:
            quotes = await _quotes(client, config)
        return [
            judge_rpc("", None, str(exc)),
            *(not_checked(n, "no usable RPC endpoint") for n in RPC_CHECKS[:2]),
            quotes,
            not_checked(RPC_CHECKS[2], "no usable RPC endpoint"),
        ]
    policy = solana_rpc_policy(config.solana, endpoint)
    async with _metered(config, policy) as client, SolanaRpc(endpoint, client) as rpc:
        health = await _health(rpc, endpoint.label)
        if health.passed:
            funds = await _funds(rpc, config, owner)
        else:
            funds = [not_checked(n, "the RPC node failed its check") for n in RPC_CHECKS[:2]]
        quotes = await _quotes(client, config)
        if health.passed:
            clock = await _clock(rpc, config, wall)
        else:
            clock = not_checked(RPC_CHECKS[2], "the RPC node failed its check")
    return [health, *funds, quotes, clock]


async def _health(rpc: SolanaRpc, label: str) -> CheckResult:
    try:
        return judge_rpc(label, await rpc.health(), None)
    except SoltraderError as exc:
        return judge_rpc(label, None, str(exc))


async def _funds(rpc: SolanaRpc, config: Config, owner: str | None) -> list[CheckResult]:
    """The USDC and SOL checks, from one read of the wallet's balances."""
    from soltrader_tui.solana.balances import read_balances

    if owner is None:
        return [not_checked(n, "no wallet key loaded and none pinned") for n in RPC_CHECKS[:2]]
    try:
        held = await read_balances(rpc, owner, config.solana.usdc_mint)
    except SoltraderError as exc:
        return [not_checked(n, str(exc)) for n in RPC_CHECKS[:2]]
    return [
        judge_usdc(held.usdc.amount, config.live.max_order_usd),
        judge_sol(held.lamports, config.live.preflight.min_sol_lamports),
    ]


async def _quotes(client: MeteredClient, config: Config) -> CheckResult:
    """Asks Jupiter's `/swap/v1/quote`, as the live feed does, for a buy of one live order of
    each watched token."""
    from soltrader_tui.domain import Token
    from soltrader_tui.market import jupiter
    from soltrader_tui.market.http_feed import JUPITER

    amount = round(config.live.max_order_usd * 1_000_000)
    base = config.market.jupiter.base_url.rstrip("/")
    problems: dict[str, str | None] = {}
    for mint in config.market.watchlist:
        # Only the mints matter here: the quote is checked to be for this token, not priced.
        token = Token(mint, f"{mint[:4]}…{mint[-4:]}", 0)
        try:
            body = await client.get_json(
                JUPITER,
                f"{base}/swap/v1/quote",
                params=jupiter.quote_params(token, "buy", amount),
            )
            jupiter.parse_swap_quote(body, token, "buy")
            problems[mint] = None
        except SoltraderError as exc:  # unreachable, refused (ProviderError), or unusable
            problems[mint] = str(exc)
    return judge_quotes(problems, config.live.max_order_usd)


async def _clock(rpc: SolanaRpc, config: Config, wall: Wall) -> CheckResult:
    """This machine's time against the time the node stamped on its newest block."""
    limit = config.live.preflight.max_clock_skew_s
    try:
        slot = await rpc.slot()
        for back in range(BLOCK_TIME_TRIES):
            try:
                stamped = await rpc.block_time(slot - back)
            except SoltraderError:
                stamped = None
            if stamped is not None:
                return judge_clock(stamped, wall(), limit)
    except SoltraderError as exc:
        return not_checked(RPC_CHECKS[2], str(exc))
    return not_checked(RPC_CHECKS[2], f"the node has no block time near slot {slot}")


def _ledger(path: Path) -> CheckResult:
    """The ledger opens read-only and passes SQLite's quick_check (as `status` and `health`)."""
    from soltrader_tui.ledger.connect import check_integrity, open_reader

    try:
        conn = open_reader(path)
        try:
            check_integrity(conn, path)
        finally:
            conn.close()
    except SoltraderError as exc:
        return CheckResult("ledger", False, str(exc))
    return CheckResult("ledger", True, f"{path} passes its integrity check")


def _checkpoint(paths: Paths, config: Config, now: float) -> CheckResult:
    from soltrader_tui.checkpoints.store import newest_restorable

    newest = newest_restorable(paths.checkpoints_dir)
    return judge_checkpoint(
        None if newest is None else newest.ts,
        None if newest is None else newest.name,
        now,
        config.live.preflight.max_checkpoint_age_h,
    )


def _alerts(config: Config) -> CheckResult:
    from soltrader_tui.alerts.targets import make_targets
    from soltrader_tui.commands.alerts import send_test_messages

    return judge_alerts(send_test_messages(make_targets(config.alerts.targets)))


def _paper(ledger: Path, config: Config) -> list[CheckResult]:
    """The paper record's figures: `status`'s, and the sessions' hours and risk halts."""
    from soltrader_tui.ledger.preflight_reads import read_paper_record
    from soltrader_tui.monitor.ledger_view import read_status

    try:
        shown = read_status(ledger, checked=True).snapshot
        history = read_paper_record(ledger)
    except SoltraderError as exc:
        return [not_checked(name, str(exc)) for name in PAPER_CHECKS]
    figures = PaperFigures(
        hours=history.paper_hours,
        unended_sessions=history.unended_sessions,
        has_sessions=history.has_sessions,
        round_trips=shown.round_trips,
        win_rate=shown.win_rate,
        realized_pnl_usd=shown.realized_pnl_usd,
        max_drawdown_pct=shown.max_drawdown_pct,
        risk_trips=history.risk_trips,
    )
    return judge_paper(figures, config.live.preflight)
