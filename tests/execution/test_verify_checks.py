"""Tests the pure checks before signing: the transaction's bytes, the priority fee, the order's
terms and the simulated effects, each bound on both sides."""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import (
    AdvanceNonceAccountParams,
    TransferParams,
    advance_nonce_account,
    transfer,
)
from solders.transaction import VersionedTransaction

from soltrader_tui.config.model import LiveConfig
from soltrader_tui.execution.jupiter_swap import SwapOrder, SwapRequest
from soltrader_tui.execution.swap_effects import (
    AccountState,
    SwapEffects,
    TokenState,
    check_effects,
)
from soltrader_tui.execution.verify import (
    COMPUTE_BUDGET_PROGRAM,
    LOOKUP_TABLE_PROGRAM,
    Inspected,
    Refused,
    SwapLimits,
    TableUse,
    check_order,
    fee_lamports,
    inspect_transaction,
    priority_fee,
    resolve_lookups,
)

LIMITS = SwapLimits.from_config(LiveConfig())
WALLET = Keypair.from_seed(bytes([1]) * 32)
ME = str(WALLET.pubkey())
USDC, MEME, OTHER = (str(Pubkey(bytes([n]) * 32)) for n in (11, 12, 13))


def make_order(**changes: object) -> SwapOrder:
    """An order of 1,000 USDC units for at least 900 MEME units (950 quoted)."""
    order = SwapOrder(
        request_id="r1",
        transaction=b"",
        input_mint=USDC,
        output_mint=MEME,
        in_amount=1_000,
        out_amount=950,
        other_amount_threshold=900,
        slippage_bps=50,
        prioritization_fee_lamports=0,
        signature_fee_lamports=5000,
        rent_fee_lamports=0,
        last_valid_block_height=None,
        router=None,
    )
    return replace(order, **changes)  # type: ignore[arg-type]


def holding(mint: str, amount: int, **changes: object) -> AccountState:
    """One of our token accounts."""
    token = TokenState(mint, ME, amount, None, None)
    return AccountState(2_039_280, replace(token, **changes))  # type: ignore[arg-type]


def effects(spent: int, received: int, sol: int, **order: object) -> SwapEffects | Refused:
    """check_effects on a wallet that spent, received and paid as given."""
    before = {ME: AccountState(10**9, None), "u": holding(USDC, 5_000), "m": holding(MEME, 0)}
    after = {
        ME: AccountState(10**9 - sol, None),
        "u": holding(USDC, 5_000 - spent),
        "m": holding(MEME, received),
    }
    return check_effects(before, after, wallet=ME, order=make_order(**order), limits=LIMITS)


def budget(tag: int, value: int, size: int) -> tuple[str, bytes]:
    return COMPUTE_BUDGET_PROGRAM, bytes([tag]) + value.to_bytes(size, "little")


class TestPriorityFee:
    """The fee is price × limit, rounded up; a missing limit is Solana's default."""

    @given(st.integers(0, 2**40), st.integers(0, 1_400_000))
    def test_rounded_up_never_under(self, price: int, units: int) -> None:
        fee = fee_lamports(price, units)
        assert fee * 1_000_000 >= price * units > (fee - 1) * 1_000_000 or fee == 0 == price * units

    @given(st.integers(0, 2**32 - 1), st.integers(0, 2**40))
    def test_reads_limit_and_price_in_any_order(self, units: int, price: int) -> None:
        forward = [budget(2, units, 4), budget(3, price, 8), ("Other", b"")]
        backward = [forward[1], forward[0], forward[2]]
        expected = fee_lamports(price, min(units, 1_400_000))
        assert priority_fee(forward) == priority_fee(backward) == expected

    def test_without_a_limit_each_instruction_has_200k_units(self) -> None:
        ixs = [budget(3, 1_000_000, 8), ("A", b""), ("B", b"")]
        assert priority_fee(ixs) == 400_000

    def test_a_repeated_or_malformed_budget_is_refused(self) -> None:
        repeated = priority_fee([budget(3, 1, 8), budget(3, 2, 8)])
        short = priority_fee([(COMPUTE_BUDGET_PROGRAM, bytes([3, 1, 2]))])
        assert isinstance(repeated, Refused) and isinstance(short, Refused)


class TestOrderTerms:
    """The order must be the one asked for, with slippage within the cap."""

    def test_the_order_asked_for_passes(self) -> None:
        request = SwapRequest(USDC, MEME, 1_000, ME, 50)
        assert check_order(make_order(), request, LIMITS) is None

    @pytest.mark.parametrize(
        "change",
        [{"in_amount": 1_001}, {"input_mint": OTHER}, {"output_mint": OTHER}],
    )
    def test_another_order_is_refused(self, change: dict[str, object]) -> None:
        request = SwapRequest(USDC, MEME, 1_000, ME, 50)
        refused = check_order(make_order(**change), request, LIMITS)
        assert isinstance(refused, Refused) and refused.check == "order"

    def test_a_minimum_above_the_quote_is_refused(self) -> None:
        request = SwapRequest(USDC, MEME, 1_000, ME, 50)
        refused = check_order(make_order(other_amount_threshold=951), request, LIMITS)
        assert isinstance(refused, Refused) and "otherAmountThreshold" in refused.reason
        assert check_order(make_order(other_amount_threshold=950), request, LIMITS) is None


