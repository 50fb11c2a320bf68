"""Provides the portfolio: fills in, positions, cash, P&L out; its curve, codec and replays."""
