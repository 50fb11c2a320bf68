"""Provides send and simulate: a transaction through LiteSVM, with Solana's preflight and records.

LiteSVM returns neither balances before and after nor token balances, so `send` reads the
transaction's accounts around the call; a failed transaction whose fee was charged landed (as on
Solana, with its error), one that was not (a stale blockhash, an unfunded payer) never lands.
Callers hold `chain.lock`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from soltrader_tui.solana.devnet.accounts import read_holding, read_mint
from soltrader_tui.solana.devnet.chain import Chain, LandedTx, TokenBalance, block_time
from soltrader_tui.solana.devnet.encoding import account_json, error_json
from soltrader_tui.solana.devnet.params import PREFLIGHT_FAILED, SIGNATURE_FAILED, RpcError


@dataclass(frozen=True, slots=True)
class Simulation:
    """What simulateTransaction answers, before it becomes JSON."""

    err: object | None
    logs: list[str]
    units: int
    accounts: list[Account | None] | None
    """The requested accounts after the simulation; None when none were asked or it failed."""
    return_data: tuple[Pubkey, bytes] | None
    replacement: tuple[Hash, int] | None

    def value(self) -> dict[str, object]:
        """The RPC's simulation result object."""
        accounts = None if self.accounts is None else [account_json(a) for a in self.accounts]
        returned = None
        if self.return_data is not None:
            program, data = self.return_data
            encoded = [base64.b64encode(data).decode(), "base64"]
            returned = {"programId": str(program), "data": encoded}
        replacement = None
        if self.replacement is not None:
            blockhash, last_valid = self.replacement
            replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid}
        return {
            "err": self.err,
            "logs": self.logs,
            "accounts": accounts,
            "unitsConsumed": self.units,
            "returnData": returned,
            "innerInstructions": None,
            "replacementBlockhash": replacement,
        }


@contextmanager
def _checks(chain: Chain, blockhash: Hash, *, sig_verify: bool, any_hash: bool) -> Iterator[None]:
    """LiteSVM's checks for one call: signatures as asked, and the blockhash check off for a
    hash still in its lifetime (LiteSVM knows only the latest); both back on afterwards."""
    chain.svm.with_sigverify(sig_verify)
    chain.svm.with_blockhash_check(not (any_hash or chain.is_valid(blockhash)))
    try:
        yield
    finally:
        chain.svm.with_sigverify(True)
        chain.svm.with_blockhash_check(True)


def _return_data(meta: TransactionMetadata) -> tuple[Pubkey, bytes] | None:
    returned = meta.return_data()
    data = bytes(returned.data)
    return (returned.program_id, data) if data else None


def simulate(
    chain: Chain,
    tx: VersionedTransaction,
    *,
    sig_verify: bool,
    replace_blockhash: bool,
    addresses: Sequence[Pubkey] | None = None,
) -> Simulation:
    """Runs the transaction without committing it; returns its error, logs and the accounts."""
    replacement = chain.latest_blockhash() if replace_blockhash else None
    with _checks(
        chain, tx.message.recent_blockhash, sig_verify=sig_verify, any_hash=replace_blockhash
    ):
        result = chain.svm.simulate_transaction(tx)
    if isinstance(result, FailedTransactionMetadata):
        meta = result.meta()
        return Simulation(
            error_json(result.to_json()),
            list(meta.logs()),
            meta.compute_units_consumed(),
            None,
            _return_data(meta),
            replacement,
        )
    meta = result.meta()
    after = dict(result.post_accounts())
    accounts = None
    if addresses is not None:
        accounts = [after[a] if a in after else chain.account(a) for a in addresses]
    logs, units = list(meta.logs()), meta.compute_units_consumed()
    return Simulation(None, logs, units, accounts, _return_data(meta), replacement)


def describe(err: object) -> str:
    """Solana's wording of a transaction error, for the preflight message."""
    if err == "BlockhashNotFound":
        return "Blockhash not found"
    if isinstance(err, dict) and "InstructionError" in err:
        index, detail = err["InstructionError"]
        if isinstance(detail, dict) and "Custom" in detail:
            detail = f"custom program error: {detail['Custom']:#x}"
        return f"Error processing Instruction {index}: {detail}"
    return str(err)


def send(chain: Chain, tx: VersionedTransaction, *, preflight: bool) -> Signature:
    """Sends a transaction; returns its signature once it has landed (or been lost on purpose).

    Raises:
        RpcError: -32002 with the simulation as its data when preflight is on and fails;
            -32003 when a signature does not verify.
    """
    signature = tx.signatures[0]
    if preflight:
        simulation = simulate(chain, tx, sig_verify=True, replace_blockhash=False)
        if simulation.err == "SignatureFailure":
            raise RpcError(SIGNATURE_FAILED, "Transaction signature verification failure")
        if simulation.err is not None:
            message = f"Transaction simulation failed: {describe(simulation.err)}"
            raise RpcError(PREFLIGHT_FAILED, message, simulation.value())
    if chain.drop_next:
        chain.drop_next -= 1
        return signature
    keys = list(tx.message.account_keys)
    pre_balances, pre_tokens = _balances(chain, keys), _token_balances(chain, keys)
    with _checks(chain, tx.message.recent_blockhash, sig_verify=True, any_hash=False):
        result = chain.svm.send_transaction(tx)
    post_balances = _balances(chain, keys)
    if isinstance(result, FailedTransactionMetadata):
        if post_balances[0] == pre_balances[0]:
            return signature  # refused before its fee: it never lands, as on Solana
        meta, err = result.meta(), error_json(result.to_json())
    else:
        meta, err = result, None
    chain.advance(1)
    landed = LandedTx(
        tx=tx,
        slot=chain.height,
        block_time=block_time(),
        err=err,
        fee=meta.fee(),
        logs=tuple(meta.logs()),
        compute_units=meta.compute_units_consumed(),
        pre_balances=pre_balances,
        post_balances=post_balances,
        pre_tokens=pre_tokens,
        post_tokens=_token_balances(chain, keys),
    )
    chain.record(signature, landed)
    return signature


def _balances(chain: Chain, keys: Sequence[Pubkey]) -> tuple[int, ...]:
    return tuple(chain.svm.get_balance(k) or 0 for k in keys)


def _token_balances(chain: Chain, keys: Sequence[Pubkey]) -> tuple[TokenBalance, ...]:
    found: list[TokenBalance] = []
    for index, key in enumerate(keys):
        holding = read_holding(chain.account(key))
        if holding is None:
            continue
        mint = read_mint(chain.account(holding.mint))
        decimals = 0 if mint is None else mint.decimals
        found.append(
            TokenBalance(
                index, holding.mint, holding.owner, holding.program, holding.amount, decimals
            )
        )
    return tuple(found)
