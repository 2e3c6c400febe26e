"""`crashy:record`: the function the crash tests' `python.call` tasks run (see crash_campaign).

The process running the workflow needs this folder on its `PYTHONPATH`.

Deliberately tiny, with nothing but `record` at module level and its imports inside it: the
engine's `python.call` takes a module from `sys.modules` without waiting for another worker
thread that is still importing it (see the report on `resolve_function`), so two tasks that are
the first to call this module in a fresh process could otherwise find `record` missing. Defining
it as the module's first statement makes that window a few microseconds wide.
"""


def record(task_id: str, side_file: str, phase: str, upstream: list[object], pause: float) -> int:
    """Append `<task_id> <phase>` to the side file, pause a little, return a digest of the
    inputs.

    The line is written with one `write` on an O_APPEND descriptor, so lines of concurrent tasks
    (threads here, shell commands elsewhere) never interleave. The result depends only on the
    task id and its upstream outputs, so a crashed-and-resumed execution must end with exactly
    the outputs of an uncrashed one.
    """
    import json
    import os
    import time
    import zlib

    fd = os.open(side_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{task_id} {phase}\n".encode())
    finally:
        os.close(fd)
    time.sleep(pause)
    digest_of = json.dumps([task_id, upstream], sort_keys=True, separators=(",", ":"))
    return zlib.crc32(digest_of.encode())
