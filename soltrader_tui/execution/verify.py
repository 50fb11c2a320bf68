"""Provides the pure checks a swap transaction passes before our wallet signs it.

Two halves, both pure (the RPC reads are `verify_chain`'s): `inspect_transaction` reads the
transaction's bytes (who pays, who else signs and whether they did, which programs run, what
priority fee it bids), and `check_effects` compares our accounts before and after its
simulation (what it takes, what it gives, what else it touches). A failed check is a
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
_TOKEN_ACCOUNT_LEN = 165


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


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account of ours: its lamports and, for a token account, its token fields."""

    lamports: int
    token: TokenState | None


@dataclass(frozen=True, slots=True)
class TokenState:
    """The fields of an SPL token account that decide who can move what."""

    mint: str
    owner: str
    amount: int
    delegate: str | None
    close_authority: str | None


@dataclass(frozen=True, slots=True)
class SwapEffects:
    """What the simulation says the swap does to us."""

    input_spent: int
    output_received: int
    sol_spent_lamports: int
    """Lamports leaving the wallet: fees and the rent of accounts it creates."""


def _short(key: str) -> str:
    return f"{key[:6]}…" if len(key) > 8 else key


def check_order(order: SwapOrder, request: SwapRequest, limits: SwapLimits) -> Refused | None:
    """Whether Jupiter's order is the one we asked for, within our slippage cap."""
    asked = (request.input_mint, request.output_mint, request.amount)
    got = (order.input_mint, order.output_mint, order.in_amount)
    if got != asked:
        return Refused(
            "order",
            f"the order swaps {order.in_amount} of {_short(order.input_mint)} for "
            f"{_short(order.output_mint)}; we asked {request.amount} of "
            f"{_short(request.input_mint)} for {_short(request.output_mint)}",
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


def read_token_state(data: bytes) -> TokenState | None:
    """The token fields of an SPL (or Token-2022) token account; None for other data."""
    if len(data) < _TOKEN_ACCOUNT_LEN:
        return None

    def optional_key(at: int) -> str | None:
        tag = int.from_bytes(data[at : at + 4], "little")
        return str(Pubkey.from_bytes(data[at + 4 : at + 36])) if tag else None

    return TokenState(
        mint=str(Pubkey.from_bytes(data[0:32])),
        owner=str(Pubkey.from_bytes(data[32:64])),
        amount=int.from_bytes(data[64:72], "little"),
        delegate=optional_key(72),
        close_authority=optional_key(129),
    )


def _held(states: Mapping[str, AccountState | None], wallet: str) -> dict[str, int]:
    """Our token holdings per mint, over the accounts we own."""
    held: dict[str, int] = {}
    for state in states.values():
        if state is not None and state.token is not None and state.token.owner == wallet:
            held[state.token.mint] = held.get(state.token.mint, 0) + state.token.amount
    return held


def check_effects(
    before: Mapping[str, AccountState | None],
    after: Mapping[str, AccountState | None],
    *,
    wallet: str,
    order: SwapOrder,
    limits: SwapLimits,
) -> SwapEffects | Refused:
    """Compares our accounts before and after the simulation.

    Args:
        before: Each watched address (the wallet and our token accounts) before.
        after: The same addresses after the simulated run.
        wallet: Our wallet's public key.
        order: The order whose amounts the run must honour.
        limits: The SOL spending cap.
    """
    refused = _check_authorities(before, after, wallet)
    if refused is not None:
        return refused
    held_before, held_after = _held(before, wallet), _held(after, wallet)
    spent = held_before.get(order.input_mint, 0) - held_after.get(order.input_mint, 0)
    received = held_after.get(order.output_mint, 0) - held_before.get(order.output_mint, 0)
    if spent > order.in_amount:
        return Refused(
            "input",
            f"the simulation spends {spent} of {_short(order.input_mint)}; "
            f"the order says {order.in_amount}",
        )
    if received < order.other_amount_threshold:
        return Refused(
            "output",
            f"the simulation delivers {received} of {_short(order.output_mint)}; "
            f"the order's minimum is {order.other_amount_threshold}",
        )
    for mint, amount in held_before.items():
        if mint != order.input_mint and held_after.get(mint, 0) < amount:
            lost = amount - held_after.get(mint, 0)
            return Refused("other_account", f"the simulation debits {lost} of {mint} from us")
    wallet_before, wallet_after = before.get(wallet), after.get(wallet)
    sol_before = 0 if wallet_before is None else wallet_before.lamports
    sol_after = 0 if wallet_after is None else wallet_after.lamports
    sol_spent = sol_before - sol_after
    if sol_spent > limits.max_sol_spend_lamports:
        return Refused(
            "sol",
            f"the simulation takes {sol_spent} lamports from the wallet; "
            f"live.max_sol_spend_lamports is {limits.max_sol_spend_lamports}",
        )
    return SwapEffects(spent, received, sol_spent)


def _check_authorities(
    before: Mapping[str, AccountState | None],
    after: Mapping[str, AccountState | None],
    wallet: str,
) -> Refused | None:
    """No token account of ours changes hands, gains a delegate or a closer, or vanishes."""
    for address, old in before.items():
        if old is None or old.token is None or old.token.owner != wallet:
            continue
        new = after.get(address)
        if new is None or new.token is None:
            return Refused("other_account", f"the simulation closes our token account {address}")
        fields = ("owner", "delegate", "close_authority")
        for name in fields:
            if getattr(new.token, name) != getattr(old.token, name):
                return Refused(
                    "other_account",
                    f"the simulation changes the {name.replace('_', ' ')} of our token account "
                    f"{address} to {getattr(new.token, name)}",
                )
    for address, new in after.items():
        token = None if new is None else new.token
        created = before.get(address) is None and token is not None
        if created and token is not None and token.owner == wallet and token.delegate:
            return Refused("other_account", f"the simulation creates {address} with a delegate")
    return None
