"""Provides soltrader-tui: a terminal-first Solana trading bot whose screen is its ledger."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("soltrader-tui")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


__version__ = _version()
