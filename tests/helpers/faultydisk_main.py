"""`python faultydisk_main.py FLAG (harmoniad|harmonia) ARGS...`: run the daemon or the CLI
with a disk that is full while the file FLAG exists (`diskfull.FlagDisk`), for the
storage-failure tests on machines where no tmpfs can be mounted."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diskfull import FlagDisk

from harmonia.store.storage import set_write_budget


def main() -> int:
    flag, program, *args = sys.argv[1:]
    set_write_budget(FlagDisk(Path(flag)))
    if program == "harmoniad":
        from harmoniad.__main__ import main as daemon_main

        return daemon_main(args)
    from harmonia.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
