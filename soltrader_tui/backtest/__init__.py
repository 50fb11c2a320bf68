"""Provides backtests: the strategies, risk rules and paper costs run over recorded candles."""
