"""Provides checkpoints: consistent copies of the ledger you can list, restore and rotate.

A checkpoint is a folder `YYYYMMDD-HHMMSSZ-<reason>` in the checkpoints folder holding
`ledger.sqlite` (taken with SQLite's online backup API, so it is safe while an engine
writes), `config.yaml` (the config file in use, if any), `CHECKPOINT.md` (the figures, for
people) and `checkpoint.json` (the same figures, for programs). It is built in a hidden
`.incomplete-…` folder and renamed into place, so a half-written one never looks complete.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui.checkpoints.report import (
    LEDGER_FILE,
    SUMMARY_FILE,
    CheckpointError,
    write_contents,
)
from soltrader_tui.ledger.connect import check_file, check_integrity, connect, inspect_schema
from soltrader_tui.ledger.errors import LedgerError
from soltrader_tui.ledger.highwater import forget_mark
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.session_writes import note_restore

STAGING_PREFIX = ".incomplete-"
STALE_STAGING_S = 3600.0
"""A staging folder this old was left by a process that died mid-checkpoint; rotation removes it."""
MAX_SLUG = 40
SIDE_FILES = ("-wal", "-shm")
"""SQLite's companions of a WAL ledger; they always move together with it."""

_NAME = re.compile(r"^(\d{8}-\d{6}Z)-([a-z0-9]+(?:-[a-z0-9]+)*)$")


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    """One complete checkpoint, as `soltrader-tui checkpoints` lists it."""

    name: str
    path: Path
    ts: float
    """Wall time it was taken, unix seconds."""
    reason: str
    size_bytes: int
    version: str | None
    """The soltrader-tui version that took it."""
    mode: str | None
    trading_state: str | None
    equity_usd: float | None
    fills: int | None


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What a restore did."""

    checkpoint: CheckpointInfo
    ledger: Path
    """The ledger now holding the checkpoint's copy."""
    previous: Path | None
    """Where the ledger that was replaced now lives; None when there was none."""
    moved: tuple[Path, ...]
    """Every file moved aside: the previous ledger and its -wal/-shm."""


def stamp(ts: float) -> str:
    """Formats unix seconds as the `YYYYMMDD-HHMMSSZ` stamp used in file and folder names."""
    return time.strftime("%Y%m%d-%H%M%SZ", time.gmtime(ts))


def reason_slug(reason: str) -> str:
    """Turns a free-text reason into the lowercase ASCII words of a folder name."""
    slug = "-".join(re.findall(r"[a-z0-9]+", reason.lower()))[:MAX_SLUG].strip("-")
    return slug or "checkpoint"


