"""Provides Solana access: the wallet, the RPC client and the local chain."""
