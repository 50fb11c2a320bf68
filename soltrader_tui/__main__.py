"""Provides `python -m soltrader_tui`."""

import os
import signal
import sys

try:
    from soltrader_tui.commands import interrupts

    interrupts.install()  # first: Ctrl+C during the imports below exits cleanly too
    from soltrader_tui.cli import main

    code = main()
except KeyboardInterrupt:  # raised before `main` could catch it: during the imports
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # leaving already; a second one changes nothing
    sys.stderr.write("soltrader-tui: interrupted\n")
    sys.stderr.flush()
    os._exit(130)  # see interrupts.leave: the interpreter's exit would report it as a crash
raise SystemExit(code)
