"""Provides the pure checks a swap transaction passes before our wallet signs it.

`check_order` compares Jupiter's order with what we asked; `inspect_transaction` reads the
transaction's bytes (who pays, who else signs and whether they did, which programs run, what
priority fee it bids, which lookup tables it loads from) and `resolve_lookups` checks those
tables once read. The simulated effects are `swap_effects`'; the RPC reads are
`verify_chain`'s. A failed check is a
`Refused` naming what failed, never an exception: the live executor logs it, records it and
alerts. What each check catches: docs/live.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from solders.address_lookup_table_account import AddressLookupTable
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from soltrader_tui.config.model import LiveConfig
from soltrader_tui.execution.jupiter_swap import SwapOrder, SwapRequest
from soltrader_tui.solana.accounts import TOKEN_2022_PROGRAM, TOKEN_PROGRAM

JUPITER_V6: Final = "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4"
SYSTEM_PROGRAM: Final = "11111111111111111111111111111111"
ASSOCIATED_TOKEN_PROGRAM: Final = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
COMPUTE_BUDGET_PROGRAM: Final = "ComputeBudget111111111111111111111111111111"
LOOKUP_TABLE_PROGRAM: Final = "AddressLookupTab1e1111111111111111111111111"
BASE_ALLOWLIST: Final = frozenset(
    {
        JUPITER_V6,
        SYSTEM_PROGRAM,
        TOKEN_PROGRAM,
        TOKEN_2022_PROGRAM,
        ASSOCIATED_TOKEN_PROGRAM,
        COMPUTE_BUDGET_PROGRAM,
    }
)
"""Programs every swap may invoke: Jupiter's aggregator and the plumbing a swap needs."""
LAMPORTS_PER_SIGNATURE: Final = 5000
DEFAULT_UNITS_PER_INSTRUCTION: Final = 200_000
MAX_UNITS: Final = 1_400_000
"""Solana's defaults: 200k compute units per instruction without a limit set, 1.4M at most."""
_SET_UNIT_LIMIT, _SET_UNIT_PRICE = 2, 3
"""ComputeBudget instruction tags: SetComputeUnitLimit (u32), SetComputeUnitPrice (u64,
micro-lamports per unit)."""


@dataclass(frozen=True, slots=True)
class SwapLimits:
    """What a swap may do, from the `live` config section."""

    programs: frozenset[str]
    max_priority_fee_lamports: int
    max_slippage_bps: int
    max_sol_spend_lamports: int

    @classmethod
    def from_config(cls, live: LiveConfig) -> SwapLimits:
        """The base allowlist plus `program_allowlist_extra`, and the section's caps."""
        return cls(
            programs=BASE_ALLOWLIST | frozenset(live.program_allowlist_extra),
            max_priority_fee_lamports=live.max_priority_fee_lamports,
            max_slippage_bps=live.max_slippage_bps,
            max_sol_spend_lamports=live.max_sol_spend_lamports,
        )


@dataclass(frozen=True, slots=True)
class Refused:
    """A transaction not to sign: which check failed (a stable key) and why, in words."""

    check: str
    reason: str


@dataclass(frozen=True, slots=True)
class TableUse:
    """The accounts a v0 message loads from one address lookup table, by index."""

    table: str
    writable: tuple[int, ...]
    readonly: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the transaction's bytes say, once they passed every static check."""

    tx: VersionedTransaction
    message: bytes
    """The message bytes our signature covers."""
    priority_fee_lamports: int
    base_fee_lamports: int
    lookups: tuple[TableUse, ...] = ()
    """Lookup tables to resolve (`resolve_lookups`) before the transaction is judged whole."""


def short_key(key: str) -> str:
    """An address cut to its first six characters, for refusals that name two of them."""
    return f"{key[:6]}…" if len(key) > 8 else key


def check_order(order: SwapOrder, request: SwapRequest, limits: SwapLimits) -> Refused | None:
    """Whether Jupiter's order is the one we asked for, within our slippage cap."""
    asked = (request.input_mint, request.output_mint, request.amount)
    got = (order.input_mint, order.output_mint, order.in_amount)
    if got != asked:
        return Refused(
            "order",
            f"the order swaps {order.in_amount} of {short_key(order.input_mint)} for "
            f"{short_key(order.output_mint)}; we asked {request.amount} of "
            f"{short_key(request.input_mint)} for {short_key(request.output_mint)}",
        )
    if order.slippage_bps > limits.max_slippage_bps:
        return Refused(
            "slippage",
            f"the order allows {order.slippage_bps} bps of slippage; "
            f"live.max_slippage_bps is {limits.max_slippage_bps}",
        )
    if order.other_amount_threshold > order.out_amount:
        return Refused(
            "order",
            f"otherAmountThreshold {order.other_amount_threshold} is above outAmount "
            f"{order.out_amount}",
        )
    return None


def decode_transaction(raw: bytes) -> VersionedTransaction | Refused:
    """Decodes a wire transaction, legacy or v0."""
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except ValueError as exc:
        return Refused("decode", f"the transaction does not decode: {exc}")
    return tx


