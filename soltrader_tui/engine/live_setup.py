"""Provides live_parts: the live executor of a `mode: live` session, and its capped config.

Only a live session imports this (and with it solders and the swap client): a paper session
needs no key and no network.
"""

from __future__ import annotations

from soltrader_tui.config.model import Config
from soltrader_tui.domain import Token
from soltrader_tui.execution.jupiter_swap import JupiterSwapClient
from soltrader_tui.execution.live import LiveExecutor, LiveSetup
from soltrader_tui.execution.paper import PaperExecutor
from soltrader_tui.execution.verify import SwapLimits
from soltrader_tui.market.series import WSOL_MINT
from soltrader_tui.market.sources import MarketSetup
from soltrader_tui.risk.live_caps import capped_for_live
from soltrader_tui.solana.wallet import LoadedWallet

SOL = Token(WSOL_MINT, "SOL", 9)
ONE_SOL = 10**9


def live_config(config: Config) -> Config:
    """`config` with its risk limits lowered to the live caps."""
    return config.model_copy(update={"risk": capped_for_live(config.risk, config.live)})


def live_executor(config: Config, market: MarketSetup, wallet: LoadedWallet | None) -> LiveExecutor:
    """The executor that sends the session's orders as verified Jupiter swaps.

    Raises:
        RuntimeError: no RPC node, client or wallet: the config's own check (`mode: live`
            needs `market.source: jupiter` and a pinned wallet) lets no such config through.
    """
    if market.rpc is None or market.client is None or wallet is None:
        raise RuntimeError("a live session without a Solana node, Jupiter or a wallet")
    feed = market.feed

    async def sol_price() -> float | None:
        # What one SOL sells for now, by the same quote route as every token: network costs
        # paid in SOL are valued at it.
        quote = await feed.quote(SOL, "sell", ONE_SOL)
        return None if quote is None or quote.out_amount <= 0 else quote.out_amount / 1e6

    live = config.live
    return LiveExecutor(
        swaps=JupiterSwapClient(market.client, config.market.jupiter.base_url),
        rpc=market.rpc,
        wallet=wallet.wallet,
        paper=PaperExecutor(feed, config.paper, "live"),
        limits=SwapLimits.from_config(live),
        setup=LiveSetup(
            usdc_mint=config.solana.usdc_mint,
            route=live.send_via,
            slippage_bps=live.max_slippage_bps,
            confirm_timeout_s=live.confirm_timeout_s,
        ),
        sol_price=sol_price,
    )
