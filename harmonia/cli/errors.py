"""Exit codes and the one exception that turns into a clean `harmonia: error: ...` line."""

from __future__ import annotations

EXIT_OK = 0
"""The execution completed (or the command did what it was asked)."""
EXIT_FAILED = 1
"""The execution failed or was canceled: the workflow ran, its outcome is bad."""
EXIT_USAGE = 2
"""The command could not start: bad file, bad input, unknown id, bad data folder. Same code as
argparse's usage errors, so scripts can tell "fix the call" from "the workflow failed"."""
EXIT_UNREACHABLE = 3
"""The daemon could not be reached (not running, wrong URL): neither the call's fault (2) nor
the workflow's (1), so scripts can wait for the daemon and try again."""
EXIT_STORAGE = 4
"""The data folder refused a write (disk full, I/O error, read-only file system): nothing is
wrong with the call or the workflow; `harmonia resume` continues once it can be written."""
EXIT_WAITING = 5
"""The execution waits for a person at an approval gate in the daemon: not over, neither
completed nor failed. The command stopped following it there (`harmonia approve` decides,
`harmonia watch` follows it); a script must not read it as done. `harmonia run` exits with it
too at a gate no timeout decides: the execution is left at rest for a daemon to take up."""
EXIT_INTERRUPTED = 130
"""A second Ctrl+C: the shell convention for death by SIGINT (128 + 2)."""


class CliError(Exception):
    """A user error: printed as one line per message, never as a traceback.

    `lines` lets one error carry every problem of a workflow file, so the author fixes them all
    in one pass instead of one per run.
    """

    def __init__(self, *lines: str, code: int = EXIT_USAGE) -> None:
        super().__init__("\n".join(lines))
        self.lines: tuple[str, ...] = lines or ("unknown error",)
        self.code = code


STORAGE_HINT = (
    "nothing that was recorded is lost; free some space (or fix the disk), then try again"
)
"""Said after a storage error: what it means for the user's work, and what to do."""
