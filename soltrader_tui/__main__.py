"""Provides `python -m soltrader_tui`."""

from soltrader_tui.cli import main

raise SystemExit(main())
