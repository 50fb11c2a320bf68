"""Provides the dashboard screen and its modals."""
