"""Provides the typed configuration: every setting, its default and what it means.

Each field's docstring is its documentation; `config.yaml` repeats it as comments.
Models forbid unknown keys so a typo is reported by its key path and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Self, get_args, get_origin

import annotated_types
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails


def tune(low: float, high: float, *, log: bool = False) -> dict[str, JsonValue]:
    """Marks a field as tunable over [low, high] (a strategy parameter `optimize` searches).

    The range is where a search is worth its trials, usually narrower than what the field
    accepts. `log`: searched on a log scale (windows that matter by ratio).
    """
    return {"tune": [low, high], "log": log}


def tune_range(field: FieldInfo) -> tuple[float, float, bool] | None:
    """Returns a tunable field's (low, high, log scale), or None for a field that is not."""
    extra = field.json_schema_extra
    if not isinstance(extra, dict):
        return None
    searched = extra.get("tune")
    if not isinstance(searched, list) or len(searched) != 2:
        return None
    low, high = searched
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return None
    return float(low), float(high), extra.get("log") is True


class _Section(BaseModel):
    # allow_inf_nan=False: YAML reads `.inf` and `.nan` as floats, and an infinite order size
    # or tick would pass every `gt=0` bound.
    # Each key's description is the docstring under it, read when the docs or `config check`
    # ask (`attribute_docs`), not by pydantic at import: that costs every command ~30 ms.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OutageWindow(_Section):
    """A stretch of time during which the embedded market server answers every request with 503."""

    start_s: float = Field(ge=0)
    """Seconds after the server starts."""
    duration_s: float = Field(gt=0)
    """Length of the outage, seconds."""


class FaultsConfig(_Section):
    """Failures the embedded market server injects, to rehearse them. All off by default."""

    latency_ms: float = Field(default=0.0, ge=0, le=10_000)
    """Milliseconds added to every response of the embedded market server."""
    share_429: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered 429 Too Many Requests, with `Retry-After: 1`."""
    share_5xx: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered with a server error: 500, 502, 503 or 504."""
    share_timeout: float = Field(default=0.0, ge=0, le=1)
    """Share of requests left unanswered for 30 seconds, then dropped (clients time out)."""
    share_malformed: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered 200 with a broken body: alternately invalid JSON and a body
    missing a required field."""
    outages: list[OutageWindow] = []
    """Windows, `{start_s, duration_s}` in seconds from the server's start, during which every
    request gets 503."""
    seed: int = 0
    """Seed of the fault draws; the same seed and request sequence give the same faults."""

    @model_validator(mode="after")
    def _shares_fit(self) -> Self:
        # The shares split one draw per request, so together they cannot exceed every request.
        total = self.share_429 + self.share_5xx + self.share_timeout + self.share_malformed
        if total > 1:
            raise ValueError(
                f"share_429 + share_5xx + share_timeout + share_malformed must not exceed 1 "
                f"(got {format_value(round(total, 9))})"
            )
        return self


class SimConfig(_Section):
    """The embedded simulated market."""

    seed: int = 7
    """Seed of the simulated market; the same seed gives the same market, tick for tick."""
    rug_after_minutes: float = Field(default=75.0, gt=0)
    """Market minutes after the session start when the memecoin's liquidity is pulled."""
    listing_after_minutes: float = Field(default=20.0, ge=0)
    """Market minutes after the session start when the late token is listed."""
    extra_tokens: int = Field(default=0, ge=0, le=200)
    """Generic small-cap tokens (SIM01, SIM02, …) added to the five simulated characters."""
    requests_per_second: float = Field(default=8.0, gt=0, le=100)
    """Rate limit of the client towards the embedded market server (it polls prices at 4 Hz)."""
    faults: FaultsConfig = FaultsConfig()


class JupiterConfig(_Section):
    """Jupiter: prices (Price API v3) and swap quotes for paper fills."""

    base_url: str = "https://api.jup.ag"
    """Base URL of Jupiter's API."""
    api_key_env: str = "JUPITER_API_KEY"
    """Environment variable holding the API key, sent as `x-api-key`; never logged or stored."""
    requests_per_second: float = Field(default=0.5, gt=0, le=100)
    """Jupiter's limit for this key (keyless 0.5, free key 1), a 60-second sliding window."""


class DexScreenerConfig(_Section):
    """DexScreener: discovery of new tokens and their pools' liquidity and age."""

    base_url: str = "https://api.dexscreener.com"
    """Base URL of DexScreener's API."""
    requests_per_minute: int = Field(default=60, gt=0, le=300)
    """Limit of the token-profiles endpoint (the pairs endpoint allows 300 a minute)."""


class GeckoTerminalConfig(_Section):
    """GeckoTerminal: recent candles of the watched tokens, to warm the strategies at start."""

    warm_up: bool = True
    """With `market.source: jupiter`, fetch each watched token's recent candles at start so the
    strategies score from the first second (two calls a token); false: warm on live prices."""
    base_url: str = "https://api.geckoterminal.com/api/v2"
    """Base URL of GeckoTerminal's keyless API."""
    requests_per_minute: int = Field(default=30, gt=0, le=300)
    """Limit of the keyless API (30 calls a minute)."""


