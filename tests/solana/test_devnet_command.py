"""`soltrader-tui devnet` prints where it serves and what it holds, serves, and stops on Ctrl+C."""

from __future__ import annotations

import json
import re
import signal
import sys

import pytest
from solders.keypair import Keypair

from soltrader_tui.cli import main
from tests.conftest import Cli
from tests.solana.devnet_kit import result


@pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT to a child is POSIX; Windows uses Ctrl+Break"
)
def test_devnet_serves_until_ctrl_c(cli: Cli) -> None:
    keypair = cli.cwd / "wallet.json"
    proc = cli.start("devnet", "--port", "0", "--keypair-out", keypair)
    assert proc.stdout is not None
    printed: list[str] = []
    while not printed or "keypair:" not in printed[-1]:
        printed.append(proc.stdout.readline())
        assert printed[-1], "".join(printed)  # it ended before saying where the keypair is
    text = "".join(printed)
    url = re.search(r"(http://127\.0\.0\.1:\d+)", text)
    assert url is not None, text
    assert result(url.group(1), "getHealth") == "ok"
    for symbol in ("dUSDC", "CLEAN", "MINTY", "FROST", "WHALE", "FEE22"):
        assert symbol in text
    secret = json.loads(keypair.read_text())
    assert len(secret) == 64 and all(0 <= b < 256 for b in secret)
    wallet = re.search(r"wallet: (\w+)", text)
    assert wallet is not None
    balance = result(url.group(1), "getBalance", [wallet.group(1)])
    assert balance["value"] == 10 * 10**9  # type: ignore[index]
    owner = Keypair.from_bytes(bytes(secret))
    assert str(owner.pubkey()) == wallet.group(1) and str(keypair) in text
    assert str(owner) not in text and str(secret) not in text  # the secret, base-58 or bytes
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 130


def test_devnet_port_taken(cli: Cli) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli.run("devnet", "--port", str(port), timeout=60)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_devnet_bad_port_named(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["devnet", "--port", port])
    assert exited.value.code == 2
    assert f"invalid port {port!r}" in capsys.readouterr().err
