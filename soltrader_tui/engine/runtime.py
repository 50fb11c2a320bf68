"""Provides open_session: config, paths, ledger, market, clock and engine, put together once.

The headless runner and the TUI both start sessions here, so they cannot drift apart.
"""

from __future__ import annotations

import logging
import logging.handlers
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui import __version__
from soltrader_tui.alerts.sender import make_sender
from soltrader_tui.clock import WALL_CATCH_UP_S, Clock, continue_from
from soltrader_tui.config.load import load_settings
from soltrader_tui.config.model import Config
from soltrader_tui.config.paths import Paths, ensure_dirs
from soltrader_tui.domain import Mode, usd_to_micro
from soltrader_tui.engine.engine import Engine
from soltrader_tui.errors import UserInputError
from soltrader_tui.ledger.connect import IntegrityCheck, check_file
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError, NotALedger
from soltrader_tui.ledger.lock import EngineLock
from soltrader_tui.ledger.log import LOGGER, MarketTimeFormatter, QuietFileHandler, log_file
from soltrader_tui.ledger.store import Ledger
from soltrader_tui.ledger.timeorder import LedgerAhead
from soltrader_tui.ledger.write_failure import check_free_space
from soltrader_tui.market.sources import MarketSetup, build_market
from soltrader_tui.market.sources import preload as preload_market
from soltrader_tui.monitor.endpoints import EndpointServer, resolve_token
from soltrader_tui.monitor.health import Limits, health_json
from soltrader_tui.monitor.health_reads import check_ledger

if TYPE_CHECKING:
    from soltrader_tui.solana.wallet import LoadedWallet


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
    accept_lost_fills: bool = False
    """Start on a ledger that lost committed fills (a deleted -wal), recording the acceptance."""
    live: bool = False
    """`--live` was given and every live opt-in passed (`commands.live_optin`): trade live."""


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
    checkpoints_taken: tuple[str, ...] = ()
    """Log lines for the checkpoints taken while opening (before a migration or a mode switch),
    and for lost fills accepted (`--accept-lost-fills`).
    Logging is configured only once the session's paths are known, so the caller logs them."""
    endpoints: EndpointServer | None = None
    """The `/health` and `/metrics` endpoints (None: `monitor.http_port` is not set)."""

    def close(self) -> None:
        """Stops the endpoints and the market, closes the ledger and lets the next engine
        have it."""
        if self.endpoints is not None:
            self.endpoints.close()
        self.market.close()
        self.ledger.close()
        self.lock.release()


def open_session(
    opts: RunOptions,
    command: str = "soltrader-tui run",
    *,
    preload: Callable[[], object] | None = None,
) -> Session:
    """Builds every part of a paper session on the embedded simulated market.

    Before the engine is built, a checkpoint is taken when the ledger is about to be migrated
    or when its previous session ran in another mode (DESIGN: backup before a risky change).

    Raises:
        ConfigError: the config file is invalid.
        LedgerDamaged: the ledger failed its check; also a file that is not a ledger at the
            place the config chose (ours, damaged), unlike one given with `--db`.
        LedgerError: the ledger cannot be opened (a `--db` file that is not a ledger, a newer
            schema, another engine on it); the file is untouched. `LedgerAhead`: the session's
            clock would start before the ledger's last market time (an accelerated session's
            clock starts at it instead; the wall clock and a replay cannot).
        LedgerBehind: the ledger holds fewer fills than it committed (exit 2), unless
            `opts.accept_lost_fills`.
        LedgerWriteFailed: the ledger's disk has less than `storage.min_free_mb` free, or a
            write at start failed (disk full, read-only, I/O error).
        CheckpointError: a checkpoint due before a migration or a mode switch failed.
        OSError: a data folder cannot be created.

    `preload` (e.g. the dashboard's imports) runs while the ledger's integrity check does.
    """
    config, paths, notices, wallet = _settings(opts)
    seed = config.market.sim.seed if opts.seed is None else opts.seed
    lock = _lock_ledger_file(paths, config, opts, command)
    taken: list[str] = []
    market: MarketSetup | None = None
    ledger: Ledger | None = None
    endpoints: EndpointServer | None = None
    # quick_check reads the whole file in C with the GIL released: imports run beside it.
    checking = IntegrityCheck(paths.ledger)
    try:
        preload_market(config, opts.speed)
        if preload is not None:
            preload()
        ledger = _open_ledger(paths, config, checking, taken)
        last_ts = ledger.market_times().newest
        market = _build_market(config, paths, opts, seed, ledger, last_ts)
        refuse_the_past(market.clock, last_ts, paths.ledger, config.market.source == "replay")
        _keep_high_water(ledger, opts, market, taken)
        _mode_switch_checkpoint(paths, config, ledger, market.mode, taken)
        engine = _build_engine(config, paths, ledger, market, wallet)
        endpoints = start_endpoints(config, paths, engine, taken)
    except BaseException:
        if endpoints is not None:
            endpoints.close()
        _abandon(market, ledger, checking, lock)
        raise
    return Session(
        config, paths, ledger, engine, notices, seed, lock, market, tuple(taken), endpoints
    )


