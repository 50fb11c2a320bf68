"""Provides soltrader-tui: a terminal-first Solana trading bot whose screen is its ledger."""

from __future__ import annotations


def _version() -> str:
    # The installed distribution's metadata is the one source of the version. Read straight
    # from its METADATA file when it can be found on sys.path: importing importlib.metadata
    # (email, zipfile, csv, …) costs every command ~30 ms for one line of text.
    found = _metadata_version()
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("soltrader-tui")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _metadata_version() -> str | None:
    import sys
    from pathlib import Path

    for entry in sys.path:
        try:
            found = sorted(Path(entry or ".").glob("soltrader_tui-*.dist-info"))
        except OSError:
            continue
        for folder in found:
            try:
                with (folder / "METADATA").open(encoding="utf-8") as f:
                    for line in f:
                        if line.startswith("Version: "):
                            return line[len("Version: ") :].strip()
                        if not line.strip():
                            break  # the headers end at the first blank line
            except OSError:
                continue
    return None


def __getattr__(name: str) -> str:
    # Looked up on first use, not at import: importing the package stays instant, so the
    # command line's Ctrl+C handler is in place within milliseconds of the start.
    if name == "__version__":
        value = _version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
