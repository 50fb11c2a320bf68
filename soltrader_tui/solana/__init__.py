"""Provides the Solana chain helpers: decoders of account bytes and what reads them."""
