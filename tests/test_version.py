"""Tests the version: read from the installed distribution's metadata, the one source."""

from __future__ import annotations

from importlib.metadata import version

import soltrader_tui
from soltrader_tui import _metadata_version


def test_the_quick_read_agrees_with_importlib_metadata() -> None:
    assert _metadata_version() == version("soltrader-tui") == soltrader_tui.__version__
