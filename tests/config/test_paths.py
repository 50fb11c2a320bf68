"""Tests where the config file is found and where the ledger, logs and checkpoints go."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pytest

from soltrader_tui.config.model import StorageConfig
from soltrader_tui.config.paths import (
    APP_NAME,
    DataFolderError,
    Paths,
    describe,
    ensure_dirs,
    find_config,
    resolve_paths,
    user_config_file,
    user_data_dir,
)


@dataclass(frozen=True, slots=True)
class UserDirs:
    """The per-user folders the app sees during a test."""

    config_dir: Path
    data_dir: Path


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserDirs:
    """Points the OS user folders into tmp_path, so no test reads or writes the real ones."""
    config_home, data_home = tmp_path / "xdg-config", tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    if not sys.platform.startswith("linux"):
        # Only the Linux backend of platformdirs honours the XDG variables.
        monkeypatch.setattr(
            platformdirs, "user_config_path", lambda *a, **k: config_home / APP_NAME
        )
        monkeypatch.setattr(platformdirs, "user_data_path", lambda *a, **k: data_home / APP_NAME)
    return UserDirs(config_home / APP_NAME, data_home / APP_NAME)


def make_folder(*parts: Path | str) -> Path:
    """Creates a folder (and its parents) and returns it."""
    folder = Path(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_config(folder: Path, text: str = "mode: paper\n") -> Path:
    """Writes a config.yaml into `folder` (created if needed) and returns its path."""
    path = make_folder(folder) / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestUserFolders:
    """The user config and data folders follow the OS conventions (XDG on Linux)."""

    def test_follow_the_environment(self, user_dirs: UserDirs) -> None:
        assert user_config_file() == user_dirs.config_dir / "config.yaml"
        assert user_data_dir() == user_dirs.data_dir


class TestFindConfig:
    """The config file is `--config`, else ./config.yaml, else the user's, else none."""

    def test_explicit_wins_even_over_the_current_folder(
        self, tmp_path: Path, user_dirs: UserDirs
    ) -> None:
        cwd = tmp_path / "cwd"
        write_config(cwd)
        write_config(user_dirs.config_dir)
        explicit = tmp_path / "elsewhere" / "mine.yaml"
        assert find_config(explicit, cwd) == explicit

    def test_explicit_missing_file_is_still_returned(
        self, tmp_path: Path, user_dirs: UserDirs
    ) -> None:
        assert find_config(Path("missing.yaml"), tmp_path) == tmp_path / "missing.yaml"

    def test_relative_explicit_is_taken_from_cwd(self, tmp_path: Path, user_dirs: UserDirs) -> None:
        cwd = make_folder(tmp_path, "cwd")
        assert find_config(Path("sub/c.yaml"), cwd) == cwd / "sub" / "c.yaml"

    def test_current_folder_before_user_folder(self, tmp_path: Path, user_dirs: UserDirs) -> None:
        cwd_config = write_config(tmp_path / "cwd")
        write_config(user_dirs.config_dir)
        assert find_config(None, tmp_path / "cwd") == cwd_config

    def test_user_folder_when_current_folder_has_none(
        self, tmp_path: Path, user_dirs: UserDirs
    ) -> None:
        user_config = write_config(user_dirs.config_dir)
        assert find_config(None, make_folder(tmp_path, "cwd")) == user_config

    def test_none_anywhere(self, tmp_path: Path, user_dirs: UserDirs) -> None:
        assert find_config(None, make_folder(tmp_path, "cwd")) is None

    def test_a_folder_named_config_yaml_is_not_a_config(
        self, tmp_path: Path, user_dirs: UserDirs
    ) -> None:
        cwd = make_folder(tmp_path, "cwd")
        make_folder(cwd, "config.yaml")
        assert find_config(None, cwd) is None


