"""Provides the account types the RPC client returns, and the SPL token layouts it decodes.

Amounts are integers in base units (lamports, or a token's smallest unit); `decimals` says
where the point goes. Addresses are base58 text, so nothing past the RPC client holds a
solders object.
"""

from __future__ import annotations

from dataclasses import dataclass

LAMPORTS_PER_SOL = 1_000_000_000

TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"

_TOKEN_ACCOUNT_MIN = 165
"""An SPL token account's base size; Token-2022 accounts append extensions after it."""
_MINT_MIN = 82
_MINT_DECIMALS_AT = 44
"""Mint layout: mint authority (4 + 32), supply (8), then decimals (1)."""


@dataclass(frozen=True, slots=True)
class TokenAmount:
    """An amount of a token in base units, and its decimals."""

    amount: int
    decimals: int

    @property
    def ui_amount(self) -> float:
        """The amount in whole tokens (for display; sums use `amount`)."""
        return self.amount / 10.0**self.decimals


@dataclass(frozen=True, slots=True)
class TokenBalance:
    """What a wallet holds of one mint, over all its token accounts."""

    mint: str
    amount: TokenAmount


@dataclass(frozen=True, slots=True)
class TokenHolding:
    """One token account and its balance (from `getTokenLargestAccounts`)."""

    address: str
    amount: TokenAmount


@dataclass(frozen=True, slots=True)
class LatestBlockhash:
    """A recent blockhash and the last block height a transaction using it can land in."""

    blockhash: str
    last_valid_block_height: int


@dataclass(frozen=True, slots=True)
class TokenAccountData:
    """The fields of an SPL token account this package reads."""

    mint: bytes
    owner: bytes
    amount: int


def decode_token_account(data: bytes, where: str) -> TokenAccountData:
    """Decodes an SPL (or Token-2022) token account: mint, owner, amount.

    Raises:
        ValueError: The data is shorter than a token account; the message names `where`.
    """
    if len(data) < _TOKEN_ACCOUNT_MIN:
        raise ValueError(f"{where}: {len(data)} bytes is no SPL token account")
    return TokenAccountData(data[0:32], data[32:64], int.from_bytes(data[64:72], "little"))


def decode_mint_decimals(data: bytes, where: str) -> int:
    """Reads a mint account's decimals.

    Raises:
        ValueError: The data is shorter than a mint; the message names `where`.
    """
    if len(data) < _MINT_MIN:
        raise ValueError(f"{where}: {len(data)} bytes is no SPL mint")
    return data[_MINT_DECIMALS_AT]


@dataclass(frozen=True, slots=True)
class ChainAccount:
    """An account as the node holds it: its lamports, owning program (base58) and data."""

    lamports: int
    owner: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Simulation:
    """What `simulateTransaction` answered: the error (None when it succeeded), the logs,
    the compute units, and the accounts asked for, after the run (None for an absent one)."""

    err: object | None
    logs: tuple[str, ...]
    units: int
    accounts: tuple[ChainAccount | None, ...]


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """Where a sent transaction is: its slot, its error (None when it succeeded) and how
    final it is (`processed`, `confirmed`, `finalized`)."""

    slot: int
    err: object | None
    confirmation: str | None
