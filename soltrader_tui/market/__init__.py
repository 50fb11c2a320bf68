"""Provides the market side: feeds, the embedded simulated Solana market and its AMM pools."""
