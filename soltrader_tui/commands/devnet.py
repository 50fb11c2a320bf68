"""Provides `soltrader-tui devnet`: the local Solana chain with the demo world, until Ctrl+C.

    soltrader-tui devnet --port 8899 --keypair-out devnet-wallet.json

It prints the RPC URL, the demo mints (what each carries), and the wallet's public key and
keypair file; never the secret key. See docs/devnet.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from soltrader_tui.commands.common import EXIT_USAGE, fail
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import (
    WALLET_CLEAN,
    WALLET_SOL,
    WALLET_USDC,
    World,
    build_world,
    write_keypair,
)


def devnet_command(args: argparse.Namespace) -> int:
    """Serves the devnet until Ctrl+C (which unwinds as KeyboardInterrupt: exit 130)."""
    world = build_world()
    keypair_path: Path | None = args.keypair_out
    if keypair_path is not None:
        try:
            write_keypair(world.wallet, keypair_path)
        except OSError as exc:
            return fail(f"devnet: cannot write the keypair to {keypair_path}: {exc}", EXIT_USAGE)
    server = DevnetServer(world.chain, port=args.port)
    try:
        server.start()
    except OSError as exc:
        return fail(f"devnet: cannot listen on 127.0.0.1:{args.port}: {exc}", EXIT_USAGE)
    try:
        _announce(server.url, world, keypair_path)
        while True:  # the server thread serves; Ctrl+C interrupts the sleep (Windows too)
            time.sleep(1.0)
    finally:
        server.stop()
    return 0


def _announce(url: str, world: World, keypair_path: Path | None) -> None:
    lines = [f"devnet: Solana JSON-RPC on {url} (Ctrl+C to stop)", "mints:"]
    lines += [f"  {m.symbol:<6} {m.mint!s:<44}  {m.carries}" for m in world.mints]
    where = str(keypair_path) if keypair_path is not None else "not written (--keypair-out PATH)"
    lines.append(f"wallet: {world.wallet.pubkey()}")
    lines.append(f"  funded: {WALLET_SOL} SOL, {WALLET_USDC} dUSDC, {WALLET_CLEAN} CLEAN")
    lines.append(f"  keypair: {where}")
    print("\n".join(lines), flush=True)
    sys.stdout.flush()
