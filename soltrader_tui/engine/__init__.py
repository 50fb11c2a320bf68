"""Provides the trading engine: the loop, its orders, books, operator and decision log."""
