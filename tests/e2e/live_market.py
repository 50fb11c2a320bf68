"""Provides live_config: `market.source: jupiter` pointed at loopback servers only."""

from __future__ import annotations

from collections.abc import Sequence

from soltrader_tui.config.model import Config


def live_config(
    market_url: str,
    watchlist: Sequence[str],
    *,
    rpc_url: str | None = None,
    jupiter: dict[str, object] | None = None,
    warm_up: bool = True,
) -> Config:
    """The live source's config with every provider at `market_url` (the embedded market
    server answers in their shapes) and the Solana node at `rpc_url` (default: the same server,
    which answers the mint reads), so nothing a test runs leaves the machine."""
    return Config.model_validate(
        {
            "market": {
                "source": "jupiter",
                "watchlist": list(watchlist),
                "jupiter": {"base_url": market_url, "requests_per_second": 5, **(jupiter or {})},
                "dexscreener": {"base_url": market_url},
                "geckoterminal": {"base_url": market_url, "warm_up": warm_up},
            },
            "solana": {"rpc_url": rpc_url or market_url, "rpc_url_env": "UNSET_TEST_RPC_URL"},
        }
    )
