"""Provides the JSON shapes of Solana's RPC: accounts, transactions, token balances, errors."""

from __future__ import annotations

import base64
import json
from typing import Final

from solders.account import Account
from solders.message import MessageV0
from solders.transaction import VersionedTransaction

from soltrader_tui.solana.devnet.accounts import ui_amount
from soltrader_tui.solana.devnet.chain import LandedTx, TokenBalance

_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RENT_EPOCH_EXEMPT: Final = 2**64 - 1
"""The rentEpoch every rent-exempt account reports."""


def base58(data: bytes) -> str:
    """Base-58 text of `data` (Bitcoin's alphabet, as Solana uses for instruction data)."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _ALPHABET[digit] + out
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + out


def account_json(account: Account | None) -> dict[str, object] | None:
    """The RPC's account object, data in base64; None for an absent account."""
    if account is None:
        return None
    data = bytes(account.data)
    return {
        "lamports": account.lamports,
        "owner": str(account.owner),
        "data": [base64.b64encode(data).decode(), "base64"],
        "executable": account.executable,
        "rentEpoch": RENT_EPOCH_EXEMPT,
        "space": len(data),
    }


def error_json(raw_json: str) -> object:
    """The `err` member of a solders result's own JSON (its TransactionError as the RPC spells
    it, e.g. `{"InstructionError": [0, {"Custom": 1}]}` or `"BlockhashNotFound"`)."""
    loaded = json.loads(raw_json)
    return loaded.get("err") if isinstance(loaded, dict) else None


def token_balance_json(balance: TokenBalance) -> dict[str, object]:
    """One entry of meta.preTokenBalances / postTokenBalances."""
    return {
        "accountIndex": balance.account_index,
        "mint": str(balance.mint),
        "owner": str(balance.owner),
        "programId": str(balance.program),
        "uiTokenAmount": ui_amount(balance.amount, balance.decimals),
    }


def transaction_json(tx: VersionedTransaction) -> dict[str, object]:
    """The RPC's `json` encoding of a transaction."""
    message = tx.message
    header = message.header
    body: dict[str, object] = {
        "accountKeys": [str(k) for k in message.account_keys],
        "header": {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        },
        "recentBlockhash": str(message.recent_blockhash),
        "instructions": [
            {
                "programIdIndex": ix.program_id_index,
                "accounts": list(ix.accounts),
                "data": base58(bytes(ix.data)),
                "stackHeight": None,
            }
            for ix in message.instructions
        ],
    }
    if isinstance(message, MessageV0):
        body["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "writableIndexes": list(lookup.writable_indexes),
                "readonlyIndexes": list(lookup.readonly_indexes),
            }
            for lookup in message.address_table_lookups
        ]
    return {"signatures": [str(s) for s in tx.signatures], "message": body}


def meta_json(landed: LandedTx) -> dict[str, object]:
    """The RPC's transaction status meta."""
    return {
        "err": landed.err,
        "status": {"Ok": None} if landed.err is None else {"Err": landed.err},
        "fee": landed.fee,
        "preBalances": list(landed.pre_balances),
        "postBalances": list(landed.post_balances),
        "innerInstructions": [],
        "logMessages": list(landed.logs),
        "preTokenBalances": [token_balance_json(b) for b in landed.pre_tokens],
        "postTokenBalances": [token_balance_json(b) for b in landed.post_tokens],
        "rewards": [],
        "loadedAddresses": {"writable": [], "readonly": []},
        "computeUnitsConsumed": landed.compute_units,
    }


def is_legacy(tx: VersionedTransaction) -> bool:
    """Whether the transaction is a legacy one (not a v0 message)."""
    return not isinstance(tx.message, MessageV0)
