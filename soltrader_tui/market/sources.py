"""Provides build_market: the feed and clock of a session, from `market.source` and the flags.

- `sim` on the wall clock (the default session): the simulator is served on 127.0.0.1 by the
  embedded market server and read through the same metered client and parsers as Jupiter and
  DexScreener, so API usage, rate limits and retries are real.
- `sim` on an accelerated clock (`--speed X`, `max`): read in-process, so speed is not spent
  on loopback round trips; the API panel says so.
- `replay`: recorded files on a virtual clock over their span (as fast as possible unless
  `--speed` is given).
- `jupiter`: the live APIs, on the wall clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from soltrader_tui.clock import Clock, ScaledClock, VirtualClock, make_clock
from soltrader_tui.config.model import Config, utc_seconds
from soltrader_tui.domain import MarketTick, Mode
from soltrader_tui.errors import UserInputError
from soltrader_tui.market.feed import HistorySource, MarketFeed, SimFeed, no_history
from soltrader_tui.market.sim import SimMarket

if TYPE_CHECKING:
    from soltrader_tui.market.server import MarketServer
    from soltrader_tui.net import MeteredClient
    from soltrader_tui.solana.rpc import SolanaRpc
    from soltrader_tui.solana.safety import SafetySource

ACCELERATED_NOTE = "accelerated clock: the simulated market is read in-process, no API calls"
EXECUTE_PROVIDER = "jupiter_execute"
"""Jupiter's `/swap/v2/execute` limit (`execution.jupiter_swap` sends under this name)."""


class MarketSetupError(UserInputError):
    """The market cannot be set up as configured; the message says why and where."""


@dataclass(slots=True)
class MarketSetup:
    """A session's feed and clock, and what to release when it ends."""

    feed: MarketFeed
    clock: Clock
    duration_s: float | None
    mode: Mode
    closers: list[Callable[[], None]] = field(default_factory=list)
    server: MarketServer | None = None
    """The embedded market server, when the simulator is served over loopback HTTP."""
    safety: SafetySource | None = None
    """Where token safety facts come from; None where the market has no chain (a replay of
    recorded files): the token safety rules do not apply there."""
    rpc: SolanaRpc | None = None
    """The Solana RPC node of a live market (None elsewhere): the wallet's balances are read
    through it."""
    client: MeteredClient | None = None
    """The metered client of a live market's providers (None elsewhere): live swaps are
    ordered and sent through it."""

    def close(self) -> None:
        """Stops what the setup started (the embedded server)."""
        for close in reversed(self.closers):
            close()


def preload(config: Config, speed: float | None) -> None:
    """Imports the modules `build_market` will need for this source and speed.

    A start calls it while the ledger's integrity check runs on another thread, so the two
    overlap instead of adding up.
    """
    import importlib

    source = config.market.source
    if source == "replay":
        names = ["soltrader_tui.market.recorded", "soltrader_tui.market.replay"]
    elif source == "jupiter" or not make_clock(speed).is_virtual:
        # httpcore2 is what httpx2 imports when the first client is built.
        names = ["soltrader_tui.market.http_feed", "soltrader_tui.market.server", "httpcore2"]
    else:
        names = []
    for name in names:
        importlib.import_module(name)


def build_market(
    config: Config,
    *,
    config_dir: Path | None,
    seed: int,
    speed: float | None,
    duration_s: float | None,
    last_marks: Mapping[str, tuple[float, float | None]] | None = None,
    start: float | None = None,
) -> MarketSetup:
    """Builds the feed and clock for `config.market.source`.

    `last_marks` (the ledger's last price and pool liquidity of each token) start the simulator
    where the previous session left it, so a restart shows the same figures. `start` is where
    an accelerated clock's market time starts (default: now); the wall clock ignores it.

    Raises:
        MarketSetupError: a replay file cannot be used, or flags that the source cannot honour.
    """
    source = config.market.source
    if source == "replay":
        return _replay(config, config_dir, speed, duration_s)
    if source == "jupiter":
        if speed not in (None, 1.0):
            raise MarketSetupError("market.source jupiter runs on the wall clock: drop --speed")
        clock = make_clock(None)
        client = _live_client(config)
        rpc = _rpc(config, client)
        feed = _jupiter_feed(config, clock, client)
        mode: Mode = "live" if config.mode == "live" else "paper"
        return MarketSetup(
            feed, clock, duration_s, mode, safety=_chain_safety(rpc), rpc=rpc, client=client
        )
    clock = make_clock(speed, start)
    sim = config.market.sim
    market = SimMarket(
        seed,
        clock.now(),
        tick_seconds=config.market.tick_seconds,
        rug_after_s=sim.rug_after_minutes * 60,
        listing_after_s=sim.listing_after_minutes * 60,
        extra_tokens=sim.extra_tokens,
    )
    if last_marks:
        market.resume(last_marks)
    if clock.is_virtual:
        setup = MarketSetup(SimFeed(market, ACCELERATED_NOTE), clock, duration_s, "paper")
    else:
        setup = _served_sim(config, market, clock, duration_s)
    setup.safety = _sim_safety(market)
    return setup


