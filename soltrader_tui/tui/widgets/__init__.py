"""Provides the dashboard's panels, each rendering its slice of an EngineSnapshot."""