def _settings(opts: RunOptions) -> tuple[Config, Paths, tuple[str, ...], LoadedWallet | None]:
    """The config, paths and notices of a session, and its wallet (loaded and checked).

    Raises:
        ConfigError: the config file is invalid.
        UserInputError: a live config in a session not started with `--live`.
        WalletError: the configured key cannot be loaded or is not the pinned one.
    """
    config, paths, notices = load_settings(opts.config, opts.db)
    if config.mode == "live" and not opts.live:
        # The commands ask for the three opt-ins before they get here; a caller that did not
        # is refused, so no code path trades live by accident.
        raise UserInputError(
            "the config says mode: live, but this session was not started with --live"
        )
    wallet = _check_wallet(config, paths)
    if wallet is not None:
        notices = (*notices, *wallet.notices)
    return config, paths, notices, wallet


def start_endpoints(
    config: Config, paths: Paths, engine: Engine, taken: list[str]
) -> EndpointServer | None:
    """Starts the `/health` and `/metrics` endpoints when `monitor.http_port` is set, fed by
    `engine`; says where in a log line (`taken`).

    Raises:
        EndpointError: the token's variable is unset, or the port cannot be bound.
    """
    monitor = config.monitor
    if monitor.http_port is None:
        return None
    limits = Limits.of(config)

    def health() -> dict[str, object]:
        from soltrader_tui.checkpoints.store import list_checkpoints

        found = list_checkpoints(paths.checkpoints_dir)
        report = check_ledger(
            paths.ledger,
            now_wall=time.time(),
            limits=limits,
            newest_checkpoint_wall=found[0].ts if found else None,
        )
        return health_json(report)

    server = EndpointServer(
        bind=monitor.bind, port=monitor.http_port, token=resolve_token(monitor), health=health
    )
    engine.monitoring.serve(server)
    server.start()
    taken.append(f"monitor endpoints at {server.url}/health and {server.url}/metrics")
    return server


def _lock_ledger_file(paths: Paths, config: Config, opts: RunOptions, command: str) -> EngineLock:
    """Makes the data folders, checks the ledger file is one, then takes the engine lock.

    Raises:
        LedgerDamaged: the file at the place the config chose is not a ledger.
        LedgerError: a `--db` file is not a ledger, or another engine holds the lock.
        LedgerWriteFailed: the ledger's disk has less than `storage.min_free_mb` free.
        OSError: a data folder cannot be created.
    """
    ensure_dirs(paths)
    if opts.db is not None:
        paths.ledger.parent.mkdir(parents=True, exist_ok=True)
    # A file that is not a ledger is refused before a lock is left beside it.
    with _damaged_if_ours(paths):
        check_file(paths.ledger)
    # Trading into a disk about to fill ends in a halt with positions open: refused up front.
    check_free_space(paths.ledger, config.storage.min_free_mb)
    lock = EngineLock(paths.ledger)
    lock.acquire(command)
    return lock