class TestSameLedgerFromAnyFolder:
    """Relaunching from another folder (e.g. Windows Terminal's home) finds the same ledger."""

    def test_user_config_from_two_folders(self, tmp_path: Path, user_dirs: UserDirs) -> None:
        write_config(user_dirs.config_dir)
        ledgers = set()
        for cwd in (make_folder(tmp_path, "home"), make_folder(tmp_path, "projects", "bot")):
            config_file = find_config(None, cwd)
            ledgers.add(resolve_paths(config_file, StorageConfig(data_dir="data")).ledger)
        assert ledgers == {user_dirs.config_dir / "data" / "soltrader.sqlite"}

    def test_explicit_relative_config_from_two_folders(
        self, tmp_path: Path, user_dirs: UserDirs
    ) -> None:
        write_config(tmp_path / "bot")
        storage = StorageConfig(data_dir="state")
        from_home = resolve_paths(find_config(Path("bot/config.yaml"), tmp_path), storage)
        from_bot = resolve_paths(find_config(Path("config.yaml"), tmp_path / "bot"), storage)
        assert from_home == from_bot
        assert from_home.ledger == (tmp_path / "bot" / "state" / "soltrader.sqlite").resolve()

    def test_no_config_from_two_folders_uses_the_user_data_folder(
        self, tmp_path: Path, user_dirs: UserDirs, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        results = set()
        for cwd in (make_folder(tmp_path, "a"), make_folder(tmp_path, "b")):
            monkeypatch.chdir(cwd)
            results.add(resolve_paths(find_config(None, cwd), StorageConfig()))
        assert len(results) == 1
        paths = results.pop()
        assert paths.config_file is None
        assert paths.data_dir == user_dirs.data_dir.resolve()
        assert paths.ledger == user_dirs.data_dir.resolve() / "soltrader.sqlite"


class TestResolvePaths:
    """The data folder comes from storage.data_dir or the config file's folder; all absolute."""

    def test_default_is_the_config_files_folder(self, tmp_path: Path) -> None:
        config_file = write_config(tmp_path / "bot")
        paths = resolve_paths(config_file, StorageConfig())
        folder = (tmp_path / "bot").resolve()
        assert paths == Paths(
            config_file=config_file.resolve(),
            data_dir=folder,
            ledger=folder / "soltrader.sqlite",
            logs_dir=folder / "logs",
            checkpoints_dir=folder / "checkpoints",
        )

    def test_relative_data_dir_is_taken_from_the_config_folder_not_cwd(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config_file = write_config(tmp_path / "bot")
        monkeypatch.chdir(make_folder(tmp_path, "somewhere", "else"))
        paths = resolve_paths(config_file, StorageConfig(data_dir="../shared/data"))
        assert paths.data_dir == (tmp_path / "shared" / "data").resolve()
        assert paths.logs_dir == paths.data_dir / "logs"

    def test_absolute_data_dir_used_as_given(self, tmp_path: Path) -> None:
        target = tmp_path / "ledgers"
        paths = resolve_paths(write_config(tmp_path / "bot"), StorageConfig(data_dir=str(target)))
        assert paths.data_dir == target.resolve()

    def test_home_is_expanded(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        home = make_folder(tmp_path, "home")
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("USERPROFILE", str(home))  # what expanduser reads on Windows
        paths = resolve_paths(write_config(tmp_path / "bot"), StorageConfig(data_dir="~/trading"))
        assert paths.data_dir == (home / "trading").resolve()

    def test_relative_data_dir_without_config_is_under_the_user_data_folder(
        self, user_dirs: UserDirs
    ) -> None:
        paths = resolve_paths(None, StorageConfig(data_dir="sessions"))
        assert paths.data_dir == (user_dirs.data_dir / "sessions").resolve()

    def test_ledger_file_name(self, tmp_path: Path) -> None:
        storage = StorageConfig(ledger_file="june.sqlite")
        paths = resolve_paths(write_config(tmp_path), storage)
        assert paths.ledger == tmp_path.resolve() / "june.sqlite"

    def test_db_override_replaces_only_the_ledger(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config_file = write_config(tmp_path / "bot")
        monkeypatch.chdir(make_folder(tmp_path, "cwd"))
        paths = resolve_paths(config_file, StorageConfig(), db_override=Path("test.sqlite"))
        assert paths.ledger == (tmp_path / "cwd" / "test.sqlite").resolve()
        assert paths.data_dir == (tmp_path / "bot").resolve()
        assert paths.logs_dir == paths.data_dir / "logs"

    def test_ledger_origin_is_kept(self, tmp_path: Path) -> None:
        """A --db ledger may be anyone's file; the configured one is ours (issue 6)."""
        config_file = write_config(tmp_path / "bot")
        configured = resolve_paths(config_file, StorageConfig())
        given = resolve_paths(config_file, StorageConfig(), db_override=configured.ledger)
        assert configured.ledger_given is False
        assert given.ledger_given is True
        assert given.ledger == configured.ledger, "same file, told apart only by its origin"

    def test_relative_config_file_made_absolute(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        write_config(tmp_path / "bot")
        monkeypatch.chdir(tmp_path)
        paths = resolve_paths(Path("bot/config.yaml"), StorageConfig())
        for path in (paths.config_file, paths.data_dir, paths.ledger, paths.logs_dir):
            assert path is not None
            assert path.is_absolute()
        assert paths.ledger == (tmp_path / "bot" / "soltrader.sqlite").resolve()

    def test_touches_nothing_on_disk(self, tmp_path: Path) -> None:
        paths = resolve_paths(None, StorageConfig(data_dir=str(tmp_path / "new")))
        assert not paths.data_dir.exists()
        assert list(tmp_path.iterdir()) == []


class TestEnsureDirs:
    """The folders are created on demand, and an unusable one is named in the error."""

    def test_creates_all_folders(self, tmp_path: Path) -> None:
        paths = resolve_paths(
            None,
            StorageConfig(data_dir=str(tmp_path / "data")),
            db_override=tmp_path / "db" / "x.sqlite",
        )
        ensure_dirs(paths)
        ensure_dirs(paths)  # a second start finds them in place
        for folder in (paths.data_dir, paths.logs_dir, paths.checkpoints_dir, paths.ledger.parent):
            assert folder.is_dir()
        assert not paths.ledger.exists()
        assert sorted(p.name for p in paths.data_dir.iterdir()) == ["checkpoints", "logs"]

    def test_file_in_the_way_names_the_folder(self, tmp_path: Path) -> None:
        blocker = tmp_path / "data"
        blocker.write_text("not a folder", encoding="utf-8")
        paths = resolve_paths(None, StorageConfig(data_dir=str(blocker)))
        with pytest.raises(DataFolderError) as caught:
            ensure_dirs(paths)
        assert isinstance(caught.value, OSError)
        assert caught.value.folder == paths.data_dir
        assert str(caught.value).startswith(f"cannot use {paths.data_dir} for data: ")
        assert "storage.data_dir" in str(caught.value)

    def test_logs_blocked_names_the_logs_folder(self, tmp_path: Path) -> None:
        make_folder(tmp_path, "data")
        (tmp_path / "data" / "logs").write_text("", encoding="utf-8")
        paths = resolve_paths(None, StorageConfig(data_dir=str(tmp_path / "data")))
        with pytest.raises(DataFolderError, match="for logs"):
            ensure_dirs(paths)


class TestDescribe:
    """`soltrader-tui paths` shows one labelled row per location."""

    def test_rows_with_a_config_file(self, tmp_path: Path) -> None:
        paths = resolve_paths(write_config(tmp_path), StorageConfig())
        assert describe(paths) == [
            ("config file", str(paths.config_file)),
            ("data dir", str(paths.data_dir)),
            ("ledger", str(paths.ledger)),
            ("logs", str(paths.logs_dir)),
            ("checkpoints", str(paths.checkpoints_dir)),
        ]

    def test_no_config_file_says_defaults(self, user_dirs: UserDirs) -> None:
        rows = dict(describe(resolve_paths(None, StorageConfig())))
        assert rows["config file"] == "(none: defaults)"
        assert rows["ledger"] == str(user_dirs.data_dir.resolve() / "soltrader.sqlite")
