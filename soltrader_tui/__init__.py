"""Provides soltrader-tui: a terminal-first Solana trading bot whose screen is its ledger."""

from __future__ import annotations


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("soltrader-tui")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    # Looked up on first use, not at import: importing the package stays instant, so the
    # command line's Ctrl+C handler is in place within milliseconds of the start.
    if name == "__version__":
        value = _version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
