"""Provides the devnet: a local Solana chain (LiteSVM) served over JSON-RPC for tests and demos."""
