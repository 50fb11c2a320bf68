"""Provides executors: how an order becomes a fill (paper now; live through Jupiter later)."""
