"""Provides `soltrader-tui devnet`: the local Solana chain with the demo world, until Ctrl+C.

    soltrader-tui devnet --keypair-out devnet-wallet.json --config-out devnet.yaml

It prints the RPC URL, the demo mints (what each carries), and the wallet's public key and
keypair file; never the secret key. With `--config-out` it also writes a config naming this
chain, the key file and the demo USDC, so `soltrader-tui wallet --config devnet.yaml` reads the
demo wallet at once. See docs/devnet.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml

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
    if args.config_out is not None and keypair_path is None:
        return fail("devnet: --config-out needs --keypair-out (the config names the key file)")
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
        if args.config_out is not None and keypair_path is not None:
            failed = _write_config(args.config_out, server.url, world, keypair_path)
            if failed is not None:
                return failed
        _announce(server.url, world, keypair_path, args.config_out)
        while True:  # the server thread serves; Ctrl+C interrupts the sleep (Windows too)
            time.sleep(1.0)
    finally:
        server.stop()
    return 0


def _announce(url: str, world: World, keypair_path: Path | None, config: Path | None) -> None:
    lines = [f"devnet: Solana JSON-RPC on {url} (Ctrl+C to stop)", "mints:"]
    lines += [f"  {m.symbol:<6} {m.mint!s:<44}  {m.carries}" for m in world.mints]
    where = str(keypair_path) if keypair_path is not None else "not written (--keypair-out PATH)"
    lines.append(f"wallet: {world.wallet.pubkey()}")
    lines.append(f"  funded: {WALLET_SOL} SOL, {WALLET_USDC} dUSDC, {WALLET_CLEAN} CLEAN")
    lines.append(f"  keypair: {where}")
    if config is not None:
        lines.append(f"config: {config} (soltrader-tui wallet --config {config})")
    print("\n".join(lines), flush=True)
    sys.stdout.flush()


DEVNET_RPC_ENV = "SOLTRADER_DEVNET_RPC_URL"
"""The `solana.rpc_url_env` of a written demo config: a variable nobody sets, so an RPC URL in
the usual `SOLANA_RPC_URL` cannot send the demo to a real node."""


def _write_config(path: Path, url: str, world: World, keypair: Path) -> int | None:
    """Writes the demo config; returns the exit code when it cannot be written."""
    # Relative to the config's folder when it can be, as keypair_path is read.
    key = Path(os.path.relpath(keypair.resolve(), path.resolve().parent))
    usdc = next(m for m in world.mints if m.symbol == "dUSDC")
    solana = {
        "rpc_url": url,
        "rpc_url_env": DEVNET_RPC_ENV,
        "keypair_path": key.as_posix() if not key.is_absolute() else str(key),
        "pubkey": str(world.wallet.pubkey()),
        "usdc_mint": str(usdc.mint),
    }
    text = (
        "# Written by `soltrader-tui devnet --config-out`: the local chain's demo wallet.\n"
        "# Valid while that devnet runs; a new start makes a new wallet (write it again).\n"
        + yaml.safe_dump({"solana": solana}, sort_keys=False)
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        return fail(f"devnet: cannot write the config to {path}: {exc}", EXIT_USAGE)
    return None
