"""Provides the ledger: one WAL-mode SQLite file that is the single source of truth."""

from soltrader_tui.ledger.connect import open_reader
from soltrader_tui.ledger.errors import LedgerDamaged, LedgerError
from soltrader_tui.ledger.store import Ledger

__all__ = ["Ledger", "LedgerDamaged", "LedgerError", "open_reader"]