def _open_ledger(
    paths: Paths, config: Config, checking: IntegrityCheck, taken: list[str]
) -> Ledger:
    """Opens the ledger for the engine, migrating it (after a checkpoint) when it is older.

    Raises:
        LedgerDamaged: the ledger failed its check, or the config's file is not a ledger.
        LedgerError: the ledger cannot be opened (not a ledger given with `--db`, newer schema).
        CheckpointError: the checkpoint due before a migration failed.
    """
    with _damaged_if_ours(paths):
        return Ledger.open(
            paths.ledger,
            starting_cash_micro=usd_to_micro(config.paper.starting_cash_usd),
            mode=_ledger_mode(config),
            version=__version__,
            before_migration=_migration_checkpoint(paths, config, taken),
            checking=checking,
        )


def _ledger_mode(config: Config) -> Mode:
    """The mode a new ledger is created in."""
    if config.market.source == "replay":
        return "backtest"
    return "live" if config.mode == "live" else "paper"


def _check_wallet(config: Config, paths: Paths) -> LoadedWallet | None:
    """Loads the configured wallet, if one is named, before anything else starts: a key that is
    missing, unreadable or not the pinned `solana.pubkey` refuses the session (exit 2) rather
    than surfacing at the first live order. Nothing signs with it in a paper session.

    Raises:
        WalletError: the key cannot be loaded or is not the pinned one.
    """
    solana = config.solana
    if solana.keypair_path is None and solana.keypair_env is None:
        return None
    from soltrader_tui.solana.wallet import load_wallet

    folder = paths.config_file.parent if paths.config_file is not None else Path.cwd()
    return load_wallet(solana, folder)


def _build_market(
    config: Config,
    paths: Paths,
    opts: RunOptions,
    seed: int,
    ledger: Ledger,
    last_ts: float | None,
) -> MarketSetup:
    """Builds the session's feed and clock, continuing from the ledger's last marks and time."""
    return build_market(
        config,
        config_dir=None if paths.config_file is None else paths.config_file.parent,
        seed=seed,
        speed=opts.speed,
        duration_s=opts.duration_s,
        last_marks={m.mint: (m.price_usd, m.liquidity_usd) for m in ledger.marks().values()},
        start=continue_from(last_ts, time.time()),
    )


def _keep_high_water(
    ledger: Ledger, opts: RunOptions, market: MarketSetup, taken: list[str]
) -> None:
    """Before any trade: a ledger that lost committed fills is not traded on unawares.

    Raises:
        LedgerBehind: the ledger holds fewer fills than it committed, unless
            `opts.accept_lost_fills` (then the acceptance is recorded and logged).
    """
    lost = ledger.keep_high_water(accept_loss=opts.accept_lost_fills, ts=market.clock.now())
    if lost:
        taken.append(
            f"LOST FILLS ACCEPTED: {lost} committed fills were missing from the ledger; the "
            "acceptance is recorded in it and trading continues from what it holds"
        )


def _build_engine(
    config: Config,
    paths: Paths,
    ledger: Ledger,
    market: MarketSetup,
    wallet: LoadedWallet | None = None,
) -> Engine:
    watch = None
    if wallet is not None and market.rpc is not None:
        # A live market: the dashboard shows what the wallet holds beside the ledger's cash.
        from soltrader_tui.engine.wallet_watch import WalletWatch

        watch = WalletWatch(market.rpc, wallet.wallet.pubkey, config.solana.usdc_mint)
    live = None
    if market.mode == "live":
        from soltrader_tui.engine.live_setup import live_config, live_executor

        config = live_config(config)
        live = live_executor(config, market, wallet)
    return Engine(
        config=config,
        ledger=ledger,
        feed=market.feed,
        clock=market.clock,
        version=__version__,
        mode=market.mode,
        duration_s=market.duration_s,
        checkpointer=_checkpointer(paths, config),
        alert_sender=make_sender(config.alerts, __version__),
        safety=market.safety,
        wallet=watch,
        live=live,
    )


