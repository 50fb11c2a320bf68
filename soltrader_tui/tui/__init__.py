"""Provides the Textual dashboard: the app factory (`tui.app`), its screens and its panels.

Importing this package loads nothing else: the app and Textual come with `tui.app`.
"""
