"""Tests of the Solana chain helpers."""
