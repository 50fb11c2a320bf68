"""Provides SimChain: the simulated tokens' mint accounts and largest holders, as chain bytes.

Each simulated token carries the attributes a pre-buy check reads (`TokenSpec`: a live mint or
freeze authority, its holders' concentration, Token-2022). SimChain packs them into the bytes a
node would return: the base mint with `solders.token.state.Mint`, the Token-2022 extensions as
TLV entries after the account-type byte. The engine reads them through
`solana.safety.ChainSafetySource`, so a paper session's tokens are judged by the same decoder
and rules as live ones. The facts never change in a session, so no lock is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from solders.pubkey import Pubkey
from solders.token.state import Mint

from soltrader_tui.market.sim import SimMarket, TokenSpec
from soltrader_tui.solana.safety import AccountData
from soltrader_tui.solana.token_facts import (
    ACCOUNT_LEN,
    ACCOUNT_TYPE_MINT,
    MINT_LEN,
    SPL_TOKEN_PROGRAM,
    TOKEN_2022_PROGRAM,
)

SUPPLY_WHOLE = 1_000_000_000
"""Whole tokens minted for every simulated token."""
METADATA_POINTER = 18
"""Token-2022 `ExtensionType::MetadataPointer`; its value is two 32-byte addresses."""
HOLDERS = 20
"""Largest accounts returned, as `getTokenLargestAccounts` returns up to 20."""


def sim_authority(symbol: str, role: str) -> Pubkey:
    """The simulated creator's `role` ("mint" or "freeze") authority of a token."""
    return Pubkey(hashlib.sha256(f"soltrader-sim-authority:{role}:{symbol}".encode()).digest())


def mint_bytes(spec: TokenSpec, mint: Pubkey) -> bytes:
    """The token's mint account data: 82 bytes, or a Token-2022 mint with its extensions."""
    base = bytes(
        Mint(
            mint_authority=sim_authority(spec.symbol, "mint") if spec.mint_authority_live else None,
            supply=SUPPLY_WHOLE * 10**spec.decimals,
            decimals=spec.decimals,
            is_initialized=True,
            freeze_authority=(
                sim_authority(spec.symbol, "freeze") if spec.freeze_authority_live else None
            ),
        )
    )
    if not spec.token_2022:
        return base
    # The metadata lives in the mint itself: no authority may move it, the address is the mint.
    pointer = bytes(32) + bytes(mint)
    tlv = METADATA_POINTER.to_bytes(2, "little") + len(pointer).to_bytes(2, "little") + pointer
    return base + bytes(ACCOUNT_LEN - MINT_LEN) + bytes([ACCOUNT_TYPE_MINT]) + tlv


def largest_amounts(spec: TokenSpec) -> list[int]:
    """Base units of the token's 20 largest accounts: the top 10 hold `top10_share` of the
    supply in falling amounts, the next 10 less than the smallest of those."""
    supply = SUPPLY_WHOLE * 10**spec.decimals
    top = int(supply * spec.top10_share)
    weights = [2.0 ** (-i / 4) for i in range(10)]
    amounts = [int(top * w / sum(weights)) for w in weights]
    tail = amounts[-1] // 2
    return amounts + [tail - i for i in range(HOLDERS - 10)]


class SimChain:
    """The simulated market's mints as `solana.safety.MintAccounts`."""

    def __init__(self, market: SimMarket) -> None:
        self._market = market

    async def mint_account(self, mint: str) -> AccountData | None:
        spec = self._market.spec(mint)
        if spec is None:
            return None
        owner = TOKEN_2022_PROGRAM if spec.token_2022 else SPL_TOKEN_PROGRAM
        return AccountData(owner, mint_bytes(spec, Pubkey.from_string(mint)))

    async def largest_amounts(self, mint: str) -> Sequence[int] | None:
        spec = self._market.spec(mint)
        return None if spec is None else largest_amounts(spec)