def take_checkpoint(
    ledger_path: Path,
    checkpoints_dir: Path,
    *,
    config_file: Path | None,
    reason: str,
    keep: int,
    now: float | None = None,
) -> CheckpointInfo:
    """Takes a checkpoint of a ledger, then deletes all but the newest `keep` checkpoints.

    Safe while an engine writes the ledger: the copy is one read transaction of the backup
    API, which WAL lets run beside the engine's commits.

    Args:
        ledger_path: The ledger to copy.
        checkpoints_dir: Where checkpoints live; created if missing.
        config_file: The config file in use, copied beside the ledger; None for the defaults.
        reason: Why it is taken ("manual", "periodic", "before migration", ...).
        keep: How many checkpoints to keep, this one included (at least 1).
        now: Wall time, unix seconds; the current time when None.

    Returns:
        The new checkpoint.

    Raises:
        CheckpointError: the ledger is missing, unreadable or damaged, or the folder cannot
            be written; nothing that looks like a checkpoint is left behind.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1 (got {keep})")
    ts = time.time() if now is None else now
    if not ledger_path.is_file():
        raise CheckpointError(f"no ledger at {ledger_path}: there is nothing to checkpoint")
    try:
        checkpoints_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckpointError(
            f"cannot create the checkpoints folder {checkpoints_dir}: {exc}"
        ) from exc
    name, staging = _reserve(checkpoints_dir, ts, reason)
    final = checkpoints_dir / name
    try:
        write_contents(staging, name, ledger_path, config_file, reason, ts)
        staging.rename(final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise CheckpointError(f"cannot write the checkpoint {final}: {exc}") from exc
        raise
    rotate(checkpoints_dir, keep, protect=name)
    info = _read_info(final)
    if info is None:  # only if someone deleted it in the last instant
        raise CheckpointError(f"the checkpoint {final} vanished right after it was written")
    return info


def _reserve(checkpoints_dir: Path, ts: float, reason: str) -> tuple[str, Path]:
    """Claims a unique name by creating its staging folder (mkdir is atomic)."""
    base = f"{stamp(ts)}-{reason_slug(reason)}"
    for n in range(1, 1000):
        name = base if n == 1 else f"{base}-{n}"
        staging = checkpoints_dir / f"{STAGING_PREFIX}{name}"
        if (checkpoints_dir / name).exists():
            continue
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise CheckpointError(f"cannot write in {checkpoints_dir}: {exc}") from exc
        return name, staging
    raise CheckpointError(f"too many checkpoints named {base} in {checkpoints_dir}")


def list_checkpoints(checkpoints_dir: Path) -> list[CheckpointInfo]:
    """Lists the complete checkpoints, newest first.

    Folders being written (`.incomplete-…`), folders without a ledger copy or a readable
    `checkpoint.json`, and anything not named like a checkpoint are left out.

    Args:
        checkpoints_dir: The checkpoints folder; a missing folder has no checkpoints.

    Returns:
        The checkpoints, newest first.
    """
    if not checkpoints_dir.is_dir():
        return []
    infos = [info for entry in checkpoints_dir.iterdir() if (info := _read_info(entry))]
    infos.sort(key=lambda i: (i.name[:16], i.ts, len(i.name), i.name), reverse=True)
    return infos


def _read_info(folder: Path) -> CheckpointInfo | None:
    if _NAME.match(folder.name) is None or not (folder / LEDGER_FILE).is_file():
        return None
    try:
        data = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        files = [p for p in folder.iterdir() if p.is_file()]
        size = sum(p.stat().st_size for p in files)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("ts"), int | float):
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    equity = data.get("equity_usd")
    fills = data.get("fills")
    return CheckpointInfo(
        name=folder.name,
        path=folder,
        ts=float(data["ts"]),
        reason=text("reason") or "",
        size_bytes=size,
        version=text("version"),
        mode=text("mode"),
        trading_state=text("trading_state"),
        equity_usd=float(equity) if isinstance(equity, int | float) else None,
        fills=fills if isinstance(fills, int) else None,
    )


def rotate(checkpoints_dir: Path, keep: int, *, protect: str | None = None) -> list[str]:
    """Deletes all but the newest `keep` checkpoints; `protect` is always kept.

    A folder that cannot be deleted (a file in it is open, on Windows) is left for the next
    rotation. Staging folders left by a process that died mid-checkpoint are removed too.

    Returns:
        The names of the checkpoints deleted.
    """
    infos = list_checkpoints(checkpoints_dir)
    kept = {protect} if protect is not None else set()
    others = [i for i in infos if i.name not in kept]
    doomed = others[max(0, keep - len(kept)) :]
    removed = []
    for info in doomed:
        # Renamed first, so a deletion cut short never leaves a complete-looking checkpoint.
        trash = checkpoints_dir / f".deleting-{info.name}"
        try:
            info.path.rename(trash)
        except OSError:
            continue
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(info.name)
    _remove_stale(checkpoints_dir)
    return removed


def _remove_stale(checkpoints_dir: Path) -> None:
    cutoff = time.time() - STALE_STAGING_S
    for entry in checkpoints_dir.iterdir():
        try:
            leftover = entry.name.startswith((STAGING_PREFIX, ".deleting-"))
            if leftover and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def verify_copy(path: Path) -> None:
    """Checks a checkpoint's ledger copy: SQLite, a ledger, and passing `PRAGMA quick_check`.

    Raises:
        CheckpointError: naming the file and what is wrong with it.
    """
    if not path.is_file():
        raise CheckpointError(f"the checkpoint copy {path} is missing")
    try:
        check_file(path)
        conn = connect(path, readonly=True)
        try:
            if inspect_schema(conn, path) == 0:
                raise LedgerError(f"{path} is empty")
            check_integrity(conn, path)
        finally:
            conn.close()
    except (LedgerError, sqlite3.Error) as exc:
        raise CheckpointError(f"the checkpoint copy {path} cannot be restored: {exc}") from exc


def newest_restorable(checkpoints_dir: Path) -> CheckpointInfo | None:
    """Returns the newest checkpoint whose ledger copy passes its check, or None."""
    for info in list_checkpoints(checkpoints_dir):
        try:
            verify_copy(info.path / LEDGER_FILE)
        except CheckpointError:
            continue
        return info
    return None


def find_checkpoint(name: str, checkpoints_dir: Path) -> CheckpointInfo:
    """Finds a complete checkpoint by its folder name.

    Raises:
        CheckpointError: there is no complete checkpoint of that name.
    """
    for info in list_checkpoints(checkpoints_dir):
        if info.name == name:
            return info
    raise CheckpointError(
        f"no checkpoint named {name!r} in {checkpoints_dir} "
        "(`soltrader-tui checkpoints` lists them)"
    )


def restore_checkpoint(
    name: str, checkpoints_dir: Path, ledger_path: Path, *, now: float | None = None
) -> RestoreResult:
    """Puts a checkpoint's ledger in place of the current one, which is kept aside.

    Args:
        name: The checkpoint's folder name.
        checkpoints_dir: Where checkpoints live.
        ledger_path: The ledger to replace (it may be missing, e.g. after a quarantine).
        now: Wall time, unix seconds, for the heartbeat check and the aside name.

    Returns:
        The checkpoint restored and where the previous ledger went.

    Raises:
        CheckpointError: no such checkpoint, its copy fails its check, an engine is running
            on the ledger, or a file cannot be moved; the current ledger is then untouched.
    """
    info = find_checkpoint(name, checkpoints_dir)
    source = info.path / LEDGER_FILE
    verify_copy(source)
    ts = time.time() if now is None else now
    try:
        ledger_path.parent.mkdir(parents=True, exist_ok=True)
        lock = EngineLock(ledger_path)
        # Held for the whole swap, so no engine can start on a half-restored ledger.
        lock.acquire("soltrader-tui restore", create=False)
    except (LedgerError, OSError) as exc:
        raise CheckpointError(f"cannot restore {name} onto {ledger_path}: {exc}") from exc
    try:
        return _swap(info, source, ledger_path, ts)
    finally:
        lock.release()


def _swap(info: CheckpointInfo, source: Path, ledger_path: Path, ts: float) -> RestoreResult:
    staged = ledger_path.with_name(ledger_path.name + ".restoring")
    try:
        # The slow copy happens before anything moves, so the ledger is missing for an instant.
        shutil.copyfile(source, staged)
        # Orphaned -wal/-shm go too: SQLite would replay them into the restored file.
        moved = _move_aside(ledger_path, "before-restore", ts)
    except (OSError, CheckpointError) as exc:
        staged.unlink(missing_ok=True)
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"cannot copy {source} to {staged}: {exc}") from exc
    previous = moved.get("")
    # The note is for `journal`; a copy that passed its check is restored without it.
    with contextlib.suppress(sqlite3.Error):
        note_restore(staged, info.name, previous, ts)
    try:
        staged.replace(ledger_path)
    except OSError as exc:
        raise CheckpointError(
            f"cannot put the restored ledger in place at {ledger_path}: {exc}. "
            f"The copy is at {staged}; the previous ledger is at {previous or '—'}."
        ) from exc
    # The restored ledger is behind the mark on purpose: the operator chose it.
    forget_mark(ledger_path)
    return RestoreResult(info, ledger_path, previous, tuple(moved.values()))


def quarantine(ledger_path: Path, now: float | None = None) -> Path:
    """Moves a damaged ledger and its -wal/-shm aside as `<ledger>.damaged-<stamp>`.

    Args:
        ledger_path: The ledger that failed its check.
        now: Wall time, unix seconds, for the stamp.

    Returns:
        The new path of the ledger file (its -wal/-shm sit beside it with the same name).

    Raises:
        CheckpointError: the ledger is missing or cannot be moved.
    """
    if not ledger_path.exists():
        raise CheckpointError(f"no ledger at {ledger_path} to move aside")
    return _move_aside(ledger_path, "damaged", time.time() if now is None else now)[""]


def _move_aside(ledger_path: Path, label: str, ts: float) -> dict[str, Path]:
    """Renames the ledger and its side files that exist to `<ledger>.<label>-<stamp>`.

    All or nothing. Side files move first: a main file moved without its -wal would leave
    that -wal to be replayed into whatever ledger is put in its place next.

    Returns:
        The new path of each file moved, by suffix ("" is the ledger itself).
    """
    base = f"{ledger_path.name}.{label}-{stamp(ts)}"
    n = 1
    while any(ledger_path.with_name(_numbered(base, n) + s).exists() for s in (*SIDE_FILES, "")):
        n += 1
    target = _numbered(base, n)
    done: dict[str, Path] = {}
    for suffix in (*SIDE_FILES, ""):
        src = ledger_path.with_name(ledger_path.name + suffix)
        dst = ledger_path.with_name(target + suffix)
        if not src.exists():
            continue
        try:
            src.rename(dst)
        except OSError as exc:
            _move_back(ledger_path, done)
            raise CheckpointError(
                f"cannot move {src} aside to {dst}: {exc.strerror or exc}. Close every program "
                "using the ledger (watch, status, a database browser) and try again."
            ) from exc
        done[suffix] = dst
    return done


def _move_back(ledger_path: Path, done: dict[str, Path]) -> None:
    for suffix, dst in reversed(done.items()):
        try:
            dst.rename(ledger_path.with_name(ledger_path.name + suffix))
        except OSError:
            continue  # the error the caller raises names both paths


def _numbered(base: str, n: int) -> str:
    return base if n == 1 else f"{base}-{n}"


__all__ = [
    "CheckpointError",
    "CheckpointInfo",
    "RestoreResult",
    "find_checkpoint",
    "list_checkpoints",
    "newest_restorable",
    "quarantine",
    "reason_slug",
    "restore_checkpoint",
    "rotate",
    "stamp",
    "take_checkpoint",
    "verify_copy",
]


def checkpoint_line(info: CheckpointInfo, ledger: Path, by: str) -> str:
    """The log line for a checkpoint taken on request: what was copied, by whom, to where."""
    return f"CHECKPOINT {info.name} taken by {by}: ledger {ledger} copied to {info.path}"
