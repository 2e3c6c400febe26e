"""`python -m harmonia_tui`: the same as `harmonia tui`."""

from __future__ import annotations

import sys

from harmonia_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
