"""Provides read_balances: what a wallet holds (SOL, USDC, other tokens), read over RPC."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from soltrader_tui.solana.accounts import TokenAmount, TokenBalance
from soltrader_tui.solana.rpc import SolanaRpc

KNOWN_SYMBOLS = {
    "So11111111111111111111111111111111111111112": "wSOL",
    "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB": "USDT",
    "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN": "JUP",
    "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263": "BONK",
    "EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm": "WIF",
}
"""Mainnet mints shown by symbol; any other is shown as its shortened address."""
DEVNET_SYMBOLS = {
    "Gu7ar2HQ9MzAav9ceoEt9GYBxCc9BkcPS7Seb88j7QQY": "dUSDC",
    "6jSvhkizYejafZUP67GgK7X7MwWoycvMa6y5Z5vFHp3c": "CLEAN",
    "FwKgBvjy6ihsSyLhiMiBjsEFacsVJCvv3qu42a4mGnUe": "MINTY",
    "5ciFofDwPd5wPgHSSLs8p56ii6YEHFMTysJFKsGttKC4": "FROST",
    "3qRJEMqZj4pdePk8sxoKbv7MkF8aCBQ7NxiZLccBxQqU": "WHALE",
    "EerbLAEi6n7i6vNbmMQRTDiLeLQK4TWU1qFC1DJAH79Y": "FEE22",
}
"""The local devnet's demo mints (fixed addresses; a test checks them against the world), so
the demo shows symbols without loading the chain."""
USDC_DECIMALS = 6
SOL_DECIMALS = 9


@dataclass(frozen=True, slots=True)
class WalletBalances:
    """A wallet's holdings at one moment, in base units."""

    pubkey: str
    lamports: int
    usdc_mint: str
    usdc: TokenAmount
    """The configured USDC mint's balance (0 when the wallet has no USDC account)."""
    tokens: tuple[TokenBalance, ...]
    """Every other mint with a balance above zero, sorted by mint."""


async def read_balances(rpc: SolanaRpc, pubkey: str, usdc_mint: str) -> WalletBalances:
    """Reads the wallet's SOL and token balances (three RPC reads, one more per 100 mints).

    Raises:
        RpcError: A call failed; the message names the method and the endpoint.
    """
    lamports = await rpc.sol_balance(pubkey)
    held = await rpc.token_balances(pubkey)
    usdc = next((b.amount for b in held if b.mint == usdc_mint), TokenAmount(0, USDC_DECIMALS))
    others = tuple(b for b in held if b.mint != usdc_mint and b.amount.amount > 0)
    return WalletBalances(pubkey, lamports, usdc_mint, usdc, others)


def symbol_of(mint: str, usdc_mint: str) -> str:
    """The mint's symbol when known, else its address shortened (`AbCd…WxYz`)."""
    if mint == usdc_mint:
        return "USDC"
    return KNOWN_SYMBOLS.get(mint) or DEVNET_SYMBOLS.get(mint) or f"{mint[:4]}…{mint[-4:]}"


def exact(amount: TokenAmount) -> str:
    """The amount in whole tokens, every digit kept (`1.5`, `0.000000001`, `12`)."""
    text = format(Decimal(amount.amount).scaleb(-amount.decimals), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