class ReplayConfig(_Section):
    """Recorded market files to replay."""

    paths: list[str] = []
    """Candle files (Binance CSV, freqtrade JSON) or pump.fun track files; relative paths are
    taken from the folder of this config file. A bare file name not found there names one of the
    samples shipped with soltrader-tui (listed in `soltrader_tui/market/samples/SOURCES.md`);
    empty replays the default samples (SOL and TRUMP candles of 2025-01-19)."""
    start: str | None = None
    """Where the replayed session starts, UTC (`2025-01-19T12:00`); the data before it warms the
    strategies. Empty: at the data's start."""

    @field_validator("start", mode="before")
    @classmethod
    def _start_is_a_time(cls, value: object) -> object:
        # YAML reads 2025-01-19 as a date and 2025-01-19 12:00:00 as a datetime: both mean UTC.
        from datetime import UTC, date, datetime

        if isinstance(value, datetime):
            moment = value if value.tzinfo is None else value.astimezone(UTC)
            value = moment.strftime("%Y-%m-%dT%H:%M:%S")
        elif isinstance(value, date):
            value = value.isoformat()
        if isinstance(value, str):
            utc_seconds(value)
        return value


def utc_seconds(text: str) -> float:
    """Parses a UTC time written `2025-01-19`, `2025-01-19T12:00` or with seconds.

    Raises:
        ValueError: another form (the message shows the accepted ones).
    """
    from datetime import UTC, datetime

    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise ValueError(f"invalid time {text!r}: use UTC like 2025-01-19 or 2025-01-19T12:00")


class PlausibilityConfig(_Section):
    """Which prices are believed: a refused price reaches no strategy, exit or mark."""

    min_price_usd: float = Field(default=1e-12, gt=0)
    """Lowest believable price, USD per whole token; below it a price is refused as absurd."""
    max_price_usd: float = Field(default=10_000_000.0, gt=0)
    """Highest believable price, USD per whole token; above it a price is refused as absurd."""
    max_move_factor: float = Field(default=10.0, gt=1)
    """A price more than this many times above or below the last accepted one, within
    `window_s`, is refused (a held token's move is believed when a swap quote confirms it)."""
    window_s: float = Field(default=60.0, gt=0)
    """Seconds the last accepted price stays the reference for `max_move_factor`; an older one
    is no reference, so a new price level that persists this long is accepted."""
    max_quote_deviation_pct: float = Field(default=25.0, gt=0, le=1000)
    """No trade when the swap quote's price and the price that decided the trade differ by more
    than this many percent (the quote's own price impact is allowed for)."""

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.min_price_usd >= self.max_price_usd:
            raise ValueError("min_price_usd must be below max_price_usd")
        return self


class MarketConfig(_Section):
    """Where prices come from."""

    source: Literal["sim", "replay", "jupiter"] = "sim"
    """Market data source. `sim`: the embedded simulated market (over loopback HTTP on the wall
    clock, in-process when accelerated); `replay`: recorded files; `jupiter`: the live APIs."""
    watchlist: list[str] = []
    """Mints always tracked, besides discovered ones."""
    stale_after_s: float = Field(default=30.0, gt=0)
    """A token without a fresh accepted price for this long is marked stale: no new entries, and
    no price-triggered exits (they say they need a price)."""
    tick_seconds: float = Field(default=0.25, gt=0, le=60)
    """Market seconds between two engine ticks (price updates, strategy scores, exits)."""
    sim: SimConfig = SimConfig()
    jupiter: JupiterConfig = JupiterConfig()
    dexscreener: DexScreenerConfig = DexScreenerConfig()
    geckoterminal: GeckoTerminalConfig = GeckoTerminalConfig()
    replay: ReplayConfig = ReplayConfig()
    plausibility: PlausibilityConfig = PlausibilityConfig()


class PaperConfig(_Section):
    """Paper trading: simulated fills against the market's quotes."""

    starting_cash_usd: float = Field(default=500.0, gt=0, le=1_000_000)
    """USDC a new ledger starts with. An existing ledger keeps the amount it was created with."""
    swap_fee_bps: float = Field(default=25.0, ge=0, le=1000)
    """Swap fee charged on every fill, in basis points of the USDC amount."""
    network_fee_usd: float = Field(default=0.001, ge=0, le=10)
    """Network (transaction) fee charged on every fill, USD."""


_BASE58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
"""Bitcoin's base58 alphabet, which Solana addresses are written in."""


def _check_address(value: str | None) -> str | None:
    # A shape check only (solders is not imported by the config, to keep every command's
    # start cheap); the RPC client decodes it and refuses a wrong length by key.
    if value is not None and not (32 <= len(value) <= 44 and set(value) <= _BASE58):
        raise ValueError(f"{value!r} is not a Solana address (32 to 44 base58 characters)")
    return value


class SolanaConfig(_Section):
    """The Solana RPC node and the trading wallet (read by `soltrader-tui wallet`; paper
    trading needs neither)."""

    rpc_url: str = "https://api.mainnet-beta.solana.com"
    """JSON-RPC endpoint of a Solana node. The public one allows about 100 requests per 10
    seconds per IP (40 for one method) and serves no heavy calls; a keyed provider's URL goes in
    `rpc_url_env`."""
    rpc_url_env: str = "SOLANA_RPC_URL"
    """Environment variable holding a key-bearing RPC URL; when it is set and not empty it wins
    over `rpc_url`. Its value is never logged or stored."""
    requests_per_minute: int = Field(default=120, gt=0, le=60_000)
    """Calls allowed to the RPC node in any 60 seconds."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """Bound on one RPC call (connect, send, read the whole answer), seconds."""
    keypair_path: str | None = None
    """The trading wallet's key: a Solana CLI keypair file (a JSON array of 64 integers, as
    `solana-keygen new -o` writes it); relative paths are taken from the folder of this config
    file. Keep it outside the repository, readable by you alone (docs/wallet.md)."""
    keypair_env: str | None = None
    """Environment variable holding the wallet's secret key in base58 (as wallets export it),
    used when `keypair_path` is empty. Its value is never logged or stored."""
    pubkey: str | None = None
    """The wallet's public key, if pinned: a key that does not match is refused."""
    usdc_mint: str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    """Mint of the USDC token the wallet holds its cash in (mainnet USDC)."""

    @field_validator("pubkey", "usdc_mint")
    @classmethod
    def _is_address(cls, value: str | None) -> str | None:
        return _check_address(value)

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        if self.keypair_path is not None and self.keypair_env is not None:
            raise ValueError("set keypair_path or keypair_env, not both")
        return self


