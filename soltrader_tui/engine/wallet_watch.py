"""Provides WalletWatch: the trading wallet's balances, read over RPC in the background.

On a live market with a wallet configured the dashboard shows what the wallet really holds,
beside the ledger's cash: a difference between the two is the first sign that something moved
funds behind the bot's back. A read never holds a tick: it runs as a task, at most one at a
time, every `every_s` wall seconds; a failed read keeps the last figures and says why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from soltrader_tui.snapshot import WalletView
from soltrader_tui.solana.balances import SOL_DECIMALS, read_balances
from soltrader_tui.solana.errors import RpcError
from soltrader_tui.solana.rpc import SolanaRpc

EVERY_S = 60.0
"""Wall seconds between two reads: three RPC calls a minute, well inside a public node's limit."""


class WalletWatch:
    """Reads the wallet's SOL and USDC now and then; `view` is the latest."""

    def __init__(
        self,
        rpc: SolanaRpc,
        pubkey: str,
        usdc_mint: str,
        *,
        every_s: float = EVERY_S,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._rpc = rpc
        self._usdc_mint = usdc_mint
        self._every_s = every_s
        self._wall = wall
        self._due = 0.0
        self._task: asyncio.Task[None] | None = None
        self.view = WalletView(pubkey)

    def poll(self) -> None:
        """Starts a read when one is due and none is running (called every tick)."""
        now = self._wall()
        if now < self._due or (self._task is not None and not self._task.done()):
            return
        self._due = now + self._every_s
        self._task = asyncio.create_task(self._read(), name="wallet balances")

    async def _read(self) -> None:
        try:
            held = await read_balances(self._rpc, self.view.pubkey, self._usdc_mint)
        except RpcError as exc:
            self.view = replace(self.view, error=str(exc))
            return
        self.view = WalletView(
            held.pubkey,
            sol=held.lamports / 10**SOL_DECIMALS,
            usdc=held.usdc.ui_amount,
            other_tokens=len(held.tokens),
            read_at=self._wall(),
        )

    async def aclose(self) -> None:
        """Cancels a read under way: its figures would arrive after the last snapshot."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
