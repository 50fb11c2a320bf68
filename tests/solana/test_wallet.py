"""Tests loading the trading wallet: from a keypair file or an env var, the pinned pubkey,
and every refusal naming what and where without ever repeating the secret."""

from __future__ import annotations

import copy
import json
import os
import pickle
import traceback
from pathlib import Path

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from soltrader_tui.config.model import SolanaConfig
from soltrader_tui.solana.errors import WalletError
from soltrader_tui.solana.wallet import Wallet, load_wallet


def secret_forms(keypair: Keypair) -> list[str]:
    """The secret as text in every form someone might find it: base58, JSON array, hex."""
    raw = bytes(keypair)
    return [
        str(keypair),
        json.dumps(list(raw)),
        json.dumps(list(raw), separators=(",", ":")),
        raw.hex(),
        raw.hex().upper(),
        raw[:32].hex(),
    ]


def assert_no_secret(text: str, keypair: Keypair) -> None:
    leaked = [form for form in secret_forms(keypair) if form in text]
    assert leaked == []


def key_file(folder: Path, keypair: Keypair, mode: int = 0o600) -> Path:
    path = folder / "trader.json"
    path.write_text(json.dumps(list(bytes(keypair))), encoding="utf-8")
    path.chmod(mode)
    return path


class TestLoads:
    """A configured key loads and is the wallet the operator named."""

    def test_keypair_file_relative_to_the_config(self, tmp_path: Path) -> None:
        keypair = Keypair()
        key_file(tmp_path, keypair)
        loaded = load_wallet(SolanaConfig(keypair_path="trader.json"), tmp_path, {})
        assert loaded.wallet.pubkey == str(keypair.pubkey())
        assert loaded.source == str((tmp_path / "trader.json").resolve())
        assert loaded.notices == ()

    @pytest.mark.parametrize("form", ["base58", "json"])
    def test_env_var(self, tmp_path: Path, form: str) -> None:
        keypair = Keypair()
        value = str(keypair) if form == "base58" else json.dumps(list(bytes(keypair)))
        config = SolanaConfig(keypair_env="TRADER_KEY")
        loaded = load_wallet(config, tmp_path, {"TRADER_KEY": value})
        assert loaded.wallet.pubkey == str(keypair.pubkey())
        assert loaded.source == "$TRADER_KEY"

    def test_matching_pin_loads(self, tmp_path: Path) -> None:
        keypair = Keypair()
        key_file(tmp_path, keypair)
        config = SolanaConfig(keypair_path="trader.json", pubkey=str(keypair.pubkey()))
        assert load_wallet(config, tmp_path, {}).wallet.pubkey == str(keypair.pubkey())

    def test_the_wallet_signs_for_its_pubkey(self) -> None:
        keypair = Keypair()
        wallet = Wallet(keypair)
        signature = Signature.from_bytes(wallet.sign_message(b"hello"))
        assert signature.verify(Pubkey.from_string(wallet.pubkey), b"hello")

    @pytest.mark.skipif(os.name != "posix", reason="group/other permission bits are POSIX")
    def test_a_file_others_can_read_is_warned_about(self, tmp_path: Path) -> None:
        path = key_file(tmp_path, Keypair(), mode=0o644)
        loaded = load_wallet(SolanaConfig(keypair_path=str(path)), tmp_path, {})
        assert loaded.notices == (
            f"{path} can be read by other users (mode 644); make it private: chmod 600 {path}",
        )


class TestNeverShown:
    """The wallet prints, formats and fails as its pubkey; it is never pickled or copied."""

    def test_repr_str_format(self) -> None:
        keypair = Keypair()
        wallet = Wallet(keypair)
        pubkey = str(keypair.pubkey())
        assert repr(wallet) == f"Wallet(pubkey={pubkey})"
        assert str(wallet) == f"{wallet}" == pubkey
        assert_no_secret(repr(wallet) + str(wallet) + repr(vars_of(wallet)), keypair)

    @pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy, pickle.dumps])
    def test_not_copied_or_pickled(self, copier: object) -> None:
        assert callable(copier)
        with pytest.raises(TypeError, match="holds a secret key"):
            copier(Wallet(Keypair()))


def vars_of(wallet: Wallet) -> list[str]:
    """The wallet's public attributes, as a caller sees them."""
    return [name for name in dir(wallet) if not name.startswith("_")]