def _sim_safety(market: SimMarket) -> SafetySource:
    """The simulated tokens' mint bytes, decoded as a live mint's would be. Read in-process
    even when prices are served over HTTP (the facts are fixed for the session); the server
    also answers them over JSON-RPC (`market.sim_rpc`), for an RPC client to read."""
    from soltrader_tui.market.sim_chain import SimChain
    from soltrader_tui.solana.safety import ChainSafetySource

    return ChainSafetySource(SimChain(market))


def _served_sim(
    config: Config, market: SimMarket, clock: Clock, duration_s: float | None
) -> MarketSetup:
    from soltrader_tui.market.http_feed import DEX_PAIRS, DEX_PROFILES, JUPITER, HttpFeed
    from soltrader_tui.market.server import MarketServer
    from soltrader_tui.market.sim_answers import SharedMarket
    from soltrader_tui.net import MeteredClient, ProviderPolicy

    shared = SharedMarket(market)
    rps = config.market.sim.requests_per_second
    # The server keeps the same budget and says what is left in Jupiter-style headers, so the
    # API panel shows the provider's own view too.
    server = MarketServer(
        shared, config.market.sim.faults, jupiter_requests_per_minute=max(1, round(rps * 60))
    ).start()
    # A local server: short timeouts, and a circuit that probes again after 10 s, not 30.
    client = MeteredClient(
        {
            name: ProviderPolicy(name, limit, 60.0, timeout_s=5.0, breaker_cooldown_s=10.0)
            for name, limit in (
                (JUPITER, max(1, round(rps * 60))),
                (DEX_PROFILES, 60),
                (DEX_PAIRS, 300),
            )
        },
        loopback_only=True,
    )

    async def history(end_ts: float, span_s: float) -> Sequence[MarketTick]:
        # Made in-process from the same market, not fetched: no request, no API usage.
        return market.history(end_ts, span_s)

    feed = HttpFeed(
        client,
        source="sim",
        jupiter_url=server.url,
        dexscreener_url=server.url,
        clock=clock,
        watchlist=[t.mint for t in market.tokens()] + list(config.market.watchlist),
        stale_after_s=config.market.stale_after_s,
        price_every_s=config.market.tick_seconds,
        advance=shared.advance,
        history=history,
    )
    return MarketSetup(feed, clock, duration_s, "paper", [server.stop], server)


def _rpc(config: Config, client: MeteredClient) -> SolanaRpc:
    """The Solana RPC node, through the same metered client as the market's providers
    (provider `solana_rpc` in the API panel)."""
    from soltrader_tui.solana.endpoint import rpc_endpoint
    from soltrader_tui.solana.rpc import SolanaRpc

    # The httpx2 session inside SolanaRpc only hands requests to `client`: it holds no
    # connection of its own, so there is nothing to close beyond what the feed closes.
    return SolanaRpc(rpc_endpoint(config.solana), client)


def _chain_safety(rpc: SolanaRpc) -> SafetySource:
    """Token safety facts read from the chain, decoded as the simulator's are."""
    from soltrader_tui.solana.rpc_accounts import RpcMintAccounts
    from soltrader_tui.solana.safety import ChainSafetySource

    return ChainSafetySource(RpcMintAccounts(rpc))


