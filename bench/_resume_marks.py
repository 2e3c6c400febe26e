"""Inside a `harmonia resume` process for bench/resume_stages.py: CPU marks, then exit.

    python bench/_resume_marks.py OUT resume ID ...

Imports nothing beyond what the interpreter has loaded at start (and `harmonia`), so that the
marks are those of the command itself; writes them to OUT at the first `task_started`.
"""

from __future__ import annotations  # annotations unevaluated: `typing` is not imported

import os
import sys
import time

STAGES = (
    ("harmonia.cli.commands", "_completed_and_whole"),
    ("harmonia.cli.follow", "run_sync"),
    ("harmonia.engine.engine", "Engine.resume"),
    ("harmonia.store.store", "load_state"),
    ("harmonia.store.loading", "read_snapshot"),
    ("harmonia.store.journal", "load"),
    ("harmonia.store.loading", "_apply_all"),
    ("harmonia.engine.live", "usable_workflow"),
    ("harmonia.model", "load_stored_workflow"),
    ("harmonia.model", "graph_problems"),
    ("harmonia.engine.plan", "ExecutionPlan.for_workflow"),
    ("harmonia.engine.runner", "ExecutionRunner.__init__"),
    ("harmonia.engine.writer", "DurableWriter.flush"),
    ("harmonia.engine.runner", "ExecutionRunner.run"),
)
"""(module, attribute) of each function marked: where the resume path finds it by that name."""

marks = [("interpreter up", time.process_time(), time.perf_counter())]


def mark(label: str) -> None:
    marks.append((label, time.process_time(), time.perf_counter()))


def wrap(module: str, attribute: str) -> None:
    import functools
    import importlib

    owner = importlib.import_module(module)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    func = getattr(owner, name)
    if name == "__init__":
        label = attribute.removesuffix(".__init__") + "()"
    else:
        label = attribute if path else f"{module.rsplit('.', 1)[-1]}.{attribute}"
    if func.__code__.co_flags & 0x80:  # a coroutine function

        @functools.wraps(func)
        async def marked_async(*args: object, **kwargs: object) -> object:
            mark(f"{label} >")
            result = await func(*args, **kwargs)
            mark(f"{label} <")
            return result

        setattr(owner, name, marked_async)
        return

    @functools.wraps(func)
    def marked(*args: object, **kwargs: object) -> object:
        mark(f"{label} >")
        result = func(*args, **kwargs)
        mark(f"{label} <")
        return result

    setattr(owner, name, marked)


def main(out: str, argv: list[str]) -> None:
    import harmonia.store.journal as journal

    append_one = journal._append_one

    def first_start(path: os.PathLike[str], data: bytes, fd: int | None) -> object:
        done = append_one(path, data, fd)
        if b'"task_started"' in data:
            mark("first task_started appended")
            with open(out, "w") as handle:
                handle.write(repr(marks))
            os._exit(0)
        return done

    journal._append_one = first_start  # type: ignore[assignment]
    import harmonia.cli.main

    mark("harmonia.cli.main imported")
    import harmonia.cli.follow  # what `cmd_resume` imports first

    mark("harmonia.cli.follow imported")
    for module, attribute in STAGES:
        wrap(module, attribute)
    sys.exit(harmonia.cli.main.main(argv))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