def inspect_transaction(raw: bytes, wallet: str, limits: SwapLimits) -> Inspected | Refused:
    """The static checks: nonce, payer, signatures, programs, priority fee; the lookup tables
    used are listed for `resolve_lookups`.

    Args:
        raw: The unsigned transaction as Jupiter sent it.
        wallet: Our wallet's public key (base58).
        limits: The allowlist and the priority fee cap.
    """
    tx = decode_transaction(raw)
    if isinstance(tx, Refused):
        return tx
    message = tx.message
    keys = [str(k) for k in message.account_keys]
    if tx.uses_durable_nonce():
        return Refused("nonce", "the transaction uses a durable nonce: it would never expire")
    message_bytes = to_bytes_versioned(message)
    refused = _check_signers(tx, keys, wallet, message_bytes)
    if refused is not None:
        return refused
    for index, compiled in enumerate(message.instructions):
        if compiled.program_id_index >= len(keys):
            # The runtime forbids it too: a program must be a static key, never a loaded one.
            return Refused("program", f"instruction {index}'s program is not a static account")
    instructions = [(keys[i.program_id_index], bytes(i.data)) for i in message.instructions]
    for index, (program, _data) in enumerate(instructions):
        if program not in limits.programs:
            return Refused(
                "program",
                f"instruction {index} invokes unknown program {program}: not in the allowlist",
            )
    fee = priority_fee(instructions)
    if isinstance(fee, Refused):
        return fee
    if fee > limits.max_priority_fee_lamports:
        return Refused(
            "priority_fee",
            f"the priority fee is {fee} lamports; live.max_priority_fee_lamports is "
            f"{limits.max_priority_fee_lamports}",
        )
    base_fee = LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures
    lookups: tuple[TableUse, ...] = ()
    if isinstance(message, MessageV0):
        lookups = tuple(
            TableUse(str(t.account_key), tuple(t.writable_indexes), tuple(t.readonly_indexes))
            for t in message.address_table_lookups
        )
    return Inspected(tx, message_bytes, fee, base_fee, lookups)


def resolve_lookups(
    uses: Sequence[TableUse], tables: Mapping[str, tuple[str, bytes] | None], wallet: str
) -> tuple[str, ...] | Refused:
    """The accounts the message loads from its lookup tables (writable ones first, as the
    runtime orders them), checked: each table exists, is one, and holds every index used;
    our wallet is never among them (it may only be the static fee payer).

    Args:
        uses: What the message loads, table by table.
        tables: Each table's owning program and data (None: no such account).
        wallet: Our wallet's public key.
    """
    writable: list[str] = []
    readonly: list[str] = []
    for use in uses:
        found = tables.get(use.table)
        if found is None:
            return Refused("lookup_tables", f"lookup table {use.table} does not exist")
        owner, data = found
        try:
            if owner != LOOKUP_TABLE_PROGRAM:
                raise ValueError(f"owned by {owner}")
            addresses = [str(a) for a in AddressLookupTable.deserialize(data).addresses]
        except ValueError as exc:
            reason = f"account {use.table} is not an address lookup table ({exc})"
            return Refused("lookup_tables", reason)
        for index in (*use.writable, *use.readonly):
            if index >= len(addresses):
                reason = f"lookup table {use.table} has {len(addresses)} addresses; index {index}"
                return Refused("lookup_tables", reason + " is out of range")
        writable.extend(addresses[i] for i in use.writable)
        readonly.extend(addresses[i] for i in use.readonly)
    if wallet in writable or wallet in readonly:
        return Refused("lookup_tables", "our wallet is loaded from a lookup table")
    return (*writable, *readonly)


def _check_signers(
    tx: VersionedTransaction, keys: Sequence[str], wallet: str, message: bytes
) -> Refused | None:
    """Our wallet pays; every other required signer has already signed, validly."""
    if not keys or keys[0] != wallet:
        payer = keys[0] if keys else "nobody"
        return Refused("fee_payer", f"the fee payer is {payer}, not our wallet {wallet}")
    required = tx.message.header.num_required_signatures
    if len(tx.signatures) != required:
        return Refused(
            "signatures", f"{len(tx.signatures)} signatures for {required} required signers"
        )
    for index in range(1, required):
        signature, signer = tx.signatures[index], keys[index]
        if signature == Signature.default():
            return Refused(
                "signatures",
                f"signature {index} (of {signer}) is missing: the transaction needs a signer "
                "besides our wallet",
            )
        if not signature.verify(Pubkey.from_string(signer), message):
            return Refused("signatures", f"signature {index} (of {signer}) does not verify: forged")
    return None


def priority_fee(instructions: Sequence[tuple[str, bytes]]) -> int | Refused:
    """The priority fee the compute-budget instructions bid, lamports, rounded up.

    Without a limit, Solana allows 200,000 units per other instruction (1.4M at most).
    """
    limit: int | None = None
    price = 0
    seen: set[int] = set()
    for index, (program, data) in enumerate(instructions):
        if program != COMPUTE_BUDGET_PROGRAM or not data:
            continue
        if data[0] not in (_SET_UNIT_LIMIT, _SET_UNIT_PRICE):
            continue
        tag = data[0]
        size = 5 if tag == _SET_UNIT_LIMIT else 9
        if tag in seen or len(data) != size:
            return Refused("priority_fee", f"instruction {index}: malformed or repeated budget")
        seen.add(tag)
        value = int.from_bytes(data[1:size], "little")
        if tag == _SET_UNIT_LIMIT:
            limit = value
        else:
            price = value
    if limit is None:
        others = sum(1 for program, _ in instructions if program != COMPUTE_BUDGET_PROGRAM)
        limit = DEFAULT_UNITS_PER_INSTRUCTION * others
    return fee_lamports(price, min(limit, MAX_UNITS))


def fee_lamports(micro_lamports_per_unit: int, units: int) -> int:
    """Price × units in lamports, rounded up as the runtime charges it."""
    return -(-micro_lamports_per_unit * units // 1_000_000)