class PreflightConfig(_Section):
    """What `soltrader-tui preflight` requires before it says GO (docs/live.md)."""

    min_paper_hours: float = Field(default=24.0, ge=0)
    """Hours of paper trading the ledger must hold (each paper session from its start to its
    recorded end, see docs/live.md)."""
    min_round_trips: int = Field(default=20, ge=0)
    """Closed paper round trips the ledger must hold."""
    min_win_rate: float = Field(default=0.4, ge=0, le=1)
    """Least paper win rate, 0 to 1."""
    min_pnl_usd: float = 0.0
    """Least realized paper P&L, USD (fees in)."""
    max_drawdown_pct: float = Field(default=15.0, gt=0, le=100)
    """Largest paper drawdown allowed, percent of peak equity."""
    max_risk_trips: int = Field(default=3, ge=0)
    """Most circuit-breaker trips (HALTED by a risk rule) the paper record may hold."""
    max_clock_skew_s: float = Field(default=2.0, gt=0, le=600)
    """Largest difference allowed between this machine's clock and the Solana node's, seconds."""
    max_checkpoint_age_h: float = Field(default=24.0, gt=0)
    """A checkpoint at most this old must exist (preflight takes one when it passes)."""
    min_sol_lamports: int = Field(default=50_000_000, ge=0)
    """Least SOL the wallet must hold for fees and new accounts' rent, lamports (0.05 SOL)."""


