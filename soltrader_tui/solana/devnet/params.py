"""Provides Params, a method's positional JSON-RPC params read with messages naming what is wrong.

Every refusal is an `RpcError` carrying the JSON-RPC code and a message that names the method,
the parameter's position and name, and what was given, so a test or a client log says what to fix.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Final

from solders.pubkey import Pubkey

INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
PARSE_ERROR: Final = -32700
PREFLIGHT_FAILED: Final = -32002
"""Solana's "Transaction simulation failed" (its data is the simulation result)."""
SIGNATURE_FAILED: Final = -32003
"""Solana's "Transaction signature verification failure"."""
VERSION_UNSUPPORTED: Final = -32015
"""Solana's "Transaction version (0) is not supported by the requesting client"."""


class RpcError(Exception):
    """A JSON-RPC error answer: code, message and optional data."""

    def __init__(self, code: int, message: str, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, object]:
        """The `error` member of the response."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


@dataclass(frozen=True, slots=True)
class Params:
    """A request's params (a JSON array), with its method name for the messages."""

    method: str
    values: list[object]

    def _bad(self, index: int, name: str, why: str) -> RpcError:
        return RpcError(INVALID_PARAMS, f"{self.method}: params[{index}] ({name}) {why}")

    def raw(self, index: int, name: str, *, required: bool = True) -> object:
        """The value at `index`; a missing required one is refused."""
        if index < len(self.values):
            return self.values[index]
        if required:
            raise self._bad(index, name, "is missing")
        return None

    def pubkey(self, index: int, name: str) -> Pubkey:
        """A base-58 public key."""
        value = self.raw(index, name)
        if isinstance(value, str):
            try:
                return Pubkey.from_string(value)
            except ValueError:
                pass
        raise self._bad(index, name, f"is not a base-58 public key: {value!r}")

    def pubkeys(self, index: int, name: str) -> list[Pubkey]:
        """An array of base-58 public keys."""
        value = self.raw(index, name)
        if not isinstance(value, list):
            raise self._bad(index, name, f"is not an array of public keys: {value!r}")
        return [Params(self.method, value).pubkey(i, f"{name}[{i}]") for i in range(len(value))]

    def integer(self, index: int, name: str, *, minimum: int = 0) -> int:
        """A whole number >= `minimum` (JSON booleans are refused)."""
        value = self.raw(index, name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        raise self._bad(index, name, f"is not a whole number >= {minimum}: {value!r}")

    def config(self, index: int) -> dict[str, object]:
        """The optional configuration object; absent or null is empty."""
        value = self.raw(index, "config", required=False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self._bad(index, "config", f"is not an object: {value!r}")
        return value

    def flag(self, config: dict[str, object], key: str, default: bool) -> bool:
        """A boolean member of the config object."""
        value = config.get(key, default)
        if not isinstance(value, bool):
            raise RpcError(INVALID_PARAMS, f"{self.method}: config.{key} is not a boolean")
        return value

    def encoded_bytes(self, index: int, name: str, config: dict[str, object]) -> bytes:
        """Bytes given as base64 (`config.encoding` "base64"; base58 is refused by name)."""
        encoding = config.get("encoding", "base58")
        value = self.raw(index, name)
        if encoding != "base64":
            raise RpcError(
                INVALID_PARAMS,
                f"{self.method}: config.encoding {encoding!r} is not supported by the devnet; "
                "send base64",
            )
        if not isinstance(value, str):
            raise self._bad(index, name, "is not a base64 string")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise self._bad(index, name, "is not valid base64") from None

    def account_encoding(self, config: dict[str, object]) -> None:
        """Refuses an account encoding other than base64 (the only one served)."""
        encoding = config.get("encoding", "base64")
        if encoding != "base64":
            raise RpcError(
                INVALID_PARAMS,
                f"{self.method}: config.encoding {encoding!r} is not supported by the devnet; "
                "ask for base64",
            )