class TestEffects:
    """What the simulation did to us decides; every bound holds exactly at its value."""

    @given(st.integers(0, 2_000), st.integers(0, 2_000), st.integers(0, 2 * 10**7))
    def test_approved_exactly_within_every_bound(self, spent: int, got: int, sol: int) -> None:
        verdict = effects(spent, got, sol)
        ok = spent <= 1_000 and got >= 900 and sol <= LIMITS.max_sol_spend_lamports
        assert isinstance(verdict, SwapEffects) == ok
        if ok:
            assert verdict == SwapEffects(spent, got, sol)

    def test_the_refusal_names_the_failed_bound(self) -> None:
        over = effects(1_001, 950, 5_000)
        short = effects(1_000, 899, 5_000)
        sol = effects(1_000, 950, LIMITS.max_sol_spend_lamports + 1)
        assert isinstance(over, Refused) and over.check == "input"
        assert isinstance(short, Refused) and short.check == "output"
        assert isinstance(sol, Refused) and sol.check == "sol"

    @pytest.mark.parametrize(
        ("change", "words"),
        [
            ({"delegate": OTHER}, "delegate"),
            ({"owner": OTHER}, "owner"),
            ({"close_authority": OTHER}, "close authority"),
        ],
    )
    def test_an_account_of_ours_changing_hands_is_refused(
        self, change: dict[str, object], words: str
    ) -> None:
        before = {ME: AccountState(10**9, None), "u": holding(USDC, 5_000)}
        after = {ME: AccountState(10**9, None), "u": holding(USDC, 5_000, **change)}
        verdict = check_effects(before, after, wallet=ME, order=make_order(), limits=LIMITS)
        assert isinstance(verdict, Refused) and verdict.check == "other_account"
        assert words in verdict.reason

    def test_a_new_account_of_ours_and_an_untouched_mint_pass(self) -> None:
        before: dict[str, AccountState | None] = {
            ME: AccountState(10**9, None),
            "u": holding(USDC, 5_000),
            "o": holding(OTHER, 7),
            "m": None,
        }
        after = {**before, "u": holding(USDC, 4_000), "m": holding(MEME, 950)}
        verdict = check_effects(before, after, wallet=ME, order=make_order(), limits=LIMITS)
        assert verdict == SwapEffects(1_000, 950, 0)

    def test_a_new_account_of_ours_with_a_delegate_is_refused(self) -> None:
        before = {ME: AccountState(10**9, None), "u": holding(USDC, 5_000), "m": None}
        after = {**before, "u": holding(USDC, 4_000), "m": holding(MEME, 950, delegate=OTHER)}
        verdict = check_effects(before, after, wallet=ME, order=make_order(), limits=LIMITS)
        assert isinstance(verdict, Refused) and verdict.check == "other_account"
        assert "with a delegate" in verdict.reason

    def test_another_mint_debited_or_an_account_closed_is_refused(self) -> None:
        before = {ME: AccountState(10**9, None), "o": holding(OTHER, 7), "m": holding(MEME, 0)}
        debited = {**before, "o": holding(OTHER, 6), "m": holding(MEME, 950)}
        closed = {**before, "o": None, "m": holding(MEME, 950)}
        for after in (debited, closed):
            verdict = check_effects(before, after, wallet=ME, order=make_order(), limits=LIMITS)
            assert isinstance(verdict, Refused) and verdict.check == "other_account"


def tx_of(message: Message | MessageV0, signers: list[Keypair | None]) -> bytes:
    """A wire transaction, signed by each keypair given (None: left unsigned)."""
    from solders.message import to_bytes_versioned

    raw = to_bytes_versioned(message)
    sigs = [Signature.default() if k is None else k.sign_message(raw) for k in signers]
    return bytes(VersionedTransaction.populate(message, sigs))


def pay(source: Pubkey, lamports: int = 1) -> Instruction:
    return transfer(
        TransferParams(from_pubkey=source, to_pubkey=Pubkey.default(), lamports=lamports)
    )