class LiveConfig(_Section):
    """Live trading's caps, and the limits on every swap, checked before the wallet signs it
    (docs/live.md). The caps sit above the risk limits and cannot be raised from the dashboard.
    """

    max_capital_usd: float = Field(default=100.0, gt=0)
    """Most USDC the bot may have in open positions at once, live, USD. Above 500 is refused
    unless `allow_above_500` is true."""
    allow_above_500: bool = False
    """Lets `max_capital_usd` exceed 500."""
    max_order_usd: float = Field(default=25.0, gt=0)
    """Most USDC one live buy may spend, USD; larger entries are shrunk to it."""
    send_via: Literal["jupiter", "rpc"] = "jupiter"
    """Who lands a signed swap: `jupiter` (`/swap/v2/execute`) or `rpc` (`sendTransaction` on
    the configured Solana node)."""
    confirm_timeout_s: float = Field(default=90.0, ge=5, le=600)
    """Seconds a sent swap is awaited before the engine moves on; an outcome still unknown is
    resolved on later ticks or at the next start, never sent again."""
    execute_requests_per_minute: int = Field(default=30, ge=1, le=600)
    """Most `/swap/v2/execute` calls a minute (its own limit, apart from the quote bucket)."""
    emergency_ladder_bps: list[int] = [100, 300, 1000]
    """Slippage of each attempt to sell a position in a live emergency stop, basis points; each
    step takes a fresh quote and a verified transaction. Capped by
    `max_emergency_slippage_bps`."""
    max_emergency_slippage_bps: int = Field(default=1000, ge=0, le=5000)
    """Most slippage an emergency sale may accept, basis points."""

    program_allowlist_extra: list[str] = []
    """Programs a swap transaction may invoke besides Jupiter's aggregator (v6), System,
    Token, Token-2022, Associated Token and Compute Budget; an instruction to any other program
    is refused before signing."""
    max_priority_fee_lamports: int = Field(default=2_000_000, ge=0, le=1_000_000_000)
    """Most priority fee one swap may pay (compute-unit price × limit), lamports (0.002 SOL)."""
    max_slippage_bps: int = Field(default=100, ge=0, le=5000)
    """Most slippage an order may allow, basis points; its minimum output is checked too."""
    max_sol_spend_lamports: int = Field(default=10_000_000, gt=0, le=1_000_000_000)
    """Most SOL one swap may take from the wallet (fees and new accounts' rent together),
    lamports, as its simulation shows (0.01 SOL)."""
    preflight: PreflightConfig = PreflightConfig()

    @field_validator("program_allowlist_extra")
    @classmethod
    def _are_addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            _check_address(item)
        return value

    @field_validator("emergency_ladder_bps")
    @classmethod
    def _is_ladder(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("needs at least one step")
        if any(step <= 0 or step > 5000 for step in value):
            raise ValueError("each step must be above 0 and at most 5000 basis points")
        if value != sorted(set(value)):
            raise ValueError("steps must rise, each above the one before")
        return value

    @model_validator(mode="after")
    def _capital_capped(self) -> Self:
        if self.max_capital_usd > 500 and not self.allow_above_500:
            raise ValueError(
                f"max_capital_usd {self.max_capital_usd:g} is above 500: set "
                "live.allow_above_500: true if you mean it"
            )
        if self.max_order_usd > self.max_capital_usd:
            raise ValueError("max_order_usd must be at most max_capital_usd")
        return self


TokenExtension = Literal[
    "transfer_fee_config",
    "mint_close_authority",
    "confidential_transfer_mint",
    "default_account_state",
    "default_account_state_frozen",
    "non_transferable",
    "interest_bearing_config",
    "permanent_delegate",
    "transfer_hook",
    "confidential_transfer_fee_config",
    "metadata_pointer",
    "token_metadata",
    "group_pointer",
    "token_group",
    "group_member_pointer",
    "token_group_member",
    "confidential_mint_burn",
    "scaled_ui_amount",
    "pausable",
]
"""The Token-2022 mint extensions by name (`default_account_state_frozen`: new accounts start
frozen, so a holder cannot sell until the authority thaws them)."""

HARMLESS_EXTENSIONS: tuple[TokenExtension, ...] = (
    "metadata_pointer",
    "token_metadata",
    "group_pointer",
    "token_group",
    "group_member_pointer",
    "token_group_member",
    "mint_close_authority",
    "default_account_state",
)
"""Extensions that let no third party move, tax, freeze or block a holder's tokens."""


class TokenSafetyConfig(_Section):
    """Checks of the token itself before every entry: who can still mint, freeze or move it."""

    enabled: bool = True
    """Whether entries are checked against the token's mint and holders. Recorded replays
    have no chain state: there the checks do not apply and the verdict shows as "—"."""
    require_mint_revoked: bool = True
    """No entry into a token whose mint authority is live (more can be minted at will)."""
    require_freeze_revoked: bool = True
    """No entry into a token whose freeze authority is live (holders can be frozen, unable to
    sell)."""
    max_top10_share: float = Field(default=0.5, gt=0, le=1)
    """No entry when the 10 largest accounts hold more than this share of the supply (0 to 1;
    1 turns the check off)."""
    allowed_extensions: list[TokenExtension] = list(HARMLESS_EXTENSIONS)
    """Token-2022 extensions an entry may have; any other (permanent delegate, transfer hook,
    transfer fee, non-transferable, frozen default state, ...) denies it."""
    sell_route_check: bool = True
    """Before a buy, quote selling the tokens it would get back; no route denies the entry."""
    max_sell_impact_pct: float = Field(default=2.0, gt=0, le=100)
    """The sell-back quote may move the price at most this many percent."""
    facts_ttl_s: float = Field(default=600.0, gt=0)
    """How long a token's facts are reused before they are read again, market seconds."""


class RiskConfig(_Section):
    """Limits checked before every order, exits checked every tick, and circuit breakers."""

    order_usd: float = Field(default=50.0, gt=0)
    """USDC spent on each entry (before fees); the limits below may shrink it."""
    min_order_usd: float = Field(default=5.0, gt=0)
    """Smallest entry worth making, USD; an entry the limits shrink below this is denied."""
    max_position_usd: float = Field(default=100.0, gt=0)
    """Largest cost of one new position, USD, fees included."""
    max_position_pct: float = Field(default=20.0, gt=0, le=100)
    """Largest cost of one new position, percent of equity."""
    max_open_positions: int = Field(default=3, ge=1, le=100)
    """No new entry while this many positions are open."""
    max_token_exposure_usd: float = Field(default=100.0, gt=0)
    """Most value held in one token after an entry, USD (held value at the mark plus the entry)."""
    max_total_exposure_usd: float = Field(default=150.0, gt=0)
    """Most value held in all tokens together after an entry, USD."""
    min_liquidity_usd: float = Field(default=10_000.0, ge=0)
    """No entry into a pool holding less than this, USD, both sides. 0 turns the check off."""
    max_price_impact_bps: float = Field(default=100.0, gt=0)
    """No entry whose quote moves the price more than this, basis points (100 = 1 %)."""
    min_pool_age_minutes: float = Field(default=60.0, ge=0)
    """No entry into a pool listed less than this many minutes ago. 0 turns the check off."""
    loss_cooldown_minutes: float = Field(default=30.0, ge=0)
    """No entry into a token for this many minutes after a losing round trip in it. 0 turns
    the check off."""
    max_entries_per_hour: int = Field(default=6, ge=1, le=1000)
    """Most entries in any 60 minutes (a rolling window)."""
    stop_loss_pct: float = Field(default=8.0, gt=0, lt=100)
    """Exit a position when its mark falls this many percent below its average cost."""
    take_profit_pct: float = Field(default=15.0, gt=0)
    """Exit a position when its mark rises this many percent above its average cost."""
    trailing_stop_pct: float = Field(default=10.0, ge=0, lt=100)
    """Exit a position when its mark falls this many percent below its highest mark since entry.
    0 turns it off."""
    max_hold_minutes: float = Field(default=240.0, ge=0)
    """Exit a position held this many minutes, whatever its price. 0 turns it off."""
    daily_loss_limit_usd: float = Field(default=25.0, gt=0)
    """Pause entries until the next UTC day once equity is this much below the day's start."""
    max_drawdown_pct: float = Field(default=20.0, gt=0, lt=100)
    """Flatten everything and halt once equity is this many percent below its peak."""
    max_consecutive_losses: int = Field(default=4, ge=1, le=100)
    """Pause entries after this many losing round trips in a row."""
    token_safety: TokenSafetyConfig = TokenSafetyConfig()

    @model_validator(mode="after")
    def _order_sizes_ordered(self) -> Self:
        # A minimum above the order size or the position cap would deny every entry.
        problems = [
            f"min_order_usd ({format_value(self.min_order_usd)}) must not exceed "
            f"{name} ({format_value(value)})"
            for name, value in (
                ("order_usd", self.order_usd),
                ("max_position_usd", self.max_position_usd),
            )
            if self.min_order_usd > value
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class MomentumConfig(_Section):
    """Momentum: buys tokens whose short-term trend outruns their longer-term trend."""

    enabled: bool = True
    """Whether the strategy scores tokens and may open positions."""
    fast_window_s: float = Field(default=60.0, gt=0, json_schema_extra=tune(10, 600, log=True))
    """Time constant of the fast moving average, market seconds."""
    slow_window_s: float = Field(default=300.0, gt=0, json_schema_extra=tune(60, 7200, log=True))
    """Time constant of the slow moving average, market seconds; also the warm-up time."""
    entry_threshold: float = Field(default=0.75, gt=0, lt=1, json_schema_extra=tune(0.55, 0.95))
    """A buy signal fires when the score crosses up through this level."""
    exit_threshold: float = Field(default=0.35, gt=0, lt=1, json_schema_extra=tune(0.05, 0.5))
    """A held position is sold when the score falls below this level."""

    @model_validator(mode="after")
    def _windows_and_thresholds_ordered(self) -> Self:
        # After-validation so that a changed value is also checked against a default one.
        problems = []
        if self.fast_window_s >= self.slow_window_s:
            # Equal or inverted windows make the score meaningless, not merely unusual.
            problems.append(
                f"fast_window_s ({format_value(self.fast_window_s)}) must be less than "
                f"slow_window_s ({format_value(self.slow_window_s)})"
            )
        if self.exit_threshold >= self.entry_threshold:
            # An exit level at or above the entry level would sell on the tick after every buy.
            problems.append(
                f"exit_threshold ({format_value(self.exit_threshold)}) must be less than "
                f"entry_threshold ({format_value(self.entry_threshold)})"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


Timeframe = Literal["1m", "5m", "15m", "1h", "4h"]
TIMEFRAME_S: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400}
"""Seconds per candle of each timeframe a candle strategy may declare."""


class EmaCrossConfig(_Section):
    """EMA cross: buys when the fast EMA of candle closes crosses above the slow one."""

    enabled: bool = False
    """Whether the strategy may open positions (it scores tokens either way)."""
    timeframe: Timeframe = "5m"
    """Candle length it decides on: at each candle's close, on candles built from ticks (or a
    replayed file's own candles)."""
    fast_span: int = Field(default=12, ge=1, le=1000, json_schema_extra=tune(3, 40))
    """Span of the fast EMA, in candles (smoothing 2 / (span + 1), seeded from the first close)."""
    slow_span: int = Field(default=26, ge=2, le=5000, json_schema_extra=tune(10, 200))
    """Span of the slow EMA, in candles; also the warm-up, in candles."""

    @model_validator(mode="after")
    def _spans_ordered(self) -> Self:
        if self.fast_span >= self.slow_span:
            raise ValueError(
                f"fast_span ({self.fast_span}) must be less than slow_span ({self.slow_span})"
            )
        return self

    @property
    def timeframe_s(self) -> int:
        """The timeframe in seconds."""
        return TIMEFRAME_S[self.timeframe]


class MeanReversionConfig(_Section):
    """Mean reversion: buys a token stretched far below its moving average as it turns back."""

    enabled: bool = False
    """Whether the strategy may open positions (it scores tokens either way)."""
    window_s: float = Field(default=600.0, gt=0, json_schema_extra=tune(60, 7200, log=True))
    """Time constant of the moving average of the price and of its squared deviation, market
    seconds; also the warm-up time."""
    entry_z: float = Field(default=2.0, gt=0, le=10, json_schema_extra=tune(1, 3.5))
    """A buy is armed once the price is this many deviations below its average (z <= -entry_z)."""
    turn_z: float = Field(default=0.5, gt=0, le=10, json_schema_extra=tune(0.1, 1.5))
    """An armed buy fires once the price is back up this many deviations from its lowest point."""
    exit_z: float = Field(default=0.0, ge=-10, le=10, json_schema_extra=tune(-1, 1))
    """A held position is sold once z is back at or above this level (0: at the average)."""

    @model_validator(mode="after")
    def _turn_below_exit(self) -> Self:
        if self.turn_z >= self.entry_z + self.exit_z:
            # A turn that large from -entry_z lands about at exit_z or above: every buy would be
            # sold on its next tick.
            raise ValueError(
                f"turn_z ({format_value(self.turn_z)}) must be less than entry_z + exit_z "
                f"({self.entry_z + self.exit_z:g})"
            )
        return self


class BreakoutConfig(_Section):
    """Breakout: buys a close above the recent candles' highest high, confirmed by volume or
    liquidity."""

    enabled: bool = False
    """Whether the strategy may open positions (it scores tokens either way)."""
    timeframe: Timeframe = "5m"
    """Candle length it decides on: at each candle's close, on candles built from ticks (or a
    replayed file's own candles)."""
    entry_candles: int = Field(default=20, ge=2, le=1000, json_schema_extra=tune(5, 100))
    """Entry channel: a close above the highest high of this many previous candles is a
    breakout; also the warm-up, in candles."""
    exit_candles: int = Field(default=10, ge=1, le=1000, json_schema_extra=tune(2, 50))
    """Exit channel: a held position is sold on a close below the lowest low of this many
    previous candles."""
    volume_factor: float = Field(default=1.5, gt=0, le=20, json_schema_extra=tune(1, 4))
    """When candle volumes are known: a breakout candle needs at least this many times the
    average volume."""
    min_liquidity_usd: float = Field(
        default=20_000.0, gt=0, json_schema_extra=tune(5_000, 1_000_000, log=True)
    )
    """When volumes are not known (candles built from ticks): a breakout needs the pool to hold
    at least this much, both sides, and no less than its average."""

    @model_validator(mode="after")
    def _exit_channel_within_entry(self) -> Self:
        if self.exit_candles > self.entry_candles:
            raise ValueError(
                f"exit_candles ({self.exit_candles}) must not be more than entry_candles "
                f"({self.entry_candles})"
            )
        return self

    @property
    def timeframe_s(self) -> int:
        """The timeframe in seconds."""
        return TIMEFRAME_S[self.timeframe]


class FreshMemecoinConfig(_Section):
    """Fresh memecoin: buys newly seen thin pools while SOL flows in and most moves are up."""

    enabled: bool = False
    """Whether the strategy may open positions (it scores tokens either way)."""
    window_s: float = Field(default=30.0, gt=0, json_schema_extra=tune(5, 300, log=True))
    """Time constant of the flow and buyer-pressure averages, market seconds; also the warm-up
    time."""
    max_age_s: float = Field(default=1800.0, gt=0, json_schema_extra=tune(300, 14_400, log=True))
    """Buys only tokens first seen less than this long ago; a held token is sold once this old."""
    min_flow_pct_min: float = Field(
        default=2.0, gt=0, le=1000, json_schema_extra=tune(0.2, 20, log=True)
    )
    """A buy needs the pool's liquidity growing at least this fast, percent per minute (SOL
    flowing in)."""
    min_pressure: float = Field(default=0.65, gt=0.5, lt=1, json_schema_extra=tune(0.55, 0.9))
    """A buy needs at least this share of up-ticks (an unchanged price counts as half)."""
    exit_pressure: float = Field(default=0.45, gt=0, lt=1, json_schema_extra=tune(0.2, 0.55))
    """A held position is sold when the share of up-ticks falls below this, or when the flow
    turns negative."""
    max_liquidity_usd: float = Field(
        default=100_000.0, gt=0, json_schema_extra=tune(10_000, 1_000_000, log=True)
    )
    """Buys only pools holding less than this, both sides: a fresh launch's pool is thin."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        problems = []
        if self.exit_pressure >= self.min_pressure:
            # An exit level at or above the entry level would sell on the tick after every buy.
            problems.append(
                f"exit_pressure ({format_value(self.exit_pressure)}) must be less than "
                f"min_pressure ({format_value(self.min_pressure)})"
            )
        if self.window_s >= self.max_age_s:
            # A token would be too old to buy before its warm-up ends.
            problems.append(
                f"window_s ({format_value(self.window_s)}) must be less than "
                f"max_age_s ({format_value(self.max_age_s)})"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class StrategiesConfig(_Section):
    """Strategies, one section each."""

    momentum: MomentumConfig = MomentumConfig()
    ema_cross: EmaCrossConfig = EmaCrossConfig()
    mean_reversion: MeanReversionConfig = MeanReversionConfig()
    breakout: BreakoutConfig = BreakoutConfig()
    fresh_memecoin: FreshMemecoinConfig = FreshMemecoinConfig()


class ResearchConfig(_Section):
    """How `compare` and `optimize` judge and search strategies."""

    objective: Literal["sharpe_drawdown", "sharpe", "sortino", "return", "profit_factor"] = (
        "sharpe_drawdown"
    )
    """What a tuning run maximises: `sharpe_drawdown` is the annualised Sharpe ratio minus
    `drawdown_penalty` for every 10% of maximum drawdown; `return` is the total return in
    percent."""
    drawdown_penalty: float = Field(default=1.0, ge=0, le=100)
    """Sharpe units taken off per 10% of maximum drawdown (objective `sharpe_drawdown`)."""
    min_round_trips: int = Field(default=5, ge=1, le=100_000)
    """A run with fewer round trips is no evidence: it scores as the worst possible."""
    windows: int = Field(default=4, ge=1, le=100)
    """Walk-forward windows per data set in `compare`: each tunes in sample, then trades the
    next stretch out of sample."""
    train_ratio: float = Field(default=3.0, gt=0, le=20)
    """In-sample length as a multiple of the out-of-sample length of a walk-forward window."""
    trials_per_window: int = Field(default=20, ge=1, le=10_000)
    """Tuning trials in each in-sample stretch of `compare` (1: the configured parameters as
    they are, no tuning)."""
    holdout_pct: float = Field(default=25.0, gt=0, lt=100)
    """Share of the data `optimize` keeps out of the search, at its end, to check the best trial
    out of sample."""


class StorageConfig(_Section):
    """Where the ledger, logs and checkpoints live."""

    data_dir: str | None = None
    """Folder for the ledger, logs and checkpoints. Relative paths are taken from the folder of
    this config file. Default: the folder of this config file, or, with no config file, the
    user data folder."""
    ledger_file: str = "soltrader.sqlite"
    """File name of the ledger inside `data_dir`."""
    checkpoint_every_minutes: float = Field(default=30.0, gt=0)
    """Wall-clock minutes between two automatic checkpoints of a running engine."""
    keep_checkpoints: int = Field(default=10, ge=1)
    """Checkpoints kept in the checkpoints folder; older ones are deleted after each new one."""
    min_free_mb: float = Field(default=50.0, ge=0)
    """Free space (MB) the ledger's disk must have for a session to start; below it the start is
    refused (exit 3) instead of trading into a disk that fills. 0 turns the check off."""

    @field_validator("ledger_file")
    @classmethod
    def _ledger_file_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a file (got an empty name)")
        return value


SECRET_SLOT = "{password}"
"""Where an alert target's URL takes the secret named by its `password_env`."""


class AlertTarget(_Section):
    """One place alerts are delivered to: any apprise URL, its threshold and its secret."""

    url: str
    """An apprise URL (mailtos://, tgram://, discord://, json://, ntfy://, ...); write
    `{password}` where the secret named by `password_env` goes."""
    min_severity: Literal["info", "warning", "critical"] = "warning"
    """Alerts below this severity are not sent to this target."""
    password_env: str | None = None
    """Environment variable holding the secret the URL needs (SMTP password, bot token); it is
    put in place of `{password}` when sending, never stored or logged."""

    @field_validator("url")
    @classmethod
    def _url_is_apprise(cls, url: str) -> str:
        problem = apprise_url_problem(url)
        if problem is not None:
            raise ValueError(problem)
        return url

    @model_validator(mode="after")
    def _secret_has_its_place(self) -> Self:
        has_slot = SECRET_SLOT in self.url
        if self.password_env is not None and not has_slot:
            raise ValueError(
                f"password_env is {self.password_env} but the url has no {SECRET_SLOT} "
                "to put its secret in"
            )
        if has_slot and self.password_env is None:
            raise ValueError(
                f"the url has {SECRET_SLOT} but no password_env names where its secret is"
            )
        return self


def apprise_url_problem(url: str) -> str | None:
    """Says why apprise cannot use `url`, or None when it can.

    A URL with the secret's slot is checked for its scheme only: the secret's shape
    (a Telegram token's digits and colon) is not known before it is read from the environment.
    apprise is imported here, not at the top, so a config without targets (and every
    read-only command) does not pay for its import.
    """
    import apprise
    from apprise.manager_plugins import NotificationManager

    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        return f"{url.split('?', 1)[0]!r} is not an apprise URL (scheme://...)"
    if SECRET_SLOT in url:
        if scheme in NotificationManager():  # type: ignore[no-untyped-call]
            return None
        return f"apprise knows no {scheme}:// URL; see https://github.com/caronc/apprise/wiki"
    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        return (
            f"apprise cannot use this {scheme}:// URL (unknown scheme, or a part is missing); "
            "see https://github.com/caronc/apprise/wiki for its form"
        )
    return None


class AlertsConfig(_Section):
    """Which engine events reach the operator, and where alerts are delivered."""

    notify_level: Literal["info", "warning", "error"] = "warning"
    """Log events at or above this level also pop up as notifications in the TUI."""
    targets: list[AlertTarget] = []
    """Where alerts go, each `{url, min_severity, password_env}` (see docs/monitoring.md);
    none by default: alerts are still recorded in the ledger."""
    cooldown_s: float = Field(default=300.0, ge=0, le=86_400)
    """Seconds after an alert during which repeats of it are folded into one later message
    with their count."""
    daily_summary_utc_hour: int | None = Field(default=None, ge=0, le=23)
    """UTC hour at which a daily summary (P&L, round trips, win rate, risk trips, API usage)
    is sent; empty: none."""
    circuit_open_minutes: float = Field(default=5.0, gt=0)
    """A provider's circuit open longer than this many minutes raises an alert."""
    stale_minutes: float = Field(default=5.0, gt=0)
    """A token's price stale for longer than this many minutes raises an alert."""
    heartbeat_missed_s: float = Field(default=60.0, gt=0)
    """Seconds without the engine's heartbeat (written every wall second) after which
    `supervise` alerts that its engine is hung."""
    queue_size: int = Field(default=100, ge=1, le=10_000)
    """Alerts waiting for delivery at most; when full the oldest is dropped and counted."""
    retries: int = Field(default=3, ge=0, le=10)
    """Further attempts for a delivery that failed, with doubling waits (1 s, 2 s, 4 s, ...)."""


LOOPBACK_BINDS = ("127.0.0.1", "::1", "localhost")
"""Addresses only this machine can reach: no token needed there."""


class MonitorConfig(_Section):
    """Resource and sleep monitoring, and the optional HTTP endpoints (`/health`, `/metrics`)."""

    http_port: int | None = Field(default=None, ge=0, le=65535)
    """Port of the `/health` and `/metrics` endpoints inside the engine process; null: no
    endpoints (0: any free port, named in the log)."""
    bind: str = "127.0.0.1"
    """Address the endpoints listen on; any address but loopback needs `token_env`."""
    token_env: str | None = None
    """Environment variable holding the bearer token every request must carry
    (`Authorization: Bearer ...`); required when `bind` is not loopback."""
    sample_every_s: float = Field(default=5.0, ge=1, le=300)
    """Wall seconds between two samples of the process's memory, CPU and disk."""
    rss_mb: float = Field(default=1024.0, gt=0)
    """Resident memory (MB) above which `health` says degraded."""
    disk_free_mb: float = Field(default=500.0, ge=0)
    """Free space (MB) on the ledger's disk below which `health` says degraded (below
    `storage.min_free_mb` it says failing)."""
    loop_lag_ms: float = Field(default=500.0, gt=0)
    """Event-loop lag (ms: how late the engine woke) above which `health` says degraded."""
    sleep_gap_s: float = Field(default=30.0, gt=0)
    """A gap this long between two engine steps means the machine slept (or the loop stalled):
    every price is marked stale and re-read before any entry or exit."""

    @model_validator(mode="after")
    def _token_off_loopback(self) -> Self:
        if self.http_port is not None and self.bind not in LOOPBACK_BINDS and not self.token_env:
            raise ValueError(
                f"bind {self.bind} is reachable from other machines: set token_env to the "
                "environment variable holding a bearer token, or bind 127.0.0.1"
            )
        return self


class TuiConfig(_Section):
    """The dashboard."""

    refresh_hz: float = Field(default=10.0, ge=4, le=30)
    """Most screen updates per second; the engine publishes no faster than this."""
    log_lines: int = Field(default=1000, ge=50, le=100_000)
    """Lines kept in the log pane (older ones stay in the log file and the ledger)."""
    recent_fills: int = Field(default=50, ge=5, le=1000)
    """Fills listed in the recent-fills panel."""


class Config(_Section):
    """All of soltrader-tui's settings."""

    mode: Literal["paper", "live"] = "paper"
    """`paper` simulates fills. `live` signs real swaps with the wallet: it needs
    `market.source: jupiter`, a wallet key and `solana.pubkey`, and then `--live` on the command
    line and a typed confirmation (docs/live.md)."""
    market: MarketConfig = MarketConfig()
    paper: PaperConfig = PaperConfig()
    solana: SolanaConfig = SolanaConfig()
    live: LiveConfig = LiveConfig()
    risk: RiskConfig = RiskConfig()
    strategies: StrategiesConfig = StrategiesConfig()
    research: ResearchConfig = ResearchConfig()
    storage: StorageConfig = StorageConfig()
    alerts: AlertsConfig = AlertsConfig()
    monitor: MonitorConfig = MonitorConfig()
    tui: TuiConfig = TuiConfig()

    @model_validator(mode="after")
    def _live_needs(self) -> Self:
        # Checked with the file, not when a session starts, so `config check` names what is
        # missing too. Reported at `mode` (the key that asks for live), with every gap at once.
        missing = live_missing(self)
        if missing:
            message = "live trading needs " + "; ".join(missing)
            raise _at_key(("mode",), self.mode, message)
        return self


def live_missing(config: Config) -> list[str]:
    """What `mode: live` needs that `config` lacks, each naming its key ([] for paper).

    Args:
        config: The settings, otherwise valid.

    Returns:
        One phrase per gap: the market source, the wallet's key, its pinned public key.
    """
    if config.mode != "live":
        return []
    missing: list[str] = []
    if config.market.source != "jupiter":
        missing.append(f"market.source: jupiter (it is {config.market.source})")
    if config.solana.keypair_path is None and config.solana.keypair_env is None:
        missing.append("the wallet's key in solana.keypair_path or solana.keypair_env")
    if config.solana.pubkey is None:
        missing.append("the wallet's public key pinned in solana.pubkey")
    return missing


def _at_key(key: tuple[str, ...], value: object, message: str) -> ValidationError:
    """A validation error located at `key`, as a field's own would be. A model's validator
    otherwise reports at the model itself, and the loader could then not name the key's line."""
    error = InitErrorDetails(
        type="value_error", loc=key, input=value, ctx={"error": ValueError(message)}
    )
    return ValidationError.from_exception_data("Config", [error])


@dataclass(frozen=True, slots=True)
class Setting:
    """One leaf setting of `Config`, for documentation and key look-ups."""

    key: str
    """Dotted key path, e.g. `risk.stop_loss_pct`."""
    default: object
    description: str
    allowed: str
    """The values accepted, in words, e.g. `number > 0, <= 60`."""


def iter_settings(model: type[BaseModel] = Config, prefix: str = "") -> Iterator[Setting]:
    """Lists every leaf setting of a config model, depth first, in declaration order.

    Args:
        model: The model to walk; `Config` for the whole file.
        prefix: Dotted path of `model` itself, ending in a dot (empty at the top).

    Returns:
        An iterator of settings, sections expanded into their keys.
    """
    docs = attribute_docs(model)
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from iter_settings(annotation, f"{prefix}{name}.")
        else:
            description = field.description or docs.get(name, "")
            yield Setting(f"{prefix}{name}", field.default, description, _allowed(field))


def attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """The docstring written under each field of `model` (and of its bases), by field name."""
    import ast
    import inspect
    import itertools
    import textwrap

    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError, SyntaxError):
            continue  # no source at hand (a frozen build): descriptions stay empty
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _allowed(field: FieldInfo) -> str:
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return ", ".join(f"`{choice}`" for choice in get_args(annotation))
    if annotation is bool:
        return "`true`, `false`"
    if annotation is str:
        return "text"
    if annotation == str | None:
        return "text, or empty"
    if annotation == int | None:
        return ", ".join(["whole number, or empty", *_bounds(field)])
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return f"list of `{{{', '.join(item.model_fields)}}}`"
        if get_origin(item) is Literal:
            return "list of " + ", ".join(f"`{choice}`" for choice in get_args(item))
        return "list"
    kind = "whole number" if annotation is int else "number"
    return ", ".join([kind, *_bounds(field)])


def _bounds(field: FieldInfo) -> list[str]:
    bounds = []
    for item in field.metadata:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            if isinstance(item, getattr(annotated_types, attr.capitalize())):
                bounds.append(f"{sign} {format_value(getattr(item, attr))}")
    searched = tune_range(field)
    if searched is not None:
        low, high, log = searched
        scale = " (log scale)" if log else ""
        bounds.append(f"tuned over {format_value(low)}–{format_value(high)}{scale}")
    return bounds


def format_value(value: object) -> str:
    """Renders a setting's value the way it is written in `config.yaml`.

    Args:
        value: A value as YAML loads it (text, number, bool, None, ...).

    Returns:
        `null`, `true`/`false`, numbers without a needless `.0` or exponent, text as is,
        lists in YAML's flow style (`[a, b]`).
    """
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
