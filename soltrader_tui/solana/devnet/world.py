"""Provides the demo world: a USDC-like mint, memecoins with each risk trait, and a funded wallet.

Mint and holder addresses come from fixed seeds, so they are the same at every start (a demo
config can name them); the wallet is new at every start unless one is given. The mints:

| symbol | what it carries |
| dUSDC  | 6 decimals, mint authority held by the devnet |
| CLEAN  | mint and freeze authority revoked, 12 holders spread evenly |
| MINTY  | a live mint authority (supply can be inflated) |
| FROST  | a live freeze authority (holders can be frozen) |
| WHALE  | one holder owns 60% of the supply |
| FEE22  | Token-2022: 5% transfer fee and a permanent delegate |
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from soltrader_tui.solana.devnet.accounts import (
    TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM,
    MintExtensions,
    TransferFee,
)
from soltrader_tui.solana.devnet.chain import Chain
from soltrader_tui.solana.devnet.holdings import add_lamports, create_mint, set_token_balance

LAMPORTS_PER_SOL: Final = 1_000_000_000
WALLET_SOL: Final = 10
WALLET_USDC: Final = 1_000
"""The demo wallet's dUSDC, whole tokens."""
WALLET_CLEAN: Final = 50_000
"""The demo wallet's CLEAN, whole tokens."""
MEME_DECIMALS: Final = 6
HOLDERS: Final = 40
"""Holders of each spread memecoin: enough that the ten largest own under a third of it, so
the token safety rules' default top-10 limit (50 %) passes CLEAN on holders."""


@dataclass(frozen=True, slots=True)
class WorldMint:
    """One mint of the demo world."""

    symbol: str
    mint: Pubkey
    decimals: int
    program: Pubkey
    carries: str
    """What risk trait or extension it has, in words."""


@dataclass(frozen=True, slots=True)
class World:
    """The demo world on a chain: its mints and the funded wallet."""

    chain: Chain
    authority: Keypair
    """Holds dUSDC's mint authority and the memecoins' live authorities."""
    wallet: Keypair
    mints: tuple[WorldMint, ...]

    def mint(self, symbol: str) -> WorldMint:
        """The mint of a symbol (KeyError naming it when there is none)."""
        for mint in self.mints:
            if mint.symbol == symbol:
                return mint
        raise KeyError(f"no mint {symbol!r} in the demo world")


def seeded(label: str) -> Keypair:
    """A keypair fixed by its label, so the world's addresses repeat at every start."""
    return Keypair.from_seed(hashlib.sha256(f"soltrader-devnet:{label}".encode()).digest())


@dataclass(frozen=True, slots=True)
class _Spec:
    symbol: str
    carries: str
    shares: tuple[int, ...]
    """Holder balances in whole tokens, largest first."""
    mint_authority: bool = False
    freeze_authority: bool = False
    token_2022: bool = False


_SPREAD: Final = tuple(1_000_000 - 10_000 * i for i in range(HOLDERS))
_SPECS: Final = (
    _Spec("CLEAN", "mint and freeze authority revoked, holders spread", _SPREAD),
    _Spec("MINTY", "live mint authority", _SPREAD, mint_authority=True),
    _Spec("FROST", "live freeze authority", _SPREAD, freeze_authority=True),
    _Spec("WHALE", "one holder owns 60% (top-10 concentration)", (6_000_000,) + (400_000,) * 10),
    _Spec("FEE22", "Token-2022: 5% transfer fee, permanent delegate", _SPREAD, token_2022=True),
)


def _add_meme(chain: Chain, spec: _Spec, authority: Pubkey) -> WorldMint:
    key = seeded(f"mint:{spec.symbol}").pubkey()
    program = TOKEN_2022_PROGRAM if spec.token_2022 else TOKEN_PROGRAM
    extensions = None
    if spec.token_2022:
        fee = TransferFee(basis_points=500, maximum_fee=10**18, authority=authority)
        extensions = MintExtensions(transfer_fee=fee, permanent_delegate=authority)
    create_mint(
        chain,
        key,
        decimals=MEME_DECIMALS,
        program=program,
        mint_authority=authority if spec.mint_authority else None,
        freeze_authority=authority if spec.freeze_authority else None,
        extensions=extensions,
    )
    for i, whole in enumerate(spec.shares):
        holder = seeded(f"holder:{spec.symbol}:{i}").pubkey()
        set_token_balance(chain, holder, key, whole * 10**MEME_DECIMALS)
    return WorldMint(spec.symbol, key, MEME_DECIMALS, program, spec.carries)


def build_world(chain: Chain | None = None, wallet: Keypair | None = None) -> World:
    """Builds the demo world on a chain (a new one by default) and funds the wallet."""
    chain = Chain() if chain is None else chain
    wallet = Keypair() if wallet is None else wallet
    authority = seeded("authority")
    with chain.lock:
        usdc_key = seeded("mint:dUSDC").pubkey()
        create_mint(
            chain,
            usdc_key,
            decimals=6,
            program=TOKEN_PROGRAM,
            mint_authority=authority.pubkey(),
            freeze_authority=None,
        )
        usdc = WorldMint("dUSDC", usdc_key, 6, TOKEN_PROGRAM, "USDC-like; mint authority: devnet")
        memes = tuple(_add_meme(chain, spec, authority.pubkey()) for spec in _SPECS)
        add_lamports(chain, authority.pubkey(), LAMPORTS_PER_SOL)
        add_lamports(chain, wallet.pubkey(), WALLET_SOL * LAMPORTS_PER_SOL)
        set_token_balance(chain, wallet.pubkey(), usdc_key, WALLET_USDC * 10**6)
        clean = memes[0].mint
        set_token_balance(chain, wallet.pubkey(), clean, WALLET_CLEAN * 10**MEME_DECIMALS)
    return World(chain, authority, wallet, (usdc, *memes))


def write_keypair(keypair: Keypair, path: Path) -> Path:
    """Writes a keypair as the Solana CLI does (a JSON array of its 64 bytes); returns the path.

    The file holds the secret key: it is created readable by its owner only where the system
    supports modes (not on Windows).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(list(bytes(keypair))) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
