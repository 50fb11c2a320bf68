"""Provides `config check` and `paths`: is the config valid, and where the files are."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from soltrader_tui.commands.common import EXIT_OK, fail_with
from soltrader_tui.errors import SoltraderError


def config_check(args: argparse.Namespace) -> int:
    """Validates a config file; exit 0 when valid, 2 with one line per problem when not."""
    from soltrader_tui.config.load import load_config
    from soltrader_tui.config.paths import find_config

    path = find_config(args.config, Path.cwd())
    try:
        loaded = load_config(path)
    except SoltraderError as exc:
        return fail_with(exc)
    for notice in loaded.notices:
        print(f"soltrader-tui: {notice}", file=sys.stderr)
    print(f"{loaded.path or 'defaults'}: OK")
    return EXIT_OK


def paths(args: argparse.Namespace) -> int:
    """Prints where the config, ledger, logs and checkpoints are."""
    from soltrader_tui.config.load import load_settings
    from soltrader_tui.config.paths import describe

    try:
        _, resolved, _ = load_settings(args.config, args.db)
    except SoltraderError as exc:
        return fail_with(exc)
    for label, value in describe(resolved):
        print(f"{label:<12} {value}")
    return EXIT_OK
