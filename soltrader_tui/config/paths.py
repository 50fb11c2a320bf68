"""Provides the file locations: which config file is used and where the data lives.

Windows Terminal opens in the user's home folder, so nothing here depends on the current
folder once the config file is chosen: relaunching from anywhere finds the same ledger.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from soltrader_tui.config.model import StorageConfig
from soltrader_tui.errors import UserInputError

APP_NAME = "soltrader-tui"
CONFIG_NAME = "config.yaml"


def user_config_file() -> Path:
    """Gives the per-user config file location (it may not exist).

    Returns:
        `config.yaml` in the OS's user config folder, e.g. `~/.config/soltrader-tui/`
        on Linux or `%LOCALAPPDATA%\\soltrader-tui\\` on Windows.
    """
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / CONFIG_NAME


def user_data_dir() -> Path:
    """Gives the per-user data folder, used when there is no config file (it may not exist).

    Returns:
        The OS's user data folder for the app, e.g. `~/.local/share/soltrader-tui`.
    """
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def find_config(explicit: Path | None, cwd: Path) -> Path | None:
    """Chooses the config file.

    Args:
        explicit: The `--config` argument, if given; used even if it does not exist, so
            that loading it reports "no such file" instead of silently using defaults.
        cwd: The current folder; a relative `explicit` is taken from it.

    Returns:
        `explicit`, else `cwd/config.yaml` if it exists, else the user config file if it
        exists, else None (built-in defaults).
    """
    if explicit is not None:
        return cwd / explicit.expanduser()
    for candidate in (cwd / CONFIG_NAME, user_config_file()):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class Paths:
    """Where one session reads and writes; every path is absolute."""

    config_file: Path | None
    """The config file in use; None when the built-in defaults are in use."""
    data_dir: Path
    ledger: Path
    logs_dir: Path
    checkpoints_dir: Path
    ledger_given: bool = False
    """True when `--db` named the ledger: it may be any file, so one that is not a ledger is
    refused and left untouched. False when the config put it in our data folder under our file
    name: a file there that is not a ledger is ours, damaged, and is moved aside."""


def resolve_paths(
    config_file: Path | None, storage: StorageConfig, db_override: Path | None = None
) -> Paths:
    """Works out the data locations without touching the disk.

    Args:
        config_file: The config file in use, or None.
        storage: The `storage` section of the config.
        db_override: The `--db` argument, if given; it replaces the ledger location only.

    Returns:
        Absolute paths. `data_dir` is `storage.data_dir` (`~` expanded; a relative one is
        taken from the config file's folder, or the user data folder without one), else the
        config file's folder, else the user data folder.
    """
    base = user_data_dir() if config_file is None else _absolute(config_file).parent
    chosen = base if storage.data_dir is None else base / Path(storage.data_dir).expanduser()
    data_dir = _absolute(chosen)
    ledger = (
        _absolute(db_override.expanduser())
        if db_override is not None
        else _absolute(data_dir / storage.ledger_file)
    )
    return Paths(
        config_file=None if config_file is None else _absolute(config_file),
        data_dir=data_dir,
        ledger=ledger,
        logs_dir=data_dir / "logs",
        checkpoints_dir=data_dir / "checkpoints",
        ledger_given=db_override is not None,
    )


def _absolute(path: Path) -> Path:
    # resolve() also normalises `..`, so one ledger never shows up under two names.
    return path.resolve()


class DataFolderError(UserInputError, OSError):
    """A data folder that cannot be created or written to."""

    def __init__(self, folder: Path, purpose: str, reason: str) -> None:
        """Creates the error.

        Args:
            folder: The folder that failed.
            purpose: What the folder is for, e.g. "logs".
            reason: Why it failed, from the operating system.
        """
        self.folder = folder
        self.purpose = purpose
        super().__init__(
            f"cannot use {folder} for {purpose}: {reason}. "
            "Set storage.data_dir in the config file to a folder you can write to, "
            "or pass --db for the ledger."
        )


def ensure_dirs(paths: Paths) -> None:
    """Creates the data, logs and checkpoints folders and checks they can be written to.

    Args:
        paths: The resolved locations.

    Raises:
        DataFolderError: A folder cannot be created or written to; the message names it.
    """
    folders = (
        (paths.data_dir, "data"),
        (paths.ledger.parent, "the ledger"),
        (paths.logs_dir, "logs"),
        (paths.checkpoints_dir, "checkpoints"),
    )
    for folder, purpose in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # A real write is the only reliable test on Windows, where permission bits lie.
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise DataFolderError(folder, purpose, exc.strerror or str(exc)) from exc


def describe(paths: Paths) -> list[tuple[str, str]]:
    """Gives the rows `soltrader-tui paths` prints.

    Args:
        paths: The resolved locations.

    Returns:
        (label, value) pairs: config file, data dir, ledger, logs, checkpoints.
    """
    config = "(none: defaults)" if paths.config_file is None else str(paths.config_file)
    return [
        ("config file", config),
        ("data dir", str(paths.data_dir)),
        ("ledger", str(paths.ledger)),
        ("logs", str(paths.logs_dir)),
        ("checkpoints", str(paths.checkpoints_dir)),
    ]
