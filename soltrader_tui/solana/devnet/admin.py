"""Provides the devnet's own admin methods (prefix `devnet_`), for tests and demos.

* `devnet_airdrop [pubkey, lamports]` adds SOL; answers the new balance.
* `devnet_setTokenBalance [owner, mint, amount]` sets the owner's associated token account to
  `amount` base units (created if absent; the mint's supply follows); answers
  `{account, amount}`.
* `devnet_advanceBlocks [n]` adds n empty blocks (n >= 1): a blockhash older than 150 blocks
  expires, so a transaction signed on it is refused (`BlockhashNotFound`); answers
  `{blockHeight, slot}`.
* `devnet_dropNext [n = 1]` makes the next n sendTransaction calls answer a signature (after
  preflight) and never land: getSignatureStatuses stays null, as for a transaction lost on its
  way to the leader; answers the number still to drop.

None of them is a transaction: no fee, no block.
"""

from __future__ import annotations

from typing import Final

from soltrader_tui.solana.devnet.chain import Chain
from soltrader_tui.solana.devnet.holdings import HoldingError, add_lamports, set_token_balance
from soltrader_tui.solana.devnet.methods import Method
from soltrader_tui.solana.devnet.params import INVALID_PARAMS, Params, RpcError


def airdrop(chain: Chain, params: Params) -> object:
    """devnet_airdrop: adds lamports; answers the new balance."""
    key = params.pubkey(0, "pubkey")
    lamports = params.integer(1, "lamports", minimum=1)
    return add_lamports(chain, key, lamports)


def set_token_balance_method(chain: Chain, params: Params) -> object:
    """devnet_setTokenBalance: sets an owner's balance of a mint (base units)."""
    owner = params.pubkey(0, "owner")
    mint = params.pubkey(1, "mint")
    amount = params.integer(2, "amount")
    try:
        account = set_token_balance(chain, owner, mint, amount)
    except HoldingError as exc:
        raise RpcError(INVALID_PARAMS, f"devnet_setTokenBalance: params[1] (mint) {exc}") from None
    return {"account": str(account), "amount": str(amount)}


def advance_blocks(chain: Chain, params: Params) -> object:
    """devnet_advanceBlocks: adds empty blocks."""
    blocks = params.integer(0, "n", minimum=1)
    chain.advance(blocks)
    return {"blockHeight": chain.height, "slot": chain.height}


def drop_next(chain: Chain, params: Params) -> object:
    """devnet_dropNext: the next sendTransaction calls are lost."""
    count = 1 if params.raw(0, "n", required=False) is None else params.integer(0, "n", minimum=1)
    chain.drop_next += count
    return chain.drop_next


ADMIN_METHODS: Final[dict[str, Method]] = {
    "devnet_airdrop": airdrop,
    "devnet_setTokenBalance": set_token_balance_method,
    "devnet_advanceBlocks": advance_blocks,
    "devnet_dropNext": drop_next,
}
