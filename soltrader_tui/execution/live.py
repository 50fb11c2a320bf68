"""Provides LiveExecutor: an order as a verified, signed Jupiter swap, and its outcome on chain.

The steps, each its own method so the order manager can commit between them:

1. `prepare`: the paper twin (the fill the paper executor makes from the same quote at the same
   moment), Jupiter's order, every check before signing (`verify_chain`), the signature. The
   result is a `SentSwap` to commit *before* anything is sent.
2. `send`: hands the signed bytes to Jupiter's `/execute` or the node's `sendTransaction`,
   once. A failure means "unknown", never "did not land".
3. `settle`: follows the signature until it lands (the fill is read from the chain's balances),
   fails on chain, or can no longer land (its last valid block height passed): only then is
   the swap `expired`. Still unknown at the deadline: `Unresolved`, and asked again later,
   never sent as a second swap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from solders.transaction import VersionedTransaction

from soltrader_tui.domain import Fill, Order, SwapQuote
from soltrader_tui.execution.chain_fill import fill_from_chain
from soltrader_tui.execution.jupiter_swap import JupiterSwapClient, SwapOrder, SwapRequest
from soltrader_tui.execution.live_results import Ended, Landed, Prepared, RefusedSwap, Unresolved
from soltrader_tui.execution.paper import PaperExecutor, Rejected
from soltrader_tui.execution.verify import Refused, SwapLimits
from soltrader_tui.execution.verify_chain import (
    Approved,
    sign,
    verify_before_signing,
    watched_addresses,
)
from soltrader_tui.ledger.swap_book import (
    PaperTwin,
    SentSwap,
    SwapRoute,
    SwapSettled,
)
from soltrader_tui.market.errors import ResponseInvalid
from soltrader_tui.net.errors import ProviderError
from soltrader_tui.solana.errors import RpcError
from soltrader_tui.solana.rpc import SolanaRpc
from soltrader_tui.solana.wallet import Wallet

_LANDED = ("confirmed", "finalized")


@dataclass(frozen=True, slots=True)
class LiveSetup:
    """What a live executor needs besides its clients."""

    usdc_mint: str
    route: SwapRoute
    slippage_bps: int
    confirm_timeout_s: float
    poll_s: float = 0.5


class LiveExecutor:
    """Jupiter swaps, verified before signing, followed on chain to their outcome."""

    def __init__(
        self,
        *,
        swaps: JupiterSwapClient,
        rpc: SolanaRpc,
        wallet: Wallet,
        paper: PaperExecutor,
        limits: SwapLimits,
        setup: LiveSetup,
        sol_price: Callable[[], Awaitable[float | None]],
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._swaps = swaps
        self._rpc = rpc
        self._wallet = wallet
        self._paper = paper
        self._limits = limits
        self._setup = setup
        self._sol_price = sol_price
        self._wall = wall

    @property
    def limits(self) -> SwapLimits:
        """The configured limits every swap is checked against."""
        return self._limits

    @property
    def wallet(self) -> str:
        """Our wallet's public key."""
        return self._wallet.pubkey

    def request_for(self, order: Order, slippage_bps: int | None = None) -> SwapRequest:
        """What Jupiter is asked to build for `order`."""
        usdc, mint = self._setup.usdc_mint, order.token.mint
        sell, buy = (usdc, mint) if order.side == "buy" else (mint, usdc)
        bps = self._setup.slippage_bps if slippage_bps is None else slippage_bps
        return SwapRequest(sell, buy, order.in_amount, self._wallet.pubkey, bps)

    async def prepare(
        self,
        order: Order,
        quote: SwapQuote | None = None,
        *,
        slippage_bps: int | None = None,
        limits: SwapLimits | None = None,
    ) -> Prepared | Rejected | RefusedSwap:
        """Twins, orders, verifies and signs `order`; sends nothing.

        Args:
            order: The order.
            quote: A quote just taken for exactly this order (the paper twin's).
            slippage_bps: The slippage to ask for (default: the configured one).
            limits: The checks' limits (default: the configured ones); an emergency sale
                raises the slippage cap up to its own.
        """
        decided = self._wall()
        sol_usd = await self._sol_price()
        if sol_usd is None or not sol_usd > 0:
            return Rejected("no SOL price: the swap's network costs could not be valued")
        twin = await self._paper.execute(order, quote)
        request = self.request_for(order, slippage_bps)
        checked = await self._order_and_verify(request, self._limits if limits is None else limits)
        if not isinstance(checked, tuple):
            return checked
        swap, verdict = checked
        if swap.last_valid_block_height is None:
            reason = "the order has no lastValidBlockHeight: a lost answer could not be resolved"
            return RefusedSwap("block_height", reason)
        signed = sign(verdict, self._wallet)
        signature = str(VersionedTransaction.from_bytes(signed).signatures[0])
        sent = SentSwap(
            signature=signature,
            last_valid_block_height=swap.last_valid_block_height,
            request_id=swap.request_id,
            route=self._setup.route,
            signed_tx=signed,
            quoted_out=swap.out_amount,
            min_out=swap.other_amount_threshold,
            sol_usd=sol_usd,
            decided_wall=decided,
            signed_wall=self._wall(),
            twin=_twin(twin),
            twin_note=twin.reason if isinstance(twin, Rejected) else "",
        )
        return Prepared(order, sent)

    async def _order_and_verify(
        self, request: SwapRequest, limits: SwapLimits
    ) -> tuple[SwapOrder, Approved] | Rejected | RefusedSwap:
        """Jupiter's order for `request`, and every check before signing it."""
        # Our accounts are read while Jupiter builds the order: one round trip less between
        # the order's blockhash and the signature.
        swap, watched = await asyncio.gather(
            self._swaps.order(request),
            watched_addresses(self._rpc, request.taker, (request.input_mint, request.output_mint)),
            return_exceptions=True,
        )
        if isinstance(swap, (ResponseInvalid, ProviderError)):
            return Rejected(f"Jupiter gave no order: {swap}")
        try:
            if isinstance(swap, BaseException):
                raise swap
            if isinstance(watched, BaseException):
                raise watched
            verdict = await verify_before_signing(self._rpc, swap, request, limits, watched)
        except RpcError as exc:
            return Rejected(f"not verified, not signed: {exc}")
        if isinstance(verdict, Refused):
            return RefusedSwap(verdict.check, verdict.reason)
        return swap, verdict

    async def send(self, sent: SentSwap) -> str | None:
        """Sends the signed swap once; returns None, or what went wrong (the outcome is then
        unknown, not failed: `settle` finds out)."""
        try:
            if sent.route == "rpc":
                await self._rpc.send_raw(sent.signed_tx)
                return None
            answer = await self._swaps.execute(sent.signed_tx, sent.request_id)
        except (ResponseInvalid, ProviderError, RpcError) as exc:
            return str(exc)
        if answer.status == "Failed":
            return f"Jupiter answered Failed (code {answer.code}): {answer.error or 'no reason'}"
        return None

    async def settle(
        self, order: Order, sent: SentSwap, wait_s: float
    ) -> Landed | Ended | Unresolved:
        """Follows the swap's signature for up to `wait_s` seconds.

        Never sends anything: an expired swap is one the node says it has not seen *and*
        whose last valid block height has passed, so it can never land.
        """
        deadline = time.monotonic() + wait_s
        why = "not seen yet"
        while True:
            try:
                outcome = await self._look(order, sent)
            except RpcError as exc:
                outcome, why = None, str(exc)
            if outcome is not None:
                return outcome
            if time.monotonic() >= deadline:
                return Unresolved(why)
            await asyncio.sleep(self._setup.poll_s)

    async def _look(self, order: Order, sent: SentSwap) -> Landed | Ended | None:
        """One look at the swap on chain; None while its outcome is open."""
        # The height first: a swap unseen by a status read made after its last valid block
        # passed can never land, so "expired" is final without a second read.
        height = await self._rpc.block_height()
        [status] = await self._rpc.signature_statuses([sent.signature])
        if status is None:
            if height <= sent.last_valid_block_height:
                return None
            outcome = (
                f"expired: not landed by block {sent.last_valid_block_height} "
                f"(the node is at {height})"
            )
            return Ended("expired", outcome, None)
        if status.confirmation not in _LANDED:
            return None
        landed = await self._rpc.landed_transaction(sent.signature)
        if landed is None:
            return None
        settled = SwapSettled(
            landed.slot, landed.fee_lamports, landed.payer_spent_lamports, self._wall()
        )
        if landed.err is not None:
            return Ended("failed", f"failed on chain: {landed.err}", settled)
        fill = fill_from_chain(
            order,
            landed,
            wallet=self._wallet.pubkey,
            usdc_mint=self._setup.usdc_mint,
            sol_usd=sent.sol_usd,
        )
        if isinstance(fill, str):
            return Ended("failed", fill, settled)
        return Landed(fill, settled)


def _twin(result: Fill | Rejected) -> PaperTwin | None:
    if not isinstance(result, Fill):
        return None
    return PaperTwin(result.qty, result.quote_amount, result.fee, result.price_usd)
