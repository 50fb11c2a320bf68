"""Provides the metered HTTP client every outbound call goes through, and its usage types."""

from __future__ import annotations

from soltrader_tui.net.breaker import CircuitState
from soltrader_tui.net.client import MeteredClient
from soltrader_tui.net.errors import (
    ClientStopping,
    ProviderError,
    ProviderUnavailable,
    RequestFailed,
)
from soltrader_tui.net.policy import ProviderPolicy
from soltrader_tui.net.usage import ProviderUsage

__all__ = [
    "CircuitState",
    "ClientStopping",
    "MeteredClient",
    "ProviderError",
    "ProviderPolicy",
    "ProviderUnavailable",
    "ProviderUsage",
    "RequestFailed",
]
