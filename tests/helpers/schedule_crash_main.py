"""`python schedule_crash_main.py MODE harmoniad ARGS...`: run the daemon so that it is killed
(SIGKILL, no cleanup) at one point of starting a scheduled run, for the crash tests:

- `after-claim`: right after the schedules file records a planned time as `starting`, before
  its execution is started;
- `after-start`: right after the execution was started (durably), before its id is recorded.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def main() -> int:
    mode, program, *args = sys.argv[1:]
    assert program == "harmoniad"
    from harmoniad.scheduler import EngineLauncher

    from harmonia.schedules.records import ScheduleStore

    if mode == "after-claim":
        write = ScheduleStore.write

        def write_then_die(self: ScheduleStore, payload: bytes) -> None:
            write(self, payload)
            if b'"state":"starting"' in payload and b'"manual":false' in payload:
                os.kill(os.getpid(), signal.SIGKILL)

        ScheduleStore.write = write_then_die  # type: ignore[method-assign]
    elif mode == "after-start":
        start = EngineLauncher.start

        async def start_then_die(self: EngineLauncher, *a: Any, **kw: Any) -> str:
            execution_id = await start(self, *a, **kw)
            os.kill(os.getpid(), signal.SIGKILL)
            return execution_id

        EngineLauncher.start = start_then_die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    from harmoniad.__main__ import main as daemon_main

    return daemon_main(args)


if __name__ == "__main__":
    sys.exit(main())
