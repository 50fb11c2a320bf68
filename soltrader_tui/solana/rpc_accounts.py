"""Provides RpcMintAccounts: the `MintAccounts` a live market's token safety reads, over RPC.

The same decoder judges these bytes as the simulator's (`market.sim_chain`), so a token is
judged by one code path in paper and live.
"""

from __future__ import annotations

from collections.abc import Sequence

from soltrader_tui.solana.errors import RpcError
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.safety import AccountData


class RpcMintAccounts:
    """Mint accounts and their largest holders, read through a metered `SolanaRpc`."""

    def __init__(self, rpc: SolanaRpc) -> None:
        self._rpc = rpc

    async def mint_account(self, mint: str) -> AccountData | None:
        """The mint's account (`getAccountInfo`); None when the chain has no such account.

        Raises:
            RpcError: The node could not be asked (the engine denies as `safety_unknown`).
        """
        found = await self._rpc.account(mint)
        return None if found is None else AccountData(found[0], found[1])

    async def largest_amounts(self, mint: str) -> Sequence[int] | None:
        """Base units of the mint's largest accounts; None when the node refuses the method
        (public nodes do for tokens with very many holders), so the concentration is unknown."""
        try:
            holders = await self._rpc.largest_token_accounts(mint)
        except RpcError:
            return None
        return [h.amount.amount for h in holders]
