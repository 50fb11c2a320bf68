"""Provides the views of a running bot from its ledger: status, health, the watcher."""
