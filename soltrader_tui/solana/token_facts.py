"""Provides the mint decoder: a mint account's bytes and its largest holders in, TokenFacts out.

Pure: bytes in, values out. The layouts are the programs' own:

- SPL Token `Mint`, 82 bytes: `COption<Pubkey>` mint authority (a u32 tag, 1 = some, then 32
  bytes), u64 supply, u8 decimals, bool is_initialized, `COption<Pubkey>` freeze authority.
- Token-2022 adds extensions after the base mint: zero padding up to the length of a token
  account (165 bytes, so a mint and an account can never be told apart by length alone), one
  account-type byte (1 = mint), then TLV entries: u16 type, u16 length, value, little-endian.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soltrader_tui.domain import TokenFacts, TokenProgram

SPL_TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
PROGRAMS: dict[str, TokenProgram] = {
    SPL_TOKEN_PROGRAM: "spl-token",
    TOKEN_2022_PROGRAM: "token-2022",
}
"""The token programs by id: a mint account is owned by one of them."""

MINT_LEN = 82
"""Bytes of the base mint, in both programs."""
ACCOUNT_LEN = 165
"""Bytes of a token account: where Token-2022 puts the account-type byte of an extended mint."""
ACCOUNT_TYPE_MINT = 1
ACCOUNT_STATE_FROZEN = 2
"""`AccountState::Frozen`, the value of a DefaultAccountState extension that freezes every new
holder until the authority thaws it."""
TOP_HOLDERS = 10

EXTENSION_NAMES: dict[int, str] = {
    1: "transfer_fee_config",
    3: "mint_close_authority",
    4: "confidential_transfer_mint",
    6: "default_account_state",
    9: "non_transferable",
    10: "interest_bearing_config",
    12: "permanent_delegate",
    14: "transfer_hook",
    16: "confidential_transfer_fee_config",
    18: "metadata_pointer",
    19: "token_metadata",
    20: "group_pointer",
    21: "token_group",
    22: "group_member_pointer",
    23: "token_group_member",
    24: "confidential_mint_burn",
    25: "scaled_ui_amount",
    26: "pausable",
}
"""Token-2022 mint extensions by their `ExtensionType` number (spl-token-2022 `extension/mod.rs`).
The numbers left out are account extensions, which a mint never carries."""
DEFAULT_ACCOUNT_STATE = 6


class MintDataError(ValueError):
    """A mint account's bytes do not hold a mint; the message names the mint and the fault."""


@dataclass(frozen=True, slots=True)
class MintAccount:
    """A decoded mint account."""

    mint_authority: str | None
    freeze_authority: str | None
    supply: int
    """Base units in existence."""
    decimals: int
    extensions: frozenset[str]
    program: TokenProgram


def decode_mint(mint: str, data: bytes, owner: str) -> MintAccount:
    """Decodes a mint account's data.

    Args:
        mint: The mint's address, for messages.
        data: The account's data.
        owner: The program that owns the account (SPL Token or Token-2022).

    Returns:
        The authorities, supply, decimals and Token-2022 extensions.

    Raises:
        MintDataError: The owner is not a token program, or the bytes are not a mint of it.
    """
    program = PROGRAMS.get(owner)
    if program is None:
        raise MintDataError(f"mint {mint}: owned by {owner}, which is not a token program")
    if len(data) < MINT_LEN:
        raise MintDataError(f"mint {mint}: {len(data)} bytes, a mint has at least {MINT_LEN}")
    if data[45] != 1:
        raise MintDataError(f"mint {mint}: not initialized (is_initialized byte {data[45]})")
    extensions: frozenset[str] = frozenset()
    if len(data) > MINT_LEN:
        if program == "spl-token":
            raise MintDataError(
                f"mint {mint}: {len(data)} bytes under SPL Token, whose mints are {MINT_LEN}"
            )
        extensions = _extensions(mint, data)
    return MintAccount(
        mint_authority=_coption_key(mint, data, 0, "mint authority"),
        freeze_authority=_coption_key(mint, data, 46, "freeze authority"),
        supply=int.from_bytes(data[36:44], "little"),
        decimals=data[44],
        extensions=extensions,
        program=program,
    )


def _coption_key(mint: str, data: bytes, at: int, what: str) -> str | None:
    tag = int.from_bytes(data[at : at + 4], "little")
    if tag == 0:
        return None
    if tag != 1:
        raise MintDataError(f"mint {mint}: {what} option tag is {tag}, expected 0 or 1")
    return _base58(data[at + 4 : at + 36])


def _extensions(mint: str, data: bytes) -> frozenset[str]:
    """Reads the TLV entries of a Token-2022 mint."""
    if len(data) <= ACCOUNT_LEN:
        raise MintDataError(
            f"mint {mint}: {len(data)} bytes; an extended mint is longer than {ACCOUNT_LEN}"
        )
    if any(data[MINT_LEN:ACCOUNT_LEN]):
        raise MintDataError(f"mint {mint}: padding after the base mint is not zero")
    if data[ACCOUNT_LEN] != ACCOUNT_TYPE_MINT:
        raise MintDataError(
            f"mint {mint}: account type byte is {data[ACCOUNT_LEN]}, a mint's is "
            f"{ACCOUNT_TYPE_MINT}"
        )
    names: set[str] = set()
    at = ACCOUNT_LEN + 1
    while at + 4 <= len(data):
        kind = int.from_bytes(data[at : at + 2], "little")
        length = int.from_bytes(data[at + 2 : at + 4], "little")
        if kind == 0:
            break  # Uninitialized: the rest is padding
        value = data[at + 4 : at + 4 + length]
        if len(value) != length:
            raise MintDataError(
                f"mint {mint}: extension type {kind} at byte {at} says {length} bytes, "
                f"{len(value)} remain"
            )
        names.add(_extension_name(kind, value))
        at += 4 + length
    return frozenset(names)


def _extension_name(kind: int, value: bytes) -> str:
    name = EXTENSION_NAMES.get(kind, f"unknown_{kind}")
    if kind == DEFAULT_ACCOUNT_STATE and value[:1] == bytes([ACCOUNT_STATE_FROZEN]):
        return "default_account_state_frozen"
    return name


def top10_share(amounts: Sequence[int], supply: int) -> float | None:
    """Share of the supply the 10 largest accounts hold, 0 to 1; None for an empty supply.

    Args:
        amounts: Base units of the largest accounts, any order (RPC gives up to 20).
        supply: The mint's supply, base units.
    """
    if supply <= 0:
        return None
    top = sorted(amounts, reverse=True)[:TOP_HOLDERS]
    return min(1.0, sum(top) / supply)


def token_facts(
    account: MintAccount, largest: Sequence[int] | None, checked_at: float
) -> TokenFacts:
    """The facts the safety rules judge, from a decoded mint and its largest holders' amounts
    (None when they could not be read: the share is then unknown)."""
    return TokenFacts(
        mint_authority=account.mint_authority,
        freeze_authority=account.freeze_authority,
        top10_share=None if largest is None else top10_share(largest, account.supply),
        extensions=account.extensions,
        program=account.program,
        checked_at=checked_at,
    )


_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(raw: bytes) -> str:
    # solders would do this too, but the decoder stays free of it so that it loads in any layer
    # and a test can compare the two.
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, digit = divmod(n, 58)
        out = _ALPHABET[digit] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out
