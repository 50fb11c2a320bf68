"""Provides the errors of the wallet and the RPC client, sorted by what the operator must do."""

from __future__ import annotations

from soltrader_tui.errors import TemporaryError, UserInputError


class WalletError(UserInputError):
    """The wallet's key cannot be loaded as configured; the message names the key and where.

    It never carries the secret: not the file's contents, not the variable's value.
    """

    title = "Wallet not loaded"


class RpcSetupError(UserInputError):
    """The RPC endpoint or an address given is unusable; the message names the config key."""


class RpcError(TemporaryError):
    """The RPC node gave no usable answer to a call; trying later may help."""

    def __init__(self, method: str, endpoint: str, reason: str) -> None:
        super().__init__(f"Solana RPC {endpoint}: {method} failed: {reason}")
        self.method = method
        self.reason = reason