class TestRefusals:
    """A key that cannot be used is refused by name and place, never by content."""

    def test_nothing_configured(self, tmp_path: Path) -> None:
        with pytest.raises(WalletError, match=r"^no wallet configured: set solana\.keypair_path"):
            load_wallet(SolanaConfig(), tmp_path, {})

    def test_pin_mismatch_names_key_file_and_both_pubkeys(self, tmp_path: Path) -> None:
        keypair, pinned = Keypair(), str(Keypair().pubkey())
        path = key_file(tmp_path, keypair)
        config = SolanaConfig(keypair_path=str(path), pubkey=pinned)
        with pytest.raises(WalletError) as refused:
            load_wallet(config, tmp_path, {})
        assert str(refused.value) == (
            f"the key in {path} is for {keypair.pubkey()}, but solana.pubkey pins {pinned}: "
            "refusing the wrong wallet (fix solana.pubkey or the key)"
        )

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ("[1, 2,\n 3,, 4]", "invalid JSON at line 2, column 4"),
            ("[1, 2, 3]", "not a JSON array of 64 integers from 0 to 255"),
            ('{"secret": [1]}', "not a JSON array of 64 integers from 0 to 255"),
            (json.dumps([300] * 64), "not a JSON array of 64 integers from 0 to 255"),
            (json.dumps([1.5] * 64), "not a JSON array of 64 integers from 0 to 255"),
            (json.dumps([7] * 64), "not a valid ed25519 keypair"),
        ],
        ids=["json-error", "short", "object", "range", "floats", "halves-mismatch"],
    )
    def test_bad_file(self, tmp_path: Path, content: str, problem: str) -> None:
        path = tmp_path / "trader.json"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(WalletError) as refused:
            load_wallet(SolanaConfig(keypair_path=str(path)), tmp_path, {})
        message = str(refused.value)
        assert message.startswith(f"solana.keypair_path {path}: {problem}")
        printed = "".join(traceback.format_exception(refused.value))
        assert content not in printed
        assert printed.count("Traceback") == 1  # nothing chained that could carry the content

    def test_mismatched_halves_do_not_leak(self, tmp_path: Path) -> None:
        keypair = Keypair()
        raw = bytes(keypair)
        path = tmp_path / "trader.json"
        path.write_text(json.dumps(list(raw[:32] + bytes(32))), encoding="utf-8")
        with pytest.raises(WalletError) as refused:
            load_wallet(SolanaConfig(keypair_path=str(path)), tmp_path, {})
        assert_no_secret(str(refused.value), keypair)
        assert raw[:32].hex() not in repr(refused.value.args)

    @pytest.mark.parametrize(
        ("setup", "problem"),
        [("missing", "no such file"), ("folder", "is a folder"), ("binary", "not text")],
    )
    def test_unreadable_file(self, tmp_path: Path, setup: str, problem: str) -> None:
        path = tmp_path / "trader.json"
        if setup == "folder":
            path.mkdir()
        elif setup == "binary":
            path.write_bytes(b"\xff\xfe\x00secret")
        with pytest.raises(WalletError, match=problem):
            load_wallet(SolanaConfig(keypair_path=str(path)), tmp_path, {})

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ("", "is not set"),
            ("0OIl-not-base58", "is not base58 text"),
            (str(Keypair().pubkey()), "decodes to 32 bytes; a secret key has 64"),
        ],
        ids=["unset", "alphabet", "length"],
    )
    def test_bad_env(self, tmp_path: Path, value: str, problem: str) -> None:
        config = SolanaConfig(keypair_env="TRADER_KEY")
        with pytest.raises(WalletError) as refused:
            load_wallet(config, tmp_path, {"TRADER_KEY": value})
        message = str(refused.value)
        assert message.startswith("the environment variable TRADER_KEY (solana.keypair_env) ")
        assert problem in message
        assert not value or value not in message

    def test_a_truncated_real_secret_is_not_echoed(self, tmp_path: Path) -> None:
        keypair = Keypair()
        value = str(keypair)[:-3]
        config = SolanaConfig(keypair_env="TRADER_KEY")
        with pytest.raises(WalletError) as refused:
            load_wallet(config, tmp_path, {"TRADER_KEY": value})
        assert value not in str(refused.value)
        assert_no_secret(str(refused.value), keypair)
