"""Provides SPL Token account bytes: mints and token accounts, for both token programs.

Layouts are the programs' own (Mint 82 bytes, Account 165 bytes, packed by
`solders.token.state`). A Token-2022 account with extensions pads the base to 165 bytes, adds
one account-type byte (1 mint, 2 token account), then TLV entries (u16 type, u16 length, value),
as spl-token-2022's `StateWithExtensions` reads them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from solders.account import Account
from solders.pubkey import Pubkey
from solders.token.state import Mint, TokenAccount, TokenAccountState

TOKEN_PROGRAM: Final = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM: Final = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAMS: Final = frozenset({TOKEN_PROGRAM, TOKEN_2022_PROGRAM})
MINT_LEN: Final = 82
ACCOUNT_LEN: Final = 165
_MINT_TYPE, _ACCOUNT_TYPE = 1, 2
_TRANSFER_FEE_CONFIG, _TRANSFER_FEE_AMOUNT, _PERMANENT_DELEGATE = 1, 2, 12
_NONE_KEY: Final = bytes(32)


@dataclass(frozen=True, slots=True)
class TransferFee:
    """Token-2022's TransferFeeConfig: a fee withheld on every transfer."""

    basis_points: int
    maximum_fee: int
    """Cap per transfer, base units."""
    authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class MintExtensions:
    """The Token-2022 extensions the devnet can pack into a mint."""

    transfer_fee: TransferFee | None = None
    permanent_delegate: Pubkey | None = None

    @property
    def any(self) -> bool:
        """Whether there is anything to pack (else the plain 82-byte layout is used)."""
        return self.transfer_fee is not None or self.permanent_delegate is not None


@dataclass(frozen=True, slots=True)
class Holding:
    """What a token account holds, read from its bytes."""

    mint: Pubkey
    owner: Pubkey
    amount: int
    program: Pubkey


def _tlv(kind: int, value: bytes) -> bytes:
    return struct.pack("<HH", kind, len(value)) + value


def _key(key: Pubkey | None) -> bytes:
    # Token-2022's OptionalNonZeroPubkey: all zeros means none.
    return _NONE_KEY if key is None else bytes(key)


def pack_mint(
    *,
    decimals: int,
    supply: int,
    mint_authority: Pubkey | None,
    freeze_authority: Pubkey | None,
    extensions: MintExtensions | None = None,
) -> bytes:
    """Returns a mint's account data; with extensions, in Token-2022's extended layout."""
    base = bytes(Mint(mint_authority, supply, decimals, True, freeze_authority))
    if extensions is None or not extensions.any:
        return base
    tlv = b""
    fee = extensions.transfer_fee
    if fee is not None:
        # older and newer fee (epoch u64, maximum_fee u64, basis points u16) are the same.
        schedule = struct.pack("<QQH", 0, fee.maximum_fee, fee.basis_points)
        value = _key(fee.authority) + _key(fee.authority) + struct.pack("<Q", 0)
        tlv += _tlv(_TRANSFER_FEE_CONFIG, value + schedule + schedule)
    if extensions.permanent_delegate is not None:
        tlv += _tlv(_PERMANENT_DELEGATE, bytes(extensions.permanent_delegate))
    return base.ljust(ACCOUNT_LEN, b"\0") + bytes([_MINT_TYPE]) + tlv


def pack_token_account(
    *, mint: Pubkey, owner: Pubkey, amount: int, withheld_fee_slot: bool = False
) -> bytes:
    """Returns a token account's data; `withheld_fee_slot` adds Token-2022's TransferFeeAmount,
    which an account of a mint with a transfer fee must carry."""
    account = TokenAccount(mint, owner, amount, None, TokenAccountState.Initialized, None, 0)
    base = bytes(account)
    if not withheld_fee_slot:
        return base
    return base + bytes([_ACCOUNT_TYPE]) + _tlv(_TRANSFER_FEE_AMOUNT, struct.pack("<Q", 0))


def read_holding(account: Account | None) -> Holding | None:
    """Reads a token account of either token program; None for anything else."""
    if account is None or account.owner not in TOKEN_PROGRAMS:
        return None
    data = bytes(account.data)
    if len(data) < ACCOUNT_LEN or (len(data) > ACCOUNT_LEN and data[ACCOUNT_LEN] != _ACCOUNT_TYPE):
        return None
    state = TokenAccount.from_bytes(data[:ACCOUNT_LEN])
    return Holding(state.mint, state.owner, state.amount, account.owner)


def read_mint(account: Account | None) -> Mint | None:
    """Reads a mint of either token program; None for anything else."""
    if account is None or account.owner not in TOKEN_PROGRAMS:
        return None
    data = bytes(account.data)
    if len(data) == MINT_LEN or (len(data) > ACCOUNT_LEN and data[ACCOUNT_LEN] == _MINT_TYPE):
        return Mint.from_bytes(data[:MINT_LEN])
    return None


def ui_amount(amount: int, decimals: int) -> dict[str, object]:
    """The RPC's UiTokenAmount: raw amount as a string, decimals, and the human figures."""
    exact = Decimal(amount).scaleb(-decimals)
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": float(exact),
        "uiAmountString": text,
    }
