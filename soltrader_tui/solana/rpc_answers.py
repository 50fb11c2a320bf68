"""Provides the readers of the raw JSON-RPC answers SolanaRpc asks for without solana-py.

solana-py has no `accounts` option for `simulateTransaction`, so those calls are made as plain
JSON-RPC through the metered client; these pure functions turn their `result` into this
package's types, and anything malformed into a `ValueError` naming the field.
"""

from __future__ import annotations

import base64
import binascii

from soltrader_tui.solana.accounts import ChainAccount, SignatureStatus, Simulation


def field_of(value: object, name: str) -> object:
    if not isinstance(value, dict) or name not in value:
        raise ValueError(f"{name} is missing")
    return value[name]


def int_field(value: object, name: str) -> int:
    found = field_of(value, name)
    if not isinstance(found, int) or isinstance(found, bool):
        raise ValueError(f"{name} is {type(found).__name__}, not an integer")
    return found


def str_field(value: object, name: str) -> str:
    found = field_of(value, name)
    if not isinstance(found, str):
        raise ValueError(f"{name} is {type(found).__name__}, not text")
    return found


def read_account(value: object, where: str) -> ChainAccount | None:
    """An account object in base64 encoding (`{lamports, owner, data: [b64, "base64"]}`)."""
    if value is None:
        return None
    try:
        lamports = int_field(value, "lamports")
        owner = str_field(value, "owner")
        data = field_of(value, "data")
        if (
            not isinstance(data, list)
            or len(data) != 2
            or data[1] != "base64"
            or not isinstance(data[0], str)
        ):
            raise ValueError('data is not [text, "base64"]')
        raw = base64.b64decode(data[0], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"{where}: {exc}") from None
    return ChainAccount(lamports, owner, raw)


def read_value(result: object, method: str) -> object:
    """The `value` of a result with context (`{context, value}`)."""
    if not isinstance(result, dict) or "value" not in result:
        raise ValueError(f"{method}: result.value is missing")
    return result["value"]


def read_accounts(result: object, count: int) -> tuple[ChainAccount | None, ...]:
    """`getMultipleAccounts`' value: one account (or None) per address asked."""
    value = read_value(result, "getMultipleAccounts")
    if not isinstance(value, list) or len(value) != count:
        raise ValueError(f"getMultipleAccounts: result.value is not a list of {count} accounts")
    return tuple(read_account(item, f"result.value[{i}]") for i, item in enumerate(value))


def read_simulation(result: object, count: int) -> Simulation:
    """`simulateTransaction`'s value; the accounts are empty when it failed."""
    value = read_value(result, "simulateTransaction")
    if not isinstance(value, dict):
        raise ValueError("simulateTransaction: result.value is not an object")
    err = value.get("err")
    logs = value.get("logs") or []
    units = value.get("unitsConsumed") or 0
    if not isinstance(logs, list) or not isinstance(units, int):
        raise ValueError("simulateTransaction: result.value.logs or unitsConsumed is malformed")
    raw_accounts = value.get("accounts")
    if err is not None or raw_accounts is None:
        return Simulation(err, tuple(str(line) for line in logs), units, ())
    if not isinstance(raw_accounts, list) or len(raw_accounts) != count:
        raise ValueError(f"simulateTransaction: result.value.accounts is not {count} accounts")
    accounts = tuple(
        read_account(item, f"result.value.accounts[{i}]") for i, item in enumerate(raw_accounts)
    )
    return Simulation(None, tuple(str(line) for line in logs), units, accounts)


def read_statuses(result: object, count: int) -> tuple[SignatureStatus | None, ...]:
    """`getSignatureStatuses`' value: one status (None: not seen) per signature."""
    value = read_value(result, "getSignatureStatuses")
    if not isinstance(value, list) or len(value) != count:
        raise ValueError(f"getSignatureStatuses: result.value is not {count} statuses")
    statuses: list[SignatureStatus | None] = []
    for i, item in enumerate(value):
        if item is None:
            statuses.append(None)
            continue
        try:
            slot = int_field(item, "slot")
        except ValueError as exc:
            raise ValueError(f"getSignatureStatuses: result.value[{i}]: {exc}") from None
        confirmation = item.get("confirmationStatus") if isinstance(item, dict) else None
        err = item.get("err") if isinstance(item, dict) else None
        status = SignatureStatus(slot, err, confirmation if isinstance(confirmation, str) else None)
        statuses.append(status)
    return tuple(statuses)
