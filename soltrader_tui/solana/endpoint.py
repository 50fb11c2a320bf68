"""Provides the RPC endpoint a config names, and the metered policy of the `solana_rpc` provider.

A key-bearing URL (`https://…/?api-key=K`, or a token in the path) comes from the environment
variable the config names; it is shown as that variable's name and its host, never in full,
and every part of it that could hold the key is redacted from the client's messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from soltrader_tui.config.model import SolanaConfig
from soltrader_tui.net.policy import ProviderPolicy
from soltrader_tui.solana.errors import RpcSetupError

SOLANA_RPC = "solana_rpc"
"""The provider name the API panel and usage rows show for RPC calls."""


@dataclass(frozen=True, slots=True)
class RpcEndpoint:
    """Where RPC calls go, and how the endpoint may be shown."""

    url: str = field(repr=False)
    label: str
    """Safe to show: the configured URL, or the env var's name and the host."""
    secret_parts: tuple[str, ...] = field(default=(), repr=False)
    """Parts of the URL that may hold a key (path, query, user info)."""

    def __str__(self) -> str:
        return self.label


def rpc_endpoint(config: SolanaConfig, environ: Mapping[str, str] | None = None) -> RpcEndpoint:
    """The endpoint: `solana.rpc_url_env`'s value when set and not empty, else `rpc_url`.

    Args:
        config: The `solana` section.
        environ: The environment (default: the process's).

    Raises:
        RpcSetupError: The URL is not an http(s) URL with a host; the message names the key
            or the variable, not a keyed URL's value.
    """
    env = os.environ if environ is None else environ
    keyed = env.get(config.rpc_url_env, "").strip()
    if not keyed:
        _check_url(config.rpc_url, f"solana.rpc_url {config.rpc_url!r}")
        return RpcEndpoint(config.rpc_url, config.rpc_url)
    where = f"the environment variable {config.rpc_url_env} (solana.rpc_url_env)"
    parts = _check_url(keyed, where)
    secrets = [keyed]
    if parts.path not in ("", "/"):
        secrets.append(parts.path.strip("/"))
    secrets.extend(part for part in (parts.query, parts.username, parts.password) if part)
    label = f"{parts.scheme}://{parts.hostname} (from ${config.rpc_url_env})"
    return RpcEndpoint(keyed, label, tuple(secrets))


def _check_url(url: str, where: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading it checks the port
    except ValueError:
        raise RpcSetupError(f"{where} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RpcSetupError(f"{where} is not an http:// or https:// URL with a host")
    return parts


def solana_rpc_policy(config: SolanaConfig, endpoint: RpcEndpoint) -> ProviderPolicy:
    """The metered client's policy for RPC calls: the configured limit and timeout.

    A breaker that opens after 5 failed calls and a 4-attempt budget for reads (a write is
    one attempt, see `MeteredClient.post_json`), as for the other providers.
    """
    return ProviderPolicy(
        SOLANA_RPC,
        config.requests_per_minute,
        60.0,
        timeout_s=config.timeout_s,
        secret_parts=endpoint.secret_parts,
    )
