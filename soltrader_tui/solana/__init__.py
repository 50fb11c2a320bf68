"""Provides the Solana side of the bot: wallet, RPC client, account decoders, local chain."""
