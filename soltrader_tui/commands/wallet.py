"""Provides `wallet`: the trading wallet's public key and balances, read over RPC."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.commands.common import EXIT_OK, fail_with
from soltrader_tui.errors import SoltraderError

if TYPE_CHECKING:
    from soltrader_tui.config.model import SolanaConfig
    from soltrader_tui.solana.balances import WalletBalances
    from soltrader_tui.solana.endpoint import RpcEndpoint
    from soltrader_tui.solana.wallet import LoadedWallet


def wallet_command(args: argparse.Namespace) -> int:
    """Prints the wallet's public key and its SOL, USDC and other token balances.

    Returns:
        0 when read; 2 for a bad config or key (the message names which); 1 when the RPC node
        did not answer (trying later may help).
    """
    import asyncio

    from soltrader_tui.config.load import load_config
    from soltrader_tui.config.paths import find_config
    from soltrader_tui.solana.endpoint import rpc_endpoint
    from soltrader_tui.solana.wallet import load_wallet

    path = find_config(args.config, Path.cwd())
    try:
        loaded = load_config(path)
        solana = loaded.config.solana
        folder = loaded.path.parent if loaded.path is not None else Path.cwd()
        wallet = load_wallet(solana, folder)
        for notice in wallet.notices:
            print(f"soltrader-tui: warning: {notice}", file=sys.stderr)
        endpoint = rpc_endpoint(solana)
        balances = asyncio.run(_read(solana, endpoint, wallet.wallet.pubkey))
    except SoltraderError as exc:
        return fail_with(exc)
    if args.json:
        print(json.dumps(wallet_json(balances, wallet, endpoint), indent=2, ensure_ascii=False))
    else:
        print(render_wallet(balances, wallet, endpoint))
    return EXIT_OK


async def _read(config: SolanaConfig, endpoint: RpcEndpoint, pubkey: str) -> WalletBalances:
    from soltrader_tui.net.client import MeteredClient
    from soltrader_tui.solana.balances import read_balances
    from soltrader_tui.solana.endpoint import SOLANA_RPC, solana_rpc_policy
    from soltrader_tui.solana.rpc import SolanaRpc

    policy = solana_rpc_policy(config, endpoint)
    async with MeteredClient({SOLANA_RPC: policy}) as metered, SolanaRpc(endpoint, metered) as rpc:
        return await read_balances(rpc, pubkey, config.usdc_mint)


def render_wallet(balances: WalletBalances, loaded: LoadedWallet, endpoint: RpcEndpoint) -> str:
    """The text report: the key, where it came from, the RPC node, one line per balance."""
    from soltrader_tui.solana.accounts import TokenAmount
    from soltrader_tui.solana.balances import SOL_DECIMALS, exact, symbol_of

    rows = [("SOL", exact(TokenAmount(balances.lamports, SOL_DECIMALS)))]
    rows.append(("USDC", exact(balances.usdc)))
    rows.extend((symbol_of(b.mint, balances.usdc_mint), exact(b.amount)) for b in balances.tokens)
    width = max(len(symbol) for symbol, _ in rows)
    lines = [
        f"wallet  {balances.pubkey}",
        f"key     {loaded.source}",
        f"rpc     {endpoint.label}",
        "",
    ]
    lines.extend(f"{symbol:<{width}}  {amount}" for symbol, amount in rows)
    return "\n".join(lines)


def wallet_json(
    balances: WalletBalances, loaded: LoadedWallet, endpoint: RpcEndpoint
) -> dict[str, object]:
    """The `--json` report: amounts in base units with their decimals, and as exact text."""
    from soltrader_tui.solana.accounts import TokenAmount
    from soltrader_tui.solana.balances import SOL_DECIMALS, exact, symbol_of

    tokens = [
        {
            "mint": balances.usdc_mint,
            "symbol": "USDC",
            "amount": balances.usdc.amount,
            "decimals": balances.usdc.decimals,
            "ui_amount": exact(balances.usdc),
        },
    ]
    tokens.extend(
        {
            "mint": b.mint,
            "symbol": symbol_of(b.mint, balances.usdc_mint),
            "amount": b.amount.amount,
            "decimals": b.amount.decimals,
            "ui_amount": exact(b.amount),
        }
        for b in balances.tokens
    )
    sol = exact(TokenAmount(balances.lamports, SOL_DECIMALS))
    return {
        "pubkey": balances.pubkey,
        "key_source": loaded.source,
        "rpc": endpoint.label,
        "sol": {"lamports": balances.lamports, "ui_amount": sol},
        "tokens": tokens,
    }
