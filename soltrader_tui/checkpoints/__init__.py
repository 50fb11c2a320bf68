"""Provides checkpoints: consistent copies of the ledger, their report and set-aside copies."""
