"""Provides ChainSafetySource: a token's safety facts read from its mint account and holders.

What it reads through is a `MintAccounts`: the simulator's accounts (`market.sim_chain`) in a
paper session, an RPC client's `getAccountInfo` and `getTokenLargestAccounts` on a live market.
Either way the same decoder (`solana.token_facts`) turns the bytes into facts, so paper and
live judge a token by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from soltrader_tui.domain import TokenFacts
from soltrader_tui.solana.token_facts import decode_mint, token_facts


@dataclass(frozen=True, slots=True)
class AccountData:
    """An account as `getAccountInfo` returns it: its owner program and its data."""

    owner: str
    """The owning program's address, base58."""
    data: bytes


class MintAccounts(Protocol):
    """Reads mint accounts and their largest holders (an RPC node, or the simulator)."""

    async def mint_account(self, mint: str) -> AccountData | None:
        """The mint's account (`getAccountInfo`); None when there is no such account."""
        ...

    async def largest_amounts(self, mint: str) -> Sequence[int] | None:
        """Base units held by the mint's largest accounts (`getTokenLargestAccounts`, up to
        20); None when the node cannot say (some refuse it for tokens with many holders)."""
        ...


class SafetySource(Protocol):
    """Where the engine gets a token's safety facts before an entry."""

    async def facts(self, mint: str, ts: float) -> TokenFacts | None:
        """The token's facts, stamped `ts` (market time); None when they cannot be read.

        Raises:
            Exception: A read or decode failure, with a message naming the mint; the engine
                denies the entry with it as the reason.
        """
        ...


class ChainSafetySource:
    """Safety facts from chain accounts, decoded by `solana.token_facts`."""

    def __init__(self, accounts: MintAccounts) -> None:
        self._accounts = accounts

    async def facts(self, mint: str, ts: float) -> TokenFacts | None:
        """Reads and decodes the mint, then its largest holders (see `SafetySource.facts`).

        Raises:
            MintDataError: The mint account's bytes are not a mint.
        """
        account = await self._accounts.mint_account(mint)
        if account is None:
            return None
        decoded = decode_mint(mint, account.data, account.owner)
        largest = await self._accounts.largest_amounts(mint)
        return token_facts(decoded, largest, ts)


class NoChainAccess:
    """The accounts of a market with no chain reader configured: nothing can be read, so
    every entry is denied as `safety_unknown` (never a silent pass)."""

    async def mint_account(self, mint: str) -> AccountData | None:
        return None

    async def largest_amounts(self, mint: str) -> Sequence[int] | None:
        return None