class TestTransactionBytes:
    """Static checks on the bytes, with no chain at all."""

    def test_a_plain_transfer_from_us_passes(self) -> None:
        message = MessageV0.try_compile(WALLET.pubkey(), [pay(WALLET.pubkey())], [], Hash.default())
        inspected = inspect_transaction(tx_of(message, [None]), ME, LIMITS)
        assert isinstance(inspected, Inspected)
        assert (inspected.base_fee_lamports, inspected.priority_fee_lamports) == (5000, 0)

    def test_garbage_is_refused(self) -> None:
        refused = inspect_transaction(b"\x01\x02", ME, LIMITS)
        assert isinstance(refused, Refused) and refused.check == "decode"

    def test_a_durable_nonce_is_refused(self) -> None:
        nonce = Keypair().pubkey()
        advance = advance_nonce_account(
            AdvanceNonceAccountParams(nonce_pubkey=nonce, authorized_pubkey=WALLET.pubkey())
        )
        message = Message.new_with_blockhash(
            [advance, pay(WALLET.pubkey())], WALLET.pubkey(), Hash.default()
        )
        refused = inspect_transaction(tx_of(message, [None]), ME, LIMITS)
        assert isinstance(refused, Refused) and refused.check == "nonce"

    def test_an_extra_program_is_allowed_only_when_configured(self) -> None:
        program = Keypair().pubkey()
        ix = Instruction(program, b"", [AccountMeta(WALLET.pubkey(), True, True)])
        message = MessageV0.try_compile(WALLET.pubkey(), [ix], [], Hash.default())
        raw = tx_of(message, [None])
        refused = inspect_transaction(raw, ME, LIMITS)
        assert isinstance(refused, Refused)
        assert refused.reason == (
            f"instruction 0 invokes unknown program {program}: not in the allowlist"
        )
        extended = SwapLimits.from_config(LiveConfig(program_allowlist_extra=[str(program)]))
        assert isinstance(inspect_transaction(raw, ME, extended), Inspected)

    def test_lookup_tables_are_listed_for_resolution(self) -> None:
        table_key, target = Keypair().pubkey(), Keypair().pubkey()
        table = AddressLookupTableAccount(table_key, [Pubkey.default(), target])
        ix = transfer(TransferParams(from_pubkey=WALLET.pubkey(), to_pubkey=target, lamports=1))
        message = MessageV0.try_compile(WALLET.pubkey(), [ix], [table], Hash.default())
        inspected = inspect_transaction(tx_of(message, [None]), ME, LIMITS)
        assert isinstance(inspected, Inspected)
        assert inspected.lookups == (TableUse(str(table_key), (1,), ()),)

    def test_a_program_loaded_from_a_table_is_refused(self) -> None:
        from solders.instruction import CompiledInstruction
        from solders.message import MessageAddressTableLookup, MessageHeader

        # Index 1 is past the one static key: the first account loaded from the table.
        ix = CompiledInstruction(program_id_index=1, accounts=bytes([0]), data=b"")
        lookup = MessageAddressTableLookup(Keypair().pubkey(), bytes([0]), bytes([]))
        message = MessageV0(
            MessageHeader(1, 0, 0), [WALLET.pubkey()], Hash.default(), [ix], [lookup]
        )
        refused = inspect_transaction(tx_of(message, [None]), ME, LIMITS)
        assert isinstance(refused, Refused) and refused.check == "program"
        assert refused.reason == "instruction 0's program is not a static account"


def table_data(count: int) -> bytes:
    """A lookup table's data holding `count` addresses (1, 2, ...)."""
    header = struct.pack("<IQQB", 1, 2**64 - 1, 0, count).ljust(56, b"\0")
    return header + b"".join(bytes([n + 1]) * 32 for n in range(count))


class TestLookupTables:
    """What a message loads is resolved from its tables, or refused by name."""

    USE = TableUse("T", (1,), (0,))

    def test_resolved_writable_first(self) -> None:
        resolved = resolve_lookups([self.USE], {"T": (LOOKUP_TABLE_PROGRAM, table_data(2))}, ME)
        assert resolved == (str(Pubkey(bytes([2]) * 32)), str(Pubkey(bytes([1]) * 32)))

    @pytest.mark.parametrize(
        ("table", "words"),
        [
            (None, "lookup table T does not exist"),
            (("Other111", table_data(2)), "not an address lookup table (owned by Other111)"),
            ((LOOKUP_TABLE_PROGRAM, b"\x00"), "not an address lookup table"),
            ((LOOKUP_TABLE_PROGRAM, table_data(1)), "has 1 addresses; index 1 is out of range"),
        ],
    )
    def test_refused_by_name(self, table: tuple[str, bytes] | None, words: str) -> None:
        refused = resolve_lookups([self.USE], {"T": table}, ME)
        assert isinstance(refused, Refused) and refused.check == "lookup_tables"
        assert words in refused.reason

    def test_our_wallet_may_not_be_loaded(self) -> None:
        data = table_data(1) + bytes(WALLET.pubkey())
        refused = resolve_lookups([self.USE], {"T": (LOOKUP_TABLE_PROGRAM, data)}, ME)
        assert isinstance(refused, Refused) and "our wallet" in refused.reason
