"""Tests of the mint decoder on bytes packed by solders and on hand-built Token-2022 TLV."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey
from solders.token.state import Mint

from soltrader_tui.config.model import TokenExtension
from soltrader_tui.solana.token_facts import (
    ACCOUNT_LEN,
    EXTENSION_NAMES,
    MINT_LEN,
    SPL_TOKEN_PROGRAM,
    TOKEN_2022_PROGRAM,
    MintDataError,
    decode_mint,
    token_facts,
    top10_share,
)

MINT = str(Pubkey.new_unique())
AUTHORITY = Pubkey.new_unique()


def packed(
    *,
    mint_authority: Pubkey | None = None,
    freeze_authority: Pubkey | None = None,
    supply: int = 1_000_000,
    decimals: int = 6,
) -> bytes:
    """An SPL mint's 82 bytes, as solders packs them."""
    return bytes(
        Mint(
            mint_authority=mint_authority,
            supply=supply,
            decimals=decimals,
            is_initialized=True,
            freeze_authority=freeze_authority,
        )
    )


def tlv(kind: int, value: bytes) -> bytes:
    """One Token-2022 extension entry: u16 type, u16 length, value."""
    return kind.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


def extended(base: bytes, *entries: bytes, trailing: bytes = b"") -> bytes:
    """A Token-2022 mint: the base, zero padding to 165, the mint type byte, the TLV entries."""
    return base + bytes(ACCOUNT_LEN - MINT_LEN) + b"\x01" + b"".join(entries) + trailing


class TestSplMint:
    """A classic SPL Token mint's authorities, supply and decimals, read from its 82 bytes."""

    def test_revoked_authorities(self) -> None:
        mint = decode_mint(MINT, packed(supply=42, decimals=9), SPL_TOKEN_PROGRAM)
        assert (mint.mint_authority, mint.freeze_authority) == (None, None)
        assert (mint.supply, mint.decimals, mint.program) == (42, 9, "spl-token")
        assert mint.extensions == frozenset()

    @given(
        mint_key=st.none() | st.binary(min_size=32, max_size=32),
        freeze_key=st.none() | st.binary(min_size=32, max_size=32),
        supply=st.integers(0, 2**64 - 1),
        decimals=st.integers(0, 255),
    )
    def test_round_trips_what_solders_packs(
        self, mint_key: bytes | None, freeze_key: bytes | None, supply: int, decimals: int
    ) -> None:
        mint_pk = None if mint_key is None else Pubkey(mint_key)
        freeze_pk = None if freeze_key is None else Pubkey(freeze_key)
        data = packed(
            mint_authority=mint_pk, freeze_authority=freeze_pk, supply=supply, decimals=decimals
        )
        mint = decode_mint(MINT, data, SPL_TOKEN_PROGRAM)
        assert mint.mint_authority == (None if mint_pk is None else str(mint_pk))
        assert mint.freeze_authority == (None if freeze_pk is None else str(freeze_pk))
        assert (mint.supply, mint.decimals) == (supply, decimals)


