"""Provides the typed configuration: its model, loading, errors and file locations."""
