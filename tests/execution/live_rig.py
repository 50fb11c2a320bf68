"""A live order manager on a real ledger, trading through the Jupiter-shaped fake on the devnet.

`live_orders` builds what the engine builds for a live session (order manager, live executor,
metered client, RPC) against servers on 127.0.0.1; the tests and the child process of the
kill -9 test share it. The paper twin's quotes are read from the pool's reserves on the chain,
with the fake's own formula, so twin and swap see the same pool at the same moment.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.config.model import Config, LiveConfig
from soltrader_tui.domain import Side, SwapQuote, Token
from soltrader_tui.engine.decision_log import DecisionLog
from soltrader_tui.engine.orders import OrderManager
from soltrader_tui.execution.jupiter_swap import EXECUTE_PROVIDER, ORDER_PROVIDER, JupiterSwapClient
from soltrader_tui.execution.live import LiveExecutor, LiveSetup
from soltrader_tui.execution.paper import PaperExecutor
from soltrader_tui.execution.verify import SwapLimits
from soltrader_tui.ledger import Ledger
from soltrader_tui.net import MeteredClient
from soltrader_tui.portfolio.resume import restore
from soltrader_tui.solana.endpoint import SOLANA_RPC, RpcEndpoint
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.wallet import Wallet
from tests.net import make_policy

SOL_USD = 150.0
"""The SOL mark the tests value network costs at."""
START_CASH = 1_000_000_000
"""The ledger's starting cash: the wallet's 1,000 dUSDC."""


class PoolQuotes:
    """The paper twin's market: quotes on the pool's reserves, as the fake's `/order` makes."""

    def __init__(self, rpc: SolanaRpc, pool: str, usdc_mint: str) -> None:
        self._rpc = rpc
        self._pool = pool
        self._usdc = usdc_mint

    async def quote(self, token: Token, side: Side, in_amount: int) -> SwapQuote | None:
        reserves = {b.mint: b.amount.amount for b in await self._rpc.token_balances(self._pool)}
        mint_in, mint_out = (self._usdc, token.mint) if side == "buy" else (token.mint, self._usdc)
        out = reserves[mint_out] * in_amount // (reserves[mint_in] + in_amount)
        return SwapQuote(token, side, in_amount, out, 0.0)


@dataclass(slots=True)
class LiveRig:
    """A live order manager and what it trades through."""

    ledger: Ledger
    orders: OrderManager
    executor: LiveExecutor
    rpc: SolanaRpc
    wallet: str

    async def holdings(self) -> dict[str, int]:
        """The wallet's lamports (`SOL`) and its balance of each mint, base units."""
        held = {b.mint: b.amount.amount for b in await self.rpc.token_balances(self.wallet)}
        held["SOL"] = await self.rpc.sol_balance(self.wallet)
        return held


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the servers are, and who trades: enough to rebuild the rig in another process."""

    devnet_url: str
    api_url: str
    ledger: Path
    pool: str
    usdc_mint: str


@asynccontextmanager
async def live_rig(
    ends: Endpoints,
    wallet: Wallet,
    *,
    route: str = "jupiter",
    confirm_timeout_s: float = 5.0,
    live: LiveConfig | None = None,
    ladder: tuple[int, ...] = (),
    checkpointer: Callable[[str], str] | None = None,
) -> AsyncIterator[LiveRig]:
    """A live order manager on `ends.ledger`, trading through the fake on the devnet."""
    policies = {
        name: make_policy(name, max_attempts=1)
        for name in (ORDER_PROVIDER, EXECUTE_PROVIDER, SOLANA_RPC)
    }
    ledger = Ledger.open(ends.ledger, starting_cash_micro=START_CASH, mode="live", version="t")
    async with (
        MeteredClient(policies) as metered,
        SolanaRpc(RpcEndpoint(ends.devnet_url, ends.devnet_url), metered) as rpc,
    ):
        quotes = PoolQuotes(rpc, ends.pool, ends.usdc_mint)

        async def sol_price() -> float | None:
            return SOL_USD

        executor = LiveExecutor(
            swaps=JupiterSwapClient(metered, ends.api_url),
            rpc=rpc,
            wallet=wallet,
            paper=PaperExecutor(quotes, Config().paper, "live"),  # type: ignore[arg-type]
            limits=SwapLimits.from_config(live or LiveConfig()),
            setup=LiveSetup(
                usdc_mint=ends.usdc_mint,
                route=route,  # type: ignore[arg-type]
                slippage_bps=50,
                confirm_timeout_s=confirm_timeout_s,
                poll_s=0.05,
            ),
            sol_price=sol_price,
        )
        restored = restore(ledger)
        orders = OrderManager(
            ledger=ledger,
            executor=PaperExecutor(quotes, Config().paper, "live"),  # type: ignore[arg-type]
            log=DecisionLog(keep=50),
            mode="live",
            recent_fills=10,
            portfolio=restored.portfolio,
            last_fill_id=restored.last_fill_id,
        )
        orders.go_live(
            executor,
            confirm_timeout_s=confirm_timeout_s,
            checkpointer=checkpointer,
            now=_now,
            ladder=ladder,
        )
        try:
            yield LiveRig(ledger, orders, executor, rpc, wallet.pubkey)
        finally:
            ledger.close()


def _now() -> float:
    return time.time()