def _live_client(config: Config) -> MeteredClient:
    """One metered client for every live provider: prices, discovery, candles and the RPC node."""
    from soltrader_tui.market.http_feed import DEX_PAIRS, DEX_PROFILES, JUPITER
    from soltrader_tui.market.ohlcv_api import GECKOTERMINAL
    from soltrader_tui.net import MeteredClient, ProviderPolicy
    from soltrader_tui.solana.endpoint import SOLANA_RPC, rpc_endpoint, solana_rpc_policy

    jup, dex, gecko = config.market.jupiter, config.market.dexscreener, config.market.geckoterminal
    key = os.environ.get(jup.api_key_env, "")
    rpc = solana_rpc_policy(config.solana, rpc_endpoint(config.solana))
    headers = {"x-api-key": key} if key else {}
    policies = {
        JUPITER: ProviderPolicy(
            JUPITER,
            max(1, round(jup.requests_per_second * 60)),
            60.0,
            min_interval_s=1 / jup.requests_per_second,
            default_headers=headers,
        ),
        DEX_PROFILES: ProviderPolicy(DEX_PROFILES, dex.requests_per_minute, 60.0),
        DEX_PAIRS: ProviderPolicy(DEX_PAIRS, 300, 60.0),
        GECKOTERMINAL: ProviderPolicy(GECKOTERMINAL, gecko.requests_per_minute, 60.0),
        SOLANA_RPC: rpc,
    }
    if config.mode == "live":
        # Swaps are sent under their own limit; only a live session sends any.
        limit = config.live.execute_requests_per_minute
        policies[EXECUTE_PROVIDER] = ProviderPolicy(
            EXECUTE_PROVIDER, limit, 60.0, default_headers=headers
        )
    return MeteredClient(policies)


def _jupiter_feed(config: Config, clock: Clock, client: MeteredClient) -> MarketFeed:
    from soltrader_tui.market.gecko_history import GeckoHistory
    from soltrader_tui.market.http_feed import HttpFeed

    jup, dex, gecko = config.market.jupiter, config.market.dexscreener, config.market.geckoterminal
    history: HistorySource = no_history
    if gecko.warm_up and config.market.watchlist:
        history = GeckoHistory(client, gecko.base_url, config.market.watchlist)
    return HttpFeed(
        client,
        source="jupiter",
        jupiter_url=jup.base_url,
        dexscreener_url=dex.base_url,
        clock=clock,
        watchlist=config.market.watchlist,
        stale_after_s=config.market.stale_after_s,
        price_every_s=max(config.market.tick_seconds, 1 / jup.requests_per_second),
        # The watched tokens' recent candles; a token discovered later, or one GeckoTerminal does
        # not know, warms up on live prices ("warming up 12/27 5m candles").
        history=history,
    )


def _replay(
    config: Config, config_dir: Path | None, speed: float | None, duration_s: float | None
) -> MarketSetup:
    from soltrader_tui.market.recorded import RecordedDataError, load_all
    from soltrader_tui.market.replay import ReplayFeed

    files = _replay_files(config.market.replay.paths, config_dir or Path.cwd())
    try:
        feed = ReplayFeed(load_all(files), config.market.tick_seconds)
    except (RecordedDataError, ValueError) as exc:
        raise MarketSetupError(f"market.replay: {exc}") from exc
    start = feed.start_ts
    if config.market.replay.start is not None:
        start = utc_seconds(config.market.replay.start)
        if not feed.start_ts <= start < feed.end_ts:
            raise MarketSetupError(
                f"market.replay.start: {config.market.replay.start} is outside the data "
                f"({iso_minute(feed.start_ts)} to {iso_minute(feed.end_ts)})"
            )
    span = feed.end_ts - start
    clock: Clock = (
        VirtualClock(start) if speed is None or speed == float("inf") else ScaledClock(start, speed)
    )
    return MarketSetup(
        feed, clock, span if duration_s is None else min(duration_s, span), "backtest"
    )


def iso_minute(ts: float) -> str:
    """UTC to the minute, as `market.replay.start` is written."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M")


def _replay_files(paths: list[str], base: Path) -> list[Path]:
    """The files to replay: each path from the config's folder, or a bare file name that is not
    there naming a shipped sample; no paths at all replays the default samples.

    Raises:
        MarketSetupError: a file does not exist, here or among the samples.
    """
    from soltrader_tui.market import samples

    if not paths:
        return [samples.FOLDER / name for name in samples.DEFAULT]
    files: list[Path] = []
    for text in paths:
        given = Path(text).expanduser()
        path = (base / given).resolve()
        sample = samples.find(text) if given.name == text else None
        if not path.is_file() and sample is None:
            raise MarketSetupError(
                f"market.replay.paths: no such file {path} (nor a shipped sample of that name: "
                + ", ".join(samples.names())
                + ")"
            )
        files.append(path if path.is_file() else sample or path)
    return files
