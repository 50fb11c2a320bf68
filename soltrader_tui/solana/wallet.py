"""Provides Wallet: the trading wallet's keypair, loaded from a file or an environment variable.

The secret key is kept where nothing prints it. A `Wallet` shows only its public key (repr,
str, format), refuses to be pickled, and keeps the solders `Keypair` private (whose `str` is
the secret in base58). Every error while loading names the config key, the file or the
variable and what is wrong with it, never what it holds, and is raised `from None` so no
chained exception carries the contents into a traceback.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, SupportsIndex

from solders.keypair import Keypair

from soltrader_tui.config.model import SolanaConfig
from soltrader_tui.solana.errors import WalletError

_KEYPAIR_LEN = 64
_FILE_MAX_BYTES = 4096
"""A keypair file is under 300 bytes; anything far bigger is the wrong file."""
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58)}


class Wallet:
    """A keypair whose secret is used to sign and never shown: it prints as its public key."""

    __slots__ = ("__keypair", "pubkey")

    def __init__(self, keypair: Keypair) -> None:
        self.__keypair = keypair
        self.pubkey: str = str(keypair.pubkey())
        """The public key, base58."""

    def __repr__(self) -> str:
        return f"Wallet(pubkey={self.pubkey})"

    def __str__(self) -> str:
        return self.pubkey

    def __format__(self, spec: str) -> str:
        return format(self.pubkey, spec)

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("a Wallet is not pickled or copied: it holds a secret key")

    def sign_message(self, message: bytes) -> bytes:
        """Signs `message` with the secret key; returns the 64-byte ed25519 signature."""
        return bytes(self.__keypair.sign_message(message))


@dataclass(frozen=True, slots=True)
class LoadedWallet:
    """A wallet, where its key came from, and what the operator should know about it."""

    wallet: Wallet
    source: str
    """Where the key was read: the file's path or the variable's name (never its value)."""
    notices: tuple[str, ...] = ()
    """Warnings, such as a key file others can read."""


def load_wallet(
    config: SolanaConfig,
    config_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> LoadedWallet:
    """Loads the wallet the `solana` section names, and checks it against `solana.pubkey`.

    Args:
        config: The `solana` section.
        config_dir: The config file's folder, which a relative `keypair_path` is taken from.
        environ: The environment (default: the process's).

    Raises:
        WalletError: No key is configured, the file or variable is unusable, or the key is not
            the pinned one. The message names what and where, never the secret.
    """
    env = os.environ if environ is None else environ
    if config.keypair_path is not None:
        path = (config_dir / Path(config.keypair_path).expanduser()).resolve()
        keypair = _from_file(path)
        source, notices = str(path), _permission_notices(path)
    elif config.keypair_env is not None:
        keypair = _from_env(config.keypair_env, env)
        source, notices = f"${config.keypair_env}", ()
    else:
        raise WalletError(
            "no wallet configured: set solana.keypair_path (a keypair file) or "
            "solana.keypair_env (a variable holding the key); see docs/wallet.md"
        )
    wallet = Wallet(keypair)
    if config.pubkey is not None and config.pubkey != wallet.pubkey:
        raise WalletError(
            f"the key in {source} is for {wallet.pubkey}, but solana.pubkey pins "
            f"{config.pubkey}: refusing the wrong wallet (fix solana.pubkey or the key)"
        )
    return LoadedWallet(wallet, source, notices)


def _from_file(path: Path) -> Keypair:
    where = f"solana.keypair_path {path}"
    try:
        size = path.stat().st_size
        if size > _FILE_MAX_BYTES:
            raise WalletError(f"{where}: {size} bytes is too big for a keypair file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WalletError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise WalletError(f"{where}: is a folder, not a keypair file") from None
    except UnicodeDecodeError:
        raise WalletError(f"{where}: not text (not a JSON array of 64 integers)") from None
    except OSError as exc:
        raise WalletError(f"{where}: cannot be read ({exc.strerror or 'I/O error'})") from None
    return _from_json_array(text, where)


def _from_json_array(text: str, where: str) -> Keypair:
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        # Line and column only: the error's own text and document would repeat the key.
        message = f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}"
        raise WalletError(message) from None
    if (
        not isinstance(values, list)
        or len(values) != _KEYPAIR_LEN
        or not all(type(v) is int and 0 <= v <= 255 for v in values)
    ):
        raise WalletError(f"{where}: not a JSON array of 64 integers from 0 to 255")
    return _keypair(bytes(values), where)


def _from_env(name: str, environ: Mapping[str, str]) -> Keypair:
    where = f"the environment variable {name} (solana.keypair_env)"
    value = environ.get(name, "").strip()
    if not value:
        raise WalletError(f"{where} is not set")
    if value.startswith("["):
        return _from_json_array(value, where)
    secret = _b58decode(value)
    if secret is None:
        raise WalletError(f"{where} is not base58 text (nor a JSON array of 64 integers)")
    if len(secret) != _KEYPAIR_LEN:
        raise WalletError(f"{where} decodes to {len(secret)} bytes; a secret key has 64")
    return _keypair(secret, where)


def _keypair(secret: bytes, where: str) -> Keypair:
    try:
        return Keypair.from_bytes(secret)
    except ValueError:
        # The second half of a Solana secret key is its public key; solders checks they match.
        message = f"{where}: not a valid ed25519 keypair (its public half does not match)"
        raise WalletError(message) from None


def _b58decode(text: str) -> bytes | None:
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            return None
        number = number * 58 + digit
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return bytes(leading_zeros) + body


def _permission_notices(path: Path) -> tuple[str, ...]:
    # Windows has no group/other bits (os.stat reports 0o666 for any writable file): the check
    # means something only on POSIX systems.
    if os.name != "posix":
        return ()
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
            f"make it private: chmod 600 {path}",
        )
    return ()
