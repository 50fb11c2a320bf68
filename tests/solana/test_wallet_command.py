"""Whole-process tests of `soltrader-tui wallet` against a JSON-RPC node on a loopback server,
and the leak test: no file or output of a session that names a key holds its secret."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from solders.keypair import Keypair

from tests.conftest import Cli
from tests.loopback import LoopbackServer
from tests.solana import FakeNode
from tests.solana.test_wallet import key_file, secret_forms

BONK = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"


@pytest.fixture
def node() -> FakeNode:
    return FakeNode()


@pytest.fixture
def server(node: FakeNode) -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        running.route("/", node.handle)
        yield running


def write_config(cli: Cli, rpc_url: str, key: Path) -> Path:
    """A config naming the key, the node, and a data folder inside the test's folder."""
    path = cli.cwd / "config.yaml"
    data = cli.cwd.parent / "data"
    path.write_text(
        "solana:\n"
        f'  rpc_url: "{rpc_url}"\n'
        "  rpc_url_env: SOLTRADER_TEST_UNSET_RPC_URL\n"
        f"  keypair_path: {key.as_posix()}\n"
        "storage:\n"
        f"  data_dir: {data.as_posix()}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def funded(node: FakeNode, cli: Cli) -> tuple[Keypair, str, str]:
    """A wallet holding SOL, USDC, BONK and an unknown token; returns it, USDC and the
    unknown mint."""
    keypair = Keypair()
    owner = str(keypair.pubkey())
    node.lamports[owner] = 2_500_000_001
    usdc = node.add_mint(6)
    other = node.add_mint(9)
    node.add_mint(5, address=BONK)
    node.add_token_account(usdc, owner, 123_450_000)
    node.add_token_account(BONK, owner, 1_000_000_000_00)
    node.add_token_account(other, owner, 1)
    key_file(cli.cwd.parent, keypair)
    return keypair, usdc, other


def with_usdc(config: Path, usdc: str) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("solana:\n", f"solana:\n  usdc_mint: {usdc}\n"))


class TestWalletCommand:
    """The operator sees the key, where it came from, and exact balances."""

    def test_text(self, cli: Cli, server: LoopbackServer, funded: tuple[Keypair, str, str]) -> None:
        keypair, usdc, other = funded
        key = cli.cwd.parent / "trader.json"
        config = write_config(cli, server.url_for("/"), key)
        with_usdc(config, usdc)
        done = cli.run("wallet", "--config", config)
        assert (done.returncode, done.stderr) == (0, "")
        short = f"{other[:4]}…{other[-4:]}"
        others = {BONK: f"{'BONK':<9}  1000000", other: f"{short}  0.000000001"}
        assert done.stdout.splitlines() == [
            f"wallet  {keypair.pubkey()}",
            f"key     {key.resolve()}",
            f"rpc     {server.url_for('/')}",
            "",
            f"{'SOL':<9}  2.500000001",
            f"{'USDC':<9}  123.45",
            *(others[mint] for mint in sorted(others)),  # other tokens come in mint order
        ]

    def test_json(self, cli: Cli, server: LoopbackServer, funded: tuple[Keypair, str, str]) -> None:
        keypair, usdc, _ = funded
        config = write_config(cli, server.url_for("/"), cli.cwd.parent / "trader.json")
        with_usdc(config, usdc)
        done = cli.run("wallet", "--json", "--config", config)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["pubkey"] == str(keypair.pubkey())
        assert report["sol"] == {"lamports": 2_500_000_001, "ui_amount": "2.500000001"}
        assert report["tokens"][0] == {
            "mint": usdc,
            "symbol": "USDC",
            "amount": 123_450_000,
            "decimals": 6,
            "ui_amount": "123.45",
        }
        assert {t["symbol"]: t["amount"] for t in report["tokens"][1:]}["BONK"] == 10**11

    def test_rpc_down_is_one_clear_line(self, cli: Cli, funded: tuple[Keypair, str, str]) -> None:
        config = write_config(cli, "http://127.0.0.1:9/", cli.cwd.parent / "trader.json")
        done = cli.run("wallet", "--config", config)
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == (
            "soltrader-tui: Solana RPC http://127.0.0.1:9/: getBalance failed: solana_rpc: "
            "POST / failed after 4 attempts: connection error (ConnectError)\n"
        )


class TestSecretNeverWritten:
    """With a config naming the key, nothing any command writes or prints holds the secret."""

    def test_wallet_and_a_paper_session_leave_no_trace_of_the_key(
        self, cli: Cli, server: LoopbackServer, funded: tuple[Keypair, str, str]
    ) -> None:
        keypair = funded[0]
        key = cli.cwd.parent / "trader.json"
        config = write_config(cli, server.url_for("/"), key)
        outputs = []
        for args in (
            ("wallet", "--config", config),
            ("wallet", "--json", "--config", config),
            ("run", "--headless", "--speed", "max", "--duration", "10m", "--config", config),
            ("status", "--config", config),
            ("checkpoint", "--config", config),
        ):
            done = cli.run(*args)
            assert done.returncode == 0, (args, done.stderr)
            outputs.append(done.stdout + done.stderr)
        for rpc_url in ("http://127.0.0.1:9/", "not a url"):
            done = cli.run("wallet", "--config", write_config(cli, rpc_url, key))
            assert done.returncode in (1, 2), done.stderr
            outputs.append(done.stdout + done.stderr)
        written = [p for p in cli.cwd.parent.rglob("*") if p.is_file() and p != key]
        assert any(p.suffix == ".sqlite" for p in written)
        assert_nothing_holds(keypair, outputs, written)


def assert_nothing_holds(keypair: Keypair, outputs: list[str], files: list[Path]) -> None:
    raw = bytes(keypair)
    forms = [form.encode() for form in secret_forms(keypair)]
    forms += [raw[:32], base64.b64encode(raw), base64.b64encode(raw[:32])]
    blobs = [(f"output {n}", text.encode()) for n, text in enumerate(outputs)]
    blobs += [(str(path), path.read_bytes()) for path in files]
    found = [(where, form[:8]) for where, blob in blobs for form in forms if form in blob]
    assert found == []