class TestToken2022:
    """Token-2022 extensions are read from the TLV entries after the account-type byte."""

    def test_extensions_by_name(self) -> None:
        data = extended(
            packed(freeze_authority=AUTHORITY),
            tlv(18, bytes(64)),
            tlv(12, bytes(AUTHORITY)),
            tlv(14, bytes(64)),
            tlv(1, bytes(108)),
        )
        mint = decode_mint(MINT, data, TOKEN_2022_PROGRAM)
        assert mint.program == "token-2022"
        assert mint.freeze_authority == str(AUTHORITY)
        assert mint.extensions == {
            "metadata_pointer",
            "permanent_delegate",
            "transfer_hook",
            "transfer_fee_config",
        }

    @pytest.mark.parametrize(
        ("state", "name"),
        [(1, "default_account_state"), (2, "default_account_state_frozen")],
    )
    def test_default_account_state_frozen_is_told_apart(self, state: int, name: str) -> None:
        data = extended(packed(), tlv(6, bytes([state])))
        assert decode_mint(MINT, data, TOKEN_2022_PROGRAM).extensions == {name}

    def test_padding_entry_ends_the_list(self) -> None:
        data = extended(packed(), tlv(9, b""), trailing=bytes(12))
        assert decode_mint(MINT, data, TOKEN_2022_PROGRAM).extensions == {"non_transferable"}

    def test_unknown_extension_is_named_by_number(self) -> None:
        data = extended(packed(), tlv(77, b"\x01\x02"))
        assert decode_mint(MINT, data, TOKEN_2022_PROGRAM).extensions == {"unknown_77"}

    def test_plain_82_bytes_under_token_2022(self) -> None:
        assert decode_mint(MINT, packed(), TOKEN_2022_PROGRAM).extensions == frozenset()

    def test_every_decoded_name_can_be_configured(self) -> None:
        from typing import get_args

        assert set(EXTENSION_NAMES.values()) | {"default_account_state_frozen"} == set(
            get_args(TokenExtension)
        )


class TestMalformed:
    """Bytes that are not a mint are refused with the mint and the fault named."""

    @pytest.mark.parametrize(
        ("data", "owner", "says"),
        [
            (packed()[:81], SPL_TOKEN_PROGRAM, "81 bytes, a mint has at least 82"),
            (packed() + b"\x00", SPL_TOKEN_PROGRAM, "83 bytes under SPL Token"),
            (packed(), "11111111111111111111111111111111", "not a token program"),
            (packed()[:45] + b"\x00" + packed()[46:], SPL_TOKEN_PROGRAM, "not initialized"),
            (b"\x02" + packed()[1:], SPL_TOKEN_PROGRAM, "mint authority option tag is 2"),
            (packed() + bytes(40), TOKEN_2022_PROGRAM, "longer than 165"),
            (
                packed() + b"\x07" + bytes(ACCOUNT_LEN - MINT_LEN - 1) + b"\x01" + tlv(18, b""),
                TOKEN_2022_PROGRAM,
                "padding after the base mint is not zero",
            ),
            (
                packed() + bytes(ACCOUNT_LEN - MINT_LEN) + b"\x02" + tlv(18, b""),
                TOKEN_2022_PROGRAM,
                "account type byte is 2",
            ),
            (
                extended(packed(), tlv(18, bytes(64))[:-10]),
                TOKEN_2022_PROGRAM,
                "extension type 18 at byte 166 says 64 bytes, 54 remain",
            ),
        ],
    )
    def test_refused_with_a_clear_message(self, data: bytes, owner: str, says: str) -> None:
        with pytest.raises(MintDataError) as caught:
            decode_mint(MINT, data, owner)
        assert str(caught.value).startswith(f"mint {MINT}: ")
        assert says in str(caught.value)


class TestHolders:
    """The top-10 share comes from the largest accounts' amounts and the supply."""

    def test_only_the_ten_largest_count(self) -> None:
        amounts = [5] * 5 + [100] * 10 + [1] * 5
        assert top10_share(amounts, 2000) == pytest.approx(0.5)

    def test_empty_supply_is_unknown(self) -> None:
        assert top10_share([], 0) is None

    def test_never_above_the_whole_supply(self) -> None:
        assert top10_share([900, 900], 1000) == 1.0

    def test_facts_carry_the_share_and_the_time(self) -> None:
        mint = decode_mint(MINT, packed(mint_authority=AUTHORITY, supply=1000), SPL_TOKEN_PROGRAM)
        facts = token_facts(mint, [300, 200], checked_at=12.5)
        assert facts.top10_share == pytest.approx(0.5)
        assert (facts.mint_authority, facts.checked_at) == (str(AUTHORITY), 12.5)
        assert token_facts(mint, None, checked_at=1.0).top10_share is None
