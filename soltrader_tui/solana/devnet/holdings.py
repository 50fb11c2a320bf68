"""Provides writes of state straight into the chain: SOL, mints and token balances.

These are the devnet's god powers behind the demo world and the `devnet_` admin methods: they
set accounts without a transaction (no block, no fee). A token balance lives in the owner's
associated token account, and the mint's supply follows every change, so getTokenSupply and the
holders always add up.
"""

from __future__ import annotations

from solders.account import Account
from solders.pubkey import Pubkey
from solders.token.associated import get_associated_token_address
from solders.token.state import Mint

from soltrader_tui.solana.devnet.accounts import (
    ACCOUNT_LEN,
    MINT_LEN,
    MintExtensions,
    pack_mint,
    pack_token_account,
    read_holding,
    read_mint,
)
from soltrader_tui.solana.devnet.chain import Chain

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")


class HoldingError(ValueError):
    """A token write that cannot be done (the mint is not a mint); the message names it."""


def add_lamports(chain: Chain, key: Pubkey, lamports: int) -> int:
    """Adds lamports to an account (a new system account if there is none); returns its balance."""
    account = chain.svm.get_account(key)
    if account is None:
        account = Account(0, b"", SYSTEM_PROGRAM, False, 0)
    balance = account.lamports + lamports
    chain.svm.set_account(
        key, Account(balance, account.data, account.owner, account.executable, account.rent_epoch)
    )
    return balance


def create_mint(
    chain: Chain,
    key: Pubkey,
    *,
    decimals: int,
    program: Pubkey,
    mint_authority: Pubkey | None,
    freeze_authority: Pubkey | None,
    extensions: MintExtensions | None = None,
) -> None:
    """Writes a mint with no supply; balances set afterwards add to its supply."""
    data = pack_mint(
        decimals=decimals,
        supply=0,
        mint_authority=mint_authority,
        freeze_authority=freeze_authority,
        extensions=extensions,
    )
    rent = chain.svm.minimum_balance_for_rent_exemption(len(data))
    chain.svm.set_account(key, Account(rent, data, program, False, 0))


def set_token_balance(chain: Chain, owner: Pubkey, mint_key: Pubkey, amount: int) -> Pubkey:
    """Sets `owner`'s balance of a mint in its associated token account; returns that account.

    Raises:
        HoldingError: `mint_key` is not a mint of either token program.
    """
    mint_account = chain.account(mint_key)
    mint = read_mint(mint_account)
    if mint_account is None or mint is None:
        raise HoldingError(f"{mint_key} is not a token mint")
    program = mint_account.owner
    address = get_associated_token_address(owner, mint_key, program)
    held = read_holding(chain.account(address))
    before = 0 if held is None else held.amount
    extended = len(bytes(mint_account.data)) > ACCOUNT_LEN
    data = pack_token_account(mint=mint_key, owner=owner, amount=amount, withheld_fee_slot=extended)
    rent = chain.svm.minimum_balance_for_rent_exemption(len(data))
    chain.svm.set_account(address, Account(rent, data, program, False, 0))
    # The supply moves with the balance, keeping the mint's extensions as they are.
    raw = bytearray(mint_account.data)
    supply = mint.supply - before + amount
    updated = Mint(mint.mint_authority, supply, mint.decimals, True, mint.freeze_authority)
    raw[:MINT_LEN] = bytes(updated)
    chain.svm.set_account(mint_key, Account(mint_account.lamports, bytes(raw), program, False, 0))
    return address
