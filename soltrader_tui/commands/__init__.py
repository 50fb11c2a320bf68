"""Provides the body of each CLI command, one module per command family."""
