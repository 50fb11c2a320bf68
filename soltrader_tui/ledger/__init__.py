"""Provides the ledger: one WAL-mode SQLite file that is the single source of truth."""

from soltrader_tui.ledger.connect import LedgerDamaged, LedgerError, open_reader
from soltrader_tui.ledger.store import Ledger

__all__ = ["Ledger", "LedgerDamaged", "LedgerError", "open_reader"]
