"""Provides the Solana side of the bot: wallet, RPC client, local chain for tests and demos."""
