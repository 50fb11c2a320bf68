"""Provides check_effects: what a simulated swap does to our accounts, judged against its order.

Pure: the accounts are read (before) and simulated (after) by `verify_chain`. The swap may take
at most the order's input, must deliver at least its minimum output, may take at most the SOL
cap from the wallet, and may touch nothing else of ours: no other mint debited, no token account
of ours closed, handed over, or given a delegate or a close authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solders.pubkey import Pubkey

from soltrader_tui.execution.jupiter_swap import SwapOrder
from soltrader_tui.execution.verify import Refused, SwapLimits, short_key

_TOKEN_ACCOUNT_LEN = 165


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account of ours: its lamports and, for a token account, its token fields."""

    lamports: int
    token: TokenState | None


@dataclass(frozen=True, slots=True)
class TokenState:
    """The fields of an SPL token account that decide who can move what."""

    mint: str
    owner: str
    amount: int
    delegate: str | None
    close_authority: str | None


@dataclass(frozen=True, slots=True)
class SwapEffects:
    """What the simulation says the swap does to us."""

    input_spent: int
    output_received: int
    sol_spent_lamports: int
    """Lamports leaving the wallet: fees and the rent of accounts it creates."""


def read_token_state(data: bytes) -> TokenState | None:
    """The token fields of an SPL (or Token-2022) token account; None for other data."""
    if len(data) < _TOKEN_ACCOUNT_LEN:
        return None

    def optional_key(at: int) -> str | None:
        tag = int.from_bytes(data[at : at + 4], "little")
        return str(Pubkey.from_bytes(data[at + 4 : at + 36])) if tag else None

    return TokenState(
        mint=str(Pubkey.from_bytes(data[0:32])),
        owner=str(Pubkey.from_bytes(data[32:64])),
        amount=int.from_bytes(data[64:72], "little"),
        delegate=optional_key(72),
        close_authority=optional_key(129),
    )


def _held(states: Mapping[str, AccountState | None], wallet: str) -> dict[str, int]:
    """Our token holdings per mint, over the accounts we own."""
    held: dict[str, int] = {}
    for state in states.values():
        if state is not None and state.token is not None and state.token.owner == wallet:
            held[state.token.mint] = held.get(state.token.mint, 0) + state.token.amount
    return held


def check_effects(
    before: Mapping[str, AccountState | None],
    after: Mapping[str, AccountState | None],
    *,
    wallet: str,
    order: SwapOrder,
    limits: SwapLimits,
) -> SwapEffects | Refused:
    """Compares our accounts before and after the simulation.

    Args:
        before: Each watched address (the wallet and our token accounts) before.
        after: The same addresses after the simulated run.
        wallet: Our wallet's public key.
        order: The order whose amounts the run must honour.
        limits: The SOL spending cap.
    """
    refused = _check_authorities(before, after, wallet)
    if refused is not None:
        return refused
    held_before, held_after = _held(before, wallet), _held(after, wallet)
    spent = held_before.get(order.input_mint, 0) - held_after.get(order.input_mint, 0)
    received = held_after.get(order.output_mint, 0) - held_before.get(order.output_mint, 0)
    if spent > order.in_amount:
        return Refused(
            "input",
            f"the simulation spends {spent} of {short_key(order.input_mint)}; "
            f"the order says {order.in_amount}",
        )
    if received < order.other_amount_threshold:
        return Refused(
            "output",
            f"the simulation delivers {received} of {short_key(order.output_mint)}; "
            f"the order's minimum is {order.other_amount_threshold}",
        )
    for mint, amount in held_before.items():
        if mint != order.input_mint and held_after.get(mint, 0) < amount:
            lost = amount - held_after.get(mint, 0)
            return Refused("other_account", f"the simulation debits {lost} of {mint} from us")
    wallet_before, wallet_after = before.get(wallet), after.get(wallet)
    sol_before = 0 if wallet_before is None else wallet_before.lamports
    sol_after = 0 if wallet_after is None else wallet_after.lamports
    sol_spent = sol_before - sol_after
    if sol_spent > limits.max_sol_spend_lamports:
        return Refused(
            "sol",
            f"the simulation takes {sol_spent} lamports from the wallet; "
            f"live.max_sol_spend_lamports is {limits.max_sol_spend_lamports}",
        )
    return SwapEffects(spent, received, sol_spent)


def _check_authorities(
    before: Mapping[str, AccountState | None],
    after: Mapping[str, AccountState | None],
    wallet: str,
) -> Refused | None:
    """No token account of ours changes hands, gains a delegate or a closer, or vanishes."""
    for address, old in before.items():
        if old is None or old.token is None or old.token.owner != wallet:
            continue
        new = after.get(address)
        if new is None or new.token is None:
            return Refused("other_account", f"the simulation closes our token account {address}")
        fields = ("owner", "delegate", "close_authority")
        for name in fields:
            if getattr(new.token, name) != getattr(old.token, name):
                return Refused(
                    "other_account",
                    f"the simulation changes the {name.replace('_', ' ')} of our token account "
                    f"{address} to {getattr(new.token, name)}",
                )
    for address, new in after.items():
        token = None if new is None else new.token
        created = before.get(address) is None and token is not None
        if created and token is not None and token.owner == wallet and token.delegate:
            return Refused("other_account", f"the simulation creates {address} with a delegate")
    return None
