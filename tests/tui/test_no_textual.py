"""The view logic is pure: its modules import neither Textual nor Rich, so that they can be
used and tested without a terminal."""

from __future__ import annotations

import subprocess
import sys


def test_the_view_logic_needs_no_textual() -> None:
    code = (
        "import sys; sys.modules['textual'] = None; sys.modules['rich'] = None\n"
        "import harmonia_tui.statuses, harmonia_tui.format, harmonia_tui.taskview\n"
        "import harmonia_tui.fold, harmonia_tui.rows, harmonia_tui.describe\n"
        "import harmonia_tui.coalescer\n"
        "import harmonia_tui.layout, harmonia_tui.inputs\n"
        "assert not any(m.startswith(('textual.', 'rich.')) for m in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
