"""Provides PreflightRig: everything `preflight` checks, real and on loopback: the devnet (a
LiteSVM chain over JSON-RPC) holding a funded wallet, the simulated market answering Jupiter's
quotes, an aiosmtpd server taking the alerts, a ledger with a paper record and a checkpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from solders.keypair import Keypair

from soltrader_tui.checkpoints.store import take_checkpoint
from soltrader_tui.config.model import Config
from soltrader_tui.domain import MICRO, TradingState
from soltrader_tui.ledger import Ledger
from soltrader_tui.ledger.rows import EquityPoint
from soltrader_tui.ledger.session_writes import SessionStart
from soltrader_tui.market.server import MarketServer
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.solana.devnet.server import DevnetServer
from soltrader_tui.solana.devnet.world import build_world
from tests.alerts.smtp import SmtpServer
from tests.factories import make_fill, make_order

HOUR = 3600.0
SELLS_USD = (12, 11, 9, 12)
"""Four paper round trips, each bought for $10: three wins, one loss, +$4 realized."""
EQUITY_USD = (500, 502, 503, 501, 504)
"""The equity curve: its worst drawdown is 503 -> 501, 0.40 %."""
LIMITS: dict[str, Any] = {
    "min_paper_hours": 24,
    "min_round_trips": 4,
    "min_win_rate": 0.7,
    "min_pnl_usd": 3,
    "max_drawdown_pct": 1,
    "max_risk_trips": 1,
    "max_clock_skew_s": 5,
    "max_checkpoint_age_h": 24,
    "min_sol_lamports": 50_000_000,
}
"""What the rig's paper record just meets (30 h, 4 round trips, 75 %, $4, 0.40 %, 1 halt)."""


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` laid over it, section by section."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def seed_paper_record(db: Path, now: float) -> None:
    """A ledger with 30 hours of paper sessions (one clean, one crashed), four round trips, an
    equity curve and one risk halt (then a resume)."""
    ledger = Ledger.open(db, starting_cash_micro=500 * MICRO, mode="paper", version="t")
    try:
        for started, ended, error in ((now - 40 * HOUR, now - 20 * HOUR, None),
                                      (now - 12 * HOUR, now - 2 * HOUR, "boom")):  # fmt: skip
            start = SessionStart(started, 1, "t", "paper", "sim", {})
            ledger.end_session(ledger.start_session(start), wall_ts=ended, error=error)
        ts = now - 30 * HOUR
        for sell in SELLS_USD:
            buy = make_fill(side="buy", quote_amount=10 * MICRO, fee=0, ts=ts)
            ledger.record_fill(make_order(client_order_id=buy.order_id), buy, realized_micro=None)
            ts += 60
            done = make_fill(side="sell", quote_amount=sell * MICRO, fee=0, ts=ts)
            ledger.record_fill(
                make_order(side="sell", client_order_id=done.order_id),
                done,
                realized_micro=(sell - 10) * MICRO,
            )
            ts += 60
        points = [
            EquityPoint(now - 30 * HOUR + i * 60, usd * MICRO, usd * MICRO)
            for i, usd in enumerate(EQUITY_USD)
        ]
        ledger.flush(equity=points)
        ledger.set_trading_state(TradingState.HALTED, "max drawdown", "risk", now - 25 * HOUR)
        ledger.set_trading_state(TradingState.ACTIVE, "resumed", "operator", now - 24 * HOUR)
    finally:
        ledger.close()


@dataclass
class PreflightRig:
    """The loopback world and a config file naming it; `write` lays overrides over it."""

    folder: Path
    devnet_url: str
    market_url: str
    smtp: SmtpServer
    watchlist: list[str]
    wallet: Keypair
    usdc_mint: str
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self) -> Path:
        return self.folder / "soltrader.sqlite"

    @property
    def checkpoints(self) -> Path:
        return self.folder / "checkpoints"

    def settings(self) -> dict[str, Any]:
        """The config as a dict: everything passes but `mode` (paper: `mode: live` is refused
        by the config today)."""
        return {
            "market": {
                "watchlist": self.watchlist,
                "jupiter": {"base_url": self.market_url, "requests_per_second": 50},
            },
            "solana": {
                "rpc_url": self.devnet_url,
                "rpc_url_env": "SOLTRADER_TEST_UNSET_RPC_URL",
                "keypair_path": "wallet.json",
                "pubkey": str(self.wallet.pubkey()),
                "usdc_mint": self.usdc_mint,
                "timeout_s": 2,
            },
            "live": {"max_capital_usd": 100, "max_order_usd": 25, "preflight": LIMITS},
            "risk": {"order_usd": 20},
            "alerts": {"targets": [{"url": self.smtp.url("pw"), "min_severity": "info"}]},
        }

    def write(self, extra: dict[str, Any] | None = None) -> Path:
        """Writes the config (with `extra` laid over it) beside the ledger; returns its path."""
        path = self.folder / "config.yaml"
        text = yaml.safe_dump(merge(self.settings(), extra or {}), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    def live_config(self, extra: dict[str, Any] | None = None) -> Config:
        """The config loaded from its file, then with `mode: live`, as it will load once the
        live opt-ins land (the validator refuses it today; `model_copy` does not validate)."""
        from soltrader_tui.config.load import load_config

        loaded = load_config(self.write(extra))
        return loaded.config.model_copy(update={"mode": "live"})


@contextmanager
def preflight_rig(folder: Path) -> Iterator[PreflightRig]:
    """Starts the devnet, the market and the SMTP server, writes the wallet's key, seeds the
    ledger and takes a checkpoint of it now."""
    wallet = Keypair()
    world = build_world(wallet=wallet)
    key = folder / "wallet.json"
    key.write_text(json.dumps(list(bytes(wallet))), encoding="utf-8")
    key.chmod(0o600)
    sim = SimMarket(3, time.time())
    with ExitStack() as stack:
        devnet = stack.enter_context(DevnetServer(world.chain))
        market = stack.enter_context(MarketServer(sim, Config().market.sim.faults))
        smtp = stack.enter_context(SmtpServer())
        rig = PreflightRig(
            folder,
            devnet.url,
            market.url,
            smtp,
            [t.mint for t in sim.tokens()[:2]],
            wallet,
            str(world.mint("dUSDC").mint),
        )
        seed_paper_record(rig.ledger, time.time())
        take_checkpoint(rig.ledger, rig.checkpoints, config_file=None, reason="t", keep=5)
        yield rig
