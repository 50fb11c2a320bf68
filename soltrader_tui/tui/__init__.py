"""Provides the Textual dashboard: the app factory, its screens and its panels."""

from __future__ import annotations

from soltrader_tui.tui.app import EngineHost, SolTraderApp, make_app

__all__ = ["EngineHost", "SolTraderApp", "make_app"]
