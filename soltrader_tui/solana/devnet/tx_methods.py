"""Provides the devnet's transaction methods: send, simulate, statuses, getTransaction, fees.

Transactions come in base64 (the wire format, legacy or v0). Every landed transaction is
finalized at once: its status says `finalized` with `confirmations: null`.
"""

from __future__ import annotations

import base64
from typing import Final

from solders.message import from_bytes_versioned
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from soltrader_tui.solana.devnet.chain import LAMPORTS_PER_SIGNATURE, Chain
from soltrader_tui.solana.devnet.encoding import is_legacy, meta_json, transaction_json
from soltrader_tui.solana.devnet.landing import send, simulate
from soltrader_tui.solana.devnet.methods import Method, with_context
from soltrader_tui.solana.devnet.params import (
    INVALID_PARAMS,
    VERSION_UNSUPPORTED,
    Params,
    RpcError,
)

MAX_STATUSES: Final = 256
"""getSignatureStatuses' limit, as on Solana."""


def _transaction(params: Params, config: dict[str, object]) -> VersionedTransaction:
    raw = params.encoded_bytes(0, "transaction", config)
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except ValueError as exc:
        raise RpcError(
            INVALID_PARAMS,
            f"{params.method}: params[0] (transaction) failed to deserialize "
            f"VersionedTransaction: {exc}",
        ) from None
    if not tx.signatures:
        raise RpcError(INVALID_PARAMS, f"{params.method}: params[0] (transaction) has no signature")
    return tx


def send_transaction(chain: Chain, params: Params) -> object:
    """sendTransaction: the signature; preflight (unless skipPreflight) refuses a failing tx
    with -32002 and the simulation's err and logs."""
    config = params.config(1)
    tx = _transaction(params, config)
    skip = params.flag(config, "skipPreflight", False)
    return str(send(chain, tx, preflight=not skip))


def simulate_transaction(chain: Chain, params: Params) -> object:
    """simulateTransaction: err, logs, units, and the accounts asked for after the run."""
    config = params.config(1)
    tx = _transaction(params, config)
    sig_verify = params.flag(config, "sigVerify", False)
    replace = params.flag(config, "replaceRecentBlockhash", False)
    if sig_verify and replace:
        raise RpcError(
            INVALID_PARAMS,
            "simulateTransaction: sigVerify may not be used with replaceRecentBlockhash",
        )
    addresses = None
    wanted = config.get("accounts")
    if wanted is not None:
        if not isinstance(wanted, dict):
            raise RpcError(INVALID_PARAMS, "simulateTransaction: config.accounts is not an object")
        inner = Params("simulateTransaction", [wanted.get("addresses")])
        addresses = inner.pubkeys(0, "config.accounts.addresses")
        params.account_encoding(wanted)
    simulation = simulate(
        chain, tx, sig_verify=sig_verify, replace_blockhash=replace, addresses=addresses
    )
    return with_context(chain, simulation.value())


def _signature(params: Params, index: int, name: str, value: object) -> Signature:
    if isinstance(value, str):
        try:
            return Signature.from_string(value)
        except ValueError:
            pass
    raise RpcError(
        INVALID_PARAMS, f"{params.method}: params[{index}] ({name}) is not a signature: {value!r}"
    )


def get_signature_statuses(chain: Chain, params: Params) -> object:
    """getSignatureStatuses: one status per signature, null for one never landed."""
    raw = params.raw(0, "signatures")
    if not isinstance(raw, list) or len(raw) > MAX_STATUSES:
        raise RpcError(
            INVALID_PARAMS,
            f"getSignatureStatuses: params[0] (signatures) must be an array of at most "
            f"{MAX_STATUSES} signatures",
        )
    params.config(1)
    statuses: list[object] = []
    for i, value in enumerate(raw):
        landed = chain.landed.get(_signature(params, 0, f"signatures[{i}]", value))
        if landed is None:
            statuses.append(None)
            continue
        status = {"Ok": None} if landed.err is None else {"Err": landed.err}
        statuses.append(
            {
                "slot": landed.slot,
                "confirmations": None,
                "err": landed.err,
                "status": status,
                "confirmationStatus": "finalized",
            }
        )
    return with_context(chain, statuses)


def get_transaction(chain: Chain, params: Params) -> object:
    """getTransaction: the landed transaction with its meta (fee, balances, token balances)."""
    signature = _signature(params, 0, "signature", params.raw(0, "signature"))
    config = params.config(1)
    encoding = config.get("encoding", "json")
    if encoding not in ("json", "base64"):
        raise RpcError(
            INVALID_PARAMS,
            f"getTransaction: config.encoding {encoding!r} is not supported by the devnet; "
            "ask for json or base64",
        )
    landed = chain.landed.get(signature)
    if landed is None:
        return None
    max_version = config.get("maxSupportedTransactionVersion")
    if not is_legacy(landed.tx) and max_version is None:
        raise RpcError(
            VERSION_UNSUPPORTED,
            "Transaction version (0) is not supported by the requesting client. Please try the "
            "request again with the following configuration parameter: "
            '"maxSupportedTransactionVersion": 0',
        )
    if encoding == "json":
        transaction: object = transaction_json(landed.tx)
    else:
        transaction = [base64.b64encode(bytes(landed.tx)).decode(), "base64"]
    answer: dict[str, object] = {
        "slot": landed.slot,
        "blockTime": landed.block_time,
        "transaction": transaction,
        "meta": meta_json(landed),
    }
    if max_version is not None:
        answer["version"] = "legacy" if is_legacy(landed.tx) else 0
    return answer


def get_fee_for_message(chain: Chain, params: Params) -> object:
    """getFeeForMessage: the base fee (5000 lamports a signature; priority fees not added)."""
    raw = params.encoded_bytes(0, "message", {"encoding": "base64"})
    try:
        message = from_bytes_versioned(raw)
    except ValueError as exc:
        raise RpcError(
            INVALID_PARAMS, f"getFeeForMessage: params[0] (message) failed to deserialize: {exc}"
        ) from None
    params.config(1)
    if not chain.is_valid(message.recent_blockhash):
        return with_context(chain, None)
    return with_context(chain, LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures)


TX_METHODS: Final[dict[str, Method]] = {
    "sendTransaction": send_transaction,
    "simulateTransaction": simulate_transaction,
    "getSignatureStatuses": get_signature_statuses,
    "getTransaction": get_transaction,
    "getFeeForMessage": get_fee_for_message,
}
