"""Provides open_session: config, paths, ledger, market, clock and engine, put together once.

The headless runner and the TUI both start sessions here, so they cannot drift apart.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from soltrader_tui import __version__
from soltrader_tui.config import Config
from soltrader_tui.config_file import load_config
from soltrader_tui.domain import usd_to_micro
from soltrader_tui.engine import Engine
from soltrader_tui.eventlog import LOGGER, market_time
from soltrader_tui.ledger.connect import check_file
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.market.sources import MarketSetup, build_market
from soltrader_tui.paths import Paths, ensure_dirs, find_config, resolve_paths

LOG_FILE = "soltrader.log"


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The `run` flags, parsed."""

    config: Path | None = None
    db: Path | None = None
    seed: int | None = None
    speed: float | None = None
    """Virtual-clock speed; None or 1 is the wall clock, `inf` is as fast as possible."""
    duration_s: float | None = None
    """Market seconds to run; None runs until stopped."""


@dataclass(frozen=True, slots=True)
class Session:
    """A ready-to-run session."""

    config: Config
    paths: Paths
    ledger: Ledger
    engine: Engine
    notices: tuple[str, ...]
    seed: int
    lock: EngineLock
    market: MarketSetup

    def close(self) -> None:
        """Stops the market, closes the ledger and lets the next engine have it."""
        self.market.close()
        self.ledger.close()
        self.lock.release()


def load_settings(config: Path | None, db: Path | None) -> tuple[Config, Paths, tuple[str, ...]]:
    """Finds and loads the config and resolves where files live.

    Raises:
        ConfigError: the config file is invalid.
    """
    config_file = find_config(config, Path.cwd())
    loaded = load_config(config_file)
    paths = resolve_paths(loaded.path, loaded.config.storage, db)
    return loaded.config, paths, loaded.notices


def open_session(opts: RunOptions, command: str = "soltrader-tui run") -> Session:
    """Builds every part of a paper session on the embedded simulated market.

    Raises:
        ConfigError: the config file is invalid.
        LedgerError: the ledger cannot be opened.
        OSError: a data folder cannot be created.
    """
    config, paths, notices = load_settings(opts.config, opts.db)
    ensure_dirs(paths)
    if opts.db is not None:
        paths.ledger.parent.mkdir(parents=True, exist_ok=True)
    seed = config.market.sim.seed if opts.seed is None else opts.seed
    check_file(paths.ledger)  # refuse a file that is not a ledger before leaving a lock beside it
    lock = EngineLock(paths.ledger)
    lock.acquire(command)
    market: MarketSetup | None = None
    ledger: Ledger | None = None
    try:
        ledger = Ledger.open(
            paths.ledger,
            starting_cash_micro=usd_to_micro(config.paper.starting_cash_usd),
            mode="backtest" if config.market.source == "replay" else "paper",
            version=__version__,
            before_migration=_migration_checkpoint(paths, config),
        )
        market = build_market(
            config,
            config_dir=None if paths.config_file is None else paths.config_file.parent,
            seed=seed,
            speed=opts.speed,
            duration_s=opts.duration_s,
            last_marks={mint: m.price_usd for mint, m in ledger.marks().items()},
        )
        engine = Engine(
            config=config,
            ledger=ledger,
            feed=market.feed,
            clock=market.clock,
            version=__version__,
            mode=market.mode,
            duration_s=market.duration_s,
            checkpointer=_checkpointer(paths, config),
        )
    except BaseException:
        if market is not None:
            market.close()
        if ledger is not None:
            ledger.close()
        lock.release()
        raise
    return Session(config, paths, ledger, engine, notices, seed, lock, market)


def _checkpointer(paths: Paths, config: Config) -> Callable[[str], str]:
    def take(reason: str) -> str:
        from soltrader_tui.checkpoints import take_checkpoint

        return take_checkpoint(
            paths.ledger,
            paths.checkpoints_dir,
            config_file=paths.config_file,
            reason=reason,
            keep=config.storage.keep_checkpoints,
        ).name

    return take


def _migration_checkpoint(paths: Paths, config: Config) -> Callable[[int], None]:
    """Checkpoints a ledger of an older schema before it is migrated (DESIGN: backup first)."""

    def take(version: int) -> None:
        name = _checkpointer(paths, config)("before schema migration")
        LOGGER.info("checkpoint %s taken before migrating the ledger from schema %d", name, version)

    return take


class MarketTimeFormatter(logging.Formatter):
    """Puts the market time of an engine event (not the wall time) at the start of the line."""

    def format(self, record: logging.LogRecord) -> str:
        ts = getattr(record, "market_ts", None)
        stamp = market_time(ts) if isinstance(ts, float) else self.formatTime(record)
        return f"{stamp} {record.levelname:<7} {record.getMessage()}"


def configure_logging(paths: Paths, *, to_stderr: bool) -> None:
    """Sends engine log lines to a rotating file in the logs folder and, headless, to stderr."""
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    for handler in list(LOGGER.handlers):
        LOGGER.removeHandler(handler)
        handler.close()
    file_handler = logging.handlers.RotatingFileHandler(
        paths.logs_dir / LOG_FILE, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(MarketTimeFormatter())
    LOGGER.addHandler(file_handler)
    if to_stderr:
        stream = logging.StreamHandler()
        stream.setFormatter(MarketTimeFormatter())
        LOGGER.addHandler(stream)
    LOGGER.info("soltrader-tui %s", __version__)
