"""Provides Chain: the devnet's LiteSVM with a block height, blockhash lifetimes and landed txs.

LiteSVM has no blocks: it knows one latest blockhash and a slot that moves only when told. The
chain makes blocks of it: every landed transaction is one block (the slot and the height go up
by one and a new blockhash is issued), and `advance` adds empty ones. Each blockhash is valid
for `BLOCKHASH_LIFETIME` blocks after the block that issued it, as on Solana; LiteSVM accepts
only its latest one, so a transaction on an older hash still in its lifetime is sent with
LiteSVM's blockhash check off. Slot and block height are the same number here (no skipped
slots). Request threads share the chain: callers hold `lock` around every use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Final

from solders.account import Account
from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

BLOCKHASH_LIFETIME: Final = 150
"""Blocks a blockhash stays valid for (Solana's MAX_PROCESSING_AGE)."""
LAMPORTS_PER_SIGNATURE: Final = 5000


@dataclass(frozen=True, slots=True)
class TokenBalance:
    """One token account of a transaction, before or after it (the RPC's TokenBalance)."""

    account_index: int
    mint: Pubkey
    owner: Pubkey
    program: Pubkey
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class LandedTx:
    """A transaction in a block: what getTransaction and getSignatureStatuses report."""

    tx: VersionedTransaction
    slot: int
    block_time: int
    err: object | None
    """The transaction error in the RPC's JSON form; None when it succeeded."""
    fee: int
    logs: tuple[str, ...]
    compute_units: int
    pre_balances: tuple[int, ...]
    post_balances: tuple[int, ...]
    pre_tokens: tuple[TokenBalance, ...]
    post_tokens: tuple[TokenBalance, ...]


@dataclass(slots=True)
class Chain:
    """LiteSVM plus the blocks, blockhash lifetimes and transaction records it lacks."""

    svm: LiteSVM = field(default_factory=LiteSVM)
    lock: threading.RLock = field(default_factory=threading.RLock)
    landed: dict[Signature, LandedTx] = field(default_factory=dict)
    drop_next: int = 0
    """Transactions still to be answered with a signature and then lost (devnet_dropNext)."""
    _last_valid: dict[Hash, int] = field(init=False, default_factory=dict)
    _height: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._height = self.svm.get_clock().slot
        self._last_valid[self.svm.latest_blockhash()] = self._height + BLOCKHASH_LIFETIME

    @property
    def height(self) -> int:
        """The block height (equal to the slot)."""
        return self._height

    def latest_blockhash(self) -> tuple[Hash, int]:
        """The newest blockhash and the last block height it is valid at."""
        blockhash = self.svm.latest_blockhash()
        return blockhash, self._last_valid[blockhash]

    def is_valid(self, blockhash: Hash) -> bool:
        """Whether a transaction on this blockhash may still land."""
        last = self._last_valid.get(blockhash)
        return last is not None and self._height <= last

    def advance(self, blocks: int) -> None:
        """Adds `blocks` blocks (at least one): the height moves, a new blockhash is issued."""
        self._height += max(1, blocks)
        self.svm.warp_to_slot(self._height)
        self.svm.expire_blockhash()
        self._last_valid[self.svm.latest_blockhash()] = self._height + BLOCKHASH_LIFETIME
        # Hashes past their lifetime can never be valid again; forget them.
        self._last_valid = {h: v for h, v in self._last_valid.items() if v >= self._height}

    def account(self, key: Pubkey) -> Account | None:
        """The account at `key`, or None when there is none (or it holds nothing)."""
        found = self.svm.get_account(key)
        if found is None or (found.lamports == 0 and not found.data):
            return None
        return found

    def record(self, signature: Signature, landed: LandedTx) -> None:
        """Keeps a landed transaction for getTransaction and getSignatureStatuses."""
        self.landed[signature] = landed


def block_time() -> int:
    """Unix seconds for a new block: the wall clock, as a validator stamps it."""
    return int(time.time())
