"""A session with a wallet named in its config loads it first: a key that is not the pinned
one refuses the start (exit 2) before the ledger is touched."""

from __future__ import annotations

import json

from solders.keypair import Keypair

from tests.conftest import Cli


def write_config(cli: Cli, key: Keypair, pinned: str) -> None:
    (cli.cwd / "trading.json").write_text(json.dumps(list(bytes(key))), encoding="utf-8")
    (cli.cwd / "trading.json").chmod(0o600)
    (cli.cwd / "config.yaml").write_text(
        f"solana:\n  keypair_path: trading.json\n  pubkey: {pinned}\n", encoding="utf-8"
    )


def test_the_wrong_wallet_refuses_the_start(cli: Cli) -> None:
    key, other = Keypair(), Keypair()
    write_config(cli, key, str(other.pubkey()))
    done = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", timeout=120)
    assert done.returncode == 2, done.stderr
    assert "solana.pubkey" in done.stderr and str(other.pubkey()) in done.stderr
    assert not (cli.cwd / "soltrader.sqlite").exists(), "refused before the ledger was made"
    assert str(key) not in done.stderr + done.stdout  # the secret, base58


def test_the_pinned_wallet_starts(cli: Cli) -> None:
    key = Keypair()
    write_config(cli, key, str(key.pubkey()))
    done = cli.run("run", "--headless", "--speed", "max", "--duration", "1m", timeout=120)
    assert done.returncode == 0, done.stderr
    assert (cli.cwd / "soltrader.sqlite").exists()