def _abandon(
    market: MarketSetup | None, ledger: Ledger | None, checking: IntegrityCheck, lock: EngineLock
) -> None:
    """Undoes a half-opened session: market, ledger, the integrity check's reader, then the lock."""
    if market is not None:
        market.close()
    if ledger is not None:
        ledger.close()
    with suppress(LedgerError):  # its read connection must be closed before the lock goes
        checking.wait()
    lock.release()


def refuse_the_past(clock: Clock, last_ts: float | None, path: Path, replay: bool) -> None:
    """Refuses a clock that starts before the ledger's last market time (an accelerated one was
    started at it). The wall clock may wait a few seconds for a ledger a hair ahead; a ledger
    hours ahead (a `--speed max` run) is refused with what to do instead, never written into.

    Raises:
        LedgerAhead: the session's clock would start before the ledger's last market time.
    """
    if last_ts is None:
        return
    behind = last_ts - clock.now()
    if behind <= 0:
        return
    if not clock.is_virtual and behind <= WALL_CATCH_UP_S:
        time.sleep(behind)
        return
    raise LedgerAhead(path, last_ts, clock.now(), replay=replay)


@contextmanager
def _damaged_if_ours(paths: Paths) -> Iterator[None]:
    """Reads "not a ledger" as "our ledger, damaged" when the config chose the path.

    A `--db` file may be some other program's database passed by mistake: it is refused and
    left alone. The file in our data folder under our ledger name can only be ours, e.g. zeroed
    or overwritten by a sync tool: it takes the damaged-ledger path (moved aside, restore).
    """
    try:
        yield
    except NotALedger as exc:
        if paths.ledger_given:
            raise
        raise LedgerDamaged(
            f"{exc.path} is damaged: {exc.why}. It is the ledger file the config names, so it "
            "is treated as a damaged ledger."
        ) from exc


def _checkpointer(paths: Paths, config: Config) -> Callable[[str], str]:
    def take(reason: str) -> str:
        from soltrader_tui.checkpoints.store import take_checkpoint

        return take_checkpoint(
            paths.ledger,
            paths.checkpoints_dir,
            config_file=paths.config_file,
            reason=reason,
            keep=config.storage.keep_checkpoints,
        ).name

    return take


def _migration_checkpoint(paths: Paths, config: Config, taken: list[str]) -> Callable[[int], None]:
    """Checkpoints a ledger of an older schema before it is migrated (DESIGN: backup first)."""

    def take(version: int) -> None:
        name = _checkpointer(paths, config)("before schema migration")
        taken.append(f"CHECKPOINT {name} taken before migrating the ledger from schema {version}")

    return take


def _mode_switch_checkpoint(
    paths: Paths, config: Config, ledger: Ledger, mode: Mode, taken: list[str]
) -> None:
    """Checkpoints the ledger when its previous session ran in another mode (e.g. paper, then
    live): the ledger as it was before the switch can always be restored. The previous mode is
    the heartbeat's: every session writes it, while the fills would miss a session that never
    traded and `meta` only has the mode the ledger was created in."""
    beat = ledger.heartbeat()
    previous = None if beat is None else beat.mode
    if previous is None or previous == mode:
        return
    name = _checkpointer(paths, config)(f"before switch to {mode} mode")
    taken.append(
        f"CHECKPOINT {name} taken before switch to {mode} mode "
        f"(the previous session on this ledger ran in {previous} mode)"
    )


def configure_logging(paths: Paths, *, to_stderr: bool) -> None:
    """Sends engine log lines to the ledger's rotating log file and, headless, to stderr.

    The file is the ledger's own (`ledger.log.log_file`): sessions on different ledgers do not
    interleave, and the first line names the ledger.
    """
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    for handler in list(LOGGER.handlers):
        LOGGER.removeHandler(handler)
        handler.close()
    file_handler = QuietFileHandler(
        log_file(paths.logs_dir, paths.ledger), maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(MarketTimeFormatter())
    LOGGER.addHandler(file_handler)
    if to_stderr:
        stream = logging.StreamHandler()
        stream.setFormatter(MarketTimeFormatter())
        LOGGER.addHandler(stream)
    LOGGER.info("soltrader-tui %s on ledger %s", __version__, paths.ledger)
