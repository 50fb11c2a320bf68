"""Provides read_landed: what a landed transaction did to one wallet, from `getTransaction`.

A live fill is recorded from these figures (the chain's own pre- and post-balances), never
from the quote: the tokens and USDC that actually moved, and the lamports the fee payer
actually paid (the network fee plus the rent of any account the swap created).
"""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.solana.rpc_answers import field_of, int_field, str_field


@dataclass(frozen=True, slots=True)
class LandedTransaction:
    """A landed transaction as it touched its fee payer (our wallet)."""

    slot: int
    err: object | None
    """The program error (None when it succeeded: a failed transaction still paid its fee)."""
    fee_lamports: int
    payer_spent_lamports: int
    """Lamports the fee payer has fewer after than before: fee plus rent of new accounts."""
    token_deltas: dict[tuple[str, str], int]
    """(owner, mint) → base units after minus before, over every token account in the
    transaction (an account absent before or after counts as zero)."""

    def delta(self, owner: str, mint: str) -> int:
        """Base units of `mint` that `owner`'s accounts gained (negative: lost)."""
        return self.token_deltas.get((owner, mint), 0)


def _token_amounts(meta: object, name: str) -> dict[tuple[str, str], int]:
    items = field_of(meta, name)
    if not isinstance(items, list):
        raise ValueError(f"meta.{name} is not a list")
    totals: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        where = f"meta.{name}[{i}]"
        try:
            owner, mint = str_field(item, "owner"), str_field(item, "mint")
            raw = str_field(field_of(item, "uiTokenAmount"), "amount")
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if not raw.isdigit():
            raise ValueError(f"{where}.uiTokenAmount.amount {raw!r} is not a whole number")
        totals[(owner, mint)] = totals.get((owner, mint), 0) + int(raw)
    return totals


def _balances(meta: object, name: str) -> list[int]:
    items = field_of(meta, name)
    if not isinstance(items, list) or not items:
        raise ValueError(f"meta.{name} is not a list of balances")
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in items):
        raise ValueError(f"meta.{name} holds something that is not lamports")
    return items


def read_landed(result: object) -> LandedTransaction | None:
    """`getTransaction`'s result (None: the node has no such transaction).

    Raises:
        ValueError: The answer is malformed; the message names the field.
    """
    if result is None:
        return None
    slot = int_field(result, "slot")
    meta = field_of(result, "meta")
    if meta is None:
        raise ValueError("meta is null: the node kept no status for the transaction")
    fee = int_field(meta, "fee")
    pre, post = _balances(meta, "preBalances"), _balances(meta, "postBalances")
    before = _token_amounts(meta, "preTokenBalances")
    after = _token_amounts(meta, "postTokenBalances")
    deltas = {
        key: after.get(key, 0) - before.get(key, 0)
        for key in dict.fromkeys([*before, *after])
        if after.get(key, 0) != before.get(key, 0)
    }
    err = meta.get("err") if isinstance(meta, dict) else None
    return LandedTransaction(slot, err, fee, pre[0] - post[0], deltas)
