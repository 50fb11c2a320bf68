"""Provides verify_before_signing: a Jupiter order checked on chain before our wallet signs it.

The order's own terms and the transaction's bytes are checked first (`verify`), then the
transaction is simulated on the node with our accounts (the wallet, every token account it
has, and the associated accounts of the two mints, which a swap may create) read before and
asked back after the run. Lookup tables the message uses are read and resolved first (a
missing one, or an index past its end, is refused). Only a transaction whose simulated
effects honour the order is `Approved`; `sign` signs exactly the message that was
simulated. A failed read raises `RpcError`: unverified, nothing is signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.token.associated import get_associated_token_address
from solders.transaction import VersionedTransaction

from soltrader_tui.execution.jupiter_swap import SwapOrder, SwapRequest
from soltrader_tui.execution.swap_effects import (
    AccountState,
    SwapEffects,
    check_effects,
    read_token_state,
)
from soltrader_tui.execution.verify import (
    Inspected,
    Refused,
    SwapLimits,
    check_order,
    inspect_transaction,
    resolve_lookups,
)
from soltrader_tui.solana.accounts import TOKEN_2022_PROGRAM, TOKEN_PROGRAM, ChainAccount
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.wallet import Wallet

_MAX_WATCHED = 100
"""getMultipleAccounts' limit: a wallet with more token accounts is refused (close some)."""


@dataclass(frozen=True, slots=True)
class Approved:
    """A transaction every check passed: ok to sign."""

    order: SwapOrder
    tx: VersionedTransaction
    """The unsigned transaction, exactly as simulated."""
    message: bytes
    effects: SwapEffects
    """What the simulation says it does to us."""
    priority_fee_lamports: int
    base_fee_lamports: int


def _state(account: ChainAccount | None) -> AccountState | None:
    if account is None:
        return None
    token = None
    if account.owner in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM):
        token = read_token_state(account.data)
    return AccountState(account.lamports, token)


async def watched_addresses(rpc: SolanaRpc, wallet: str, mints: tuple[str, ...]) -> list[str]:
    """The wallet, its token accounts, and the associated accounts of `mints` under both
    token programs (absent ones included: a swap may create them)."""
    owner = Pubkey.from_string(wallet)
    derived = [
        str(get_associated_token_address(owner, Pubkey.from_string(mint), Pubkey.from_string(p)))
        for mint in mints
        for p in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)
    ]
    own = await rpc.token_account_addresses(wallet)
    return list(dict.fromkeys([wallet, *own, *derived]))


async def verify_before_signing(
    rpc: SolanaRpc,
    order: SwapOrder,
    request: SwapRequest,
    limits: SwapLimits,
    watched: list[str] | None = None,
) -> Approved | Refused:
    """Checks an order and its transaction; simulates it; compares our accounts.

    Args:
        rpc: The node to read and simulate on.
        order: Jupiter's order.
        request: What we asked for (our wallet is its `taker`).
        limits: The `live` section's caps and allowlist.
        watched: `watched_addresses` for the request, if already read (the live executor reads
            them while Jupiter builds the order).

    Raises:
        RpcError: A read or the simulation could not be made: nothing may be signed.
    """
    refused = check_order(order, request, limits)
    if refused is not None:
        return refused
    inspected = inspect_transaction(order.transaction, request.taker, limits)
    if isinstance(inspected, Refused):
        return inspected
    if inspected.lookups:
        loaded = await _resolve(rpc, inspected, request.taker)
        if isinstance(loaded, Refused):
            return loaded
    addresses = watched
    if addresses is None:
        addresses = await watched_addresses(
            rpc, request.taker, (request.input_mint, request.output_mint)
        )
    if len(addresses) > _MAX_WATCHED:
        reason = f"the wallet has {len(addresses)} accounts to watch; at most {_MAX_WATCHED}"
        return Refused("accounts", reason)
    before = await rpc.accounts(addresses)
    simulation = await rpc.simulate(order.transaction, addresses)
    if simulation.err is not None:
        last = simulation.logs[-1] if simulation.logs else "no logs"
        return Refused("simulation", f"the simulation failed: {simulation.err} ({last})")
    effects = check_effects(
        {a: _state(acc) for a, acc in zip(addresses, before, strict=True)},
        {a: _state(acc) for a, acc in zip(addresses, simulation.accounts, strict=True)},
        wallet=request.taker,
        order=order,
        limits=limits,
    )
    if isinstance(effects, Refused):
        return effects
    return Approved(
        order,
        inspected.tx,
        inspected.message,
        effects,
        inspected.priority_fee_lamports,
        inspected.base_fee_lamports,
    )


async def _resolve(rpc: SolanaRpc, inspected: Inspected, wallet: str) -> tuple[str, ...] | Refused:
    """Reads the lookup tables the message uses and resolves what it loads from them."""
    keys = [use.table for use in inspected.lookups]
    accounts = await rpc.accounts(keys)
    tables = {
        key: None if account is None else (account.owner, account.data)
        for key, account in zip(keys, accounts, strict=True)
    }
    return resolve_lookups(inspected.lookups, tables, wallet)


def sign(approved: Approved, wallet: Wallet) -> bytes:
    """Signs the approved message as the fee payer; returns the wire transaction.

    Raises:
        ValueError: `wallet` is not the transaction's fee payer.
    """
    tx = approved.tx
    if str(tx.message.account_keys[0]) != wallet.pubkey:
        raise ValueError(f"wallet {wallet.pubkey} is not this transaction's fee payer")
    signatures = list(tx.signatures)
    signatures[0] = Signature.from_bytes(wallet.sign_message(approved.message))
    return bytes(VersionedTransaction.populate(tx.message, signatures))
