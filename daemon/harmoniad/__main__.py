"""`harmoniad`: parse options, set up logging, run the daemon until a stop signal.

Exit codes: 0 after a clean stop, 2 when the daemon cannot start (bad option, unsafe bind,
port in use, another daemon on the data folder), 130 when interrupted during startup. With
`--check` it only reports damaged files (`harmonia doctor`): 0 none, 1 some.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import anyio

from harmonia.engine.tuning import ProcessTuning
from harmoniad.config import ConfigError, config_from_args
from harmoniad.logs import setup_logging
from harmoniad.server import Daemon, DaemonError

EXIT_OK = 0
EXIT_CANNOT_START = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = config_from_args(argv)
    except ConfigError as exc:
        print(f"harmoniad: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    if config.check:
        from harmonia.store import doctor

        return doctor.run(config.data_dir)
    setup_logging(json_lines=config.log_json, level=config.log_level)
    # this process is the daemon's own: it may tune the collector and the GIL for it
    daemon = Daemon(config, announce=True, hooks=ProcessTuning())
    try:
        anyio.run(daemon.run, backend="asyncio")  # uvicorn runs on asyncio only
    except (ConfigError, DaemonError) as exc:
        logging.getLogger("harmoniad").error("%s", exc)
        print(f"harmoniad: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
