"""One function per subcommand: parsed arguments in, exit code out.

User errors are raised as `CliError` (or as the engine's own `NotFound`, `InvalidOperation`,
`ExecutionLocked`, which `main` turns into exit code 2); everything else is a bug and keeps its
traceback. The engine is imported inside the commands that run it, so listing executions or
printing the schema stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from harmonia.cli.datadir import data_dir_for_reading, data_dir_for_writing
from harmonia.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, EXIT_WAITING, CliError
from harmonia.cli.output import print_execution_json, print_json
from harmonia.cli.style import is_terminal, style_for
from harmonia.errors import ValidationFailed
from harmonia.gcpause import cycle_collection_paused

if TYPE_CHECKING:
    from harmonia.cli.follow import EngineSettings, Watch
    from harmonia.components import ComponentRegistry
    from harmonia.model import Workflow
    from harmonia.state import ExecutionState
    from harmonia.store import Store

__all__ = [
    "cmd_doctor",
    "cmd_executions",
    "cmd_resume",
    "cmd_retry",
    "cmd_run",
    "cmd_schema",
    "cmd_show",
    "cmd_validate",
]


# ---- run, resume, retry ----------------------------------------------------------------------


def _settings(
    args: argparse.Namespace, data_dir: Path, registry: ComponentRegistry | None = None
) -> EngineSettings:
    from harmonia.cli.components import registry_from_args
    from harmonia.cli.follow import EngineSettings
    from harmonia.executors.base import settings_from_args

    interval = args.checkpoint_interval
    try:
        executor = settings_from_args(args)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return EngineSettings(
        data_dir,
        checkpoint_interval=interval if interval > 0 else None,
        registry=registry or registry_from_args(args),
        executor=executor,
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Everything that can be wrong with the call is checked before the data folder is touched
    (the workflow and its input before the engine is imported, so a typo is reported at once).

    The collector stays paused from loading until what is alive (the imports, the loaded
    workflow) is frozen out of its passes, for the rest of the command: a pass in between
    found no cycle and walked every object of the workflow, up to three times (~60 ms of a
    10,000-task run), and the engine freezes only large executions, once built (1,000-task
    chain: 71 passes, 63 ms -> 42, 24 ms; bench/RESULTS.md). Held through the `--json`
    document too: its young passes stay 10,000 allocations apart (`heap_freezer`)."""
    from harmonia.cli.components import registry_from_args
    from harmonia.cli.inputs import input_from_args

    registry = registry_from_args(args)
    with ExitStack() as frozen_for_the_command:
        with cycle_collection_paused():
            workflow = _load_workflow(args.file, registry)
            given = input_from_args(args)
            try:
                workflow.validate_input(given)
            except ValidationFailed as exc:
                raise CliError(*(str(p) for p in exc.problems)) from None
            from harmonia.cli.follow import run_sync, start_execution
            from harmonia.engine.tuning import heap_freezer
            from harmonia.executors.placement import dask_tasks

            settings = _settings(args, Path(), registry)  # every option checked before any write
            if settings.executor.kind != "dask" and (wanting := dask_tasks(workflow)):
                raise CliError(
                    f"{args.file}: task '{wanting[0]}' asks for executor 'dask': "
                    "run it with --executor dask (and --dask-scheduler or --dask-workers)"
                )
            data_dir = data_dir_for_writing(args.data_dir)
            frozen_for_the_command.enter_context(heap_freezer.frozen())
        settings = replace(settings, data_dir=data_dir)
        origin = str(Path(args.file).resolve().parent)  # sub-workflow paths start there
        final = run_sync(
            partial(start_execution, origin=origin), settings, workflow, given, _watch(args)
        )
        return _finish(final, args)


def _completed_and_whole(store: Store, execution_id: str) -> bool:
    """Completed by its catalog row, and its files read whole (a damaged one is refused by the
    engine, which says why and keeps the evidence)."""
    if store.get_summary(execution_id)["status"] != "completed":
        return False
    return store.load_execution(execution_id).damage is None


def cmd_resume(args: argparse.Namespace) -> int:
    with cycle_collection_paused():  # the engine's imports: no cycle to find (bench/RESULTS.md)
        from harmonia.cli.follow import resume_execution, run_sync

    data_dir = data_dir_for_reading(args.data_dir)
    store = _store(data_dir)
    execution_id = store.resolve_execution_id(args.execution_id)
    if _completed_and_whole(store, execution_id):  # refused without a write
        raise CliError(f"execution {execution_id} already completed; nothing to resume")
    final = run_sync(
        partial(resume_execution, from_damaged=args.from_damaged),
        _settings(args, data_dir),
        execution_id,
        _watch(args),
    )
    return _finish(final, args)


def cmd_retry(args: argparse.Namespace) -> int:
    from harmonia.cli.fix_values import embedded_plan, input_override, show_plan

    with cycle_collection_paused():  # the engine's imports: no cycle to find (bench/RESULTS.md)
        from harmonia.cli.follow import retry_task, run_sync

    override = input_override(args)  # checked before the data folder is opened
    data_dir = data_dir_for_reading(args.data_dir)
    store = _store(data_dir)
    execution_id = store.resolve_execution_id(args.execution_id)
    if getattr(args, "dry_run", False):
        plan = embedded_plan(_settings(args, data_dir), execution_id, args.task_id)
        return show_plan(args, plan)
    known = list(store.load_execution(execution_id).tasks)
    if args.task_id not in known:
        raise CliError(
            f"execution {execution_id} has no task {args.task_id!r}; its tasks: {', '.join(known)}"
        )

    def announce(reset: Sequence[str]) -> str:
        return f"harmonia: retrying {args.task_id} of {execution_id}; will run again: " + ", ".join(
            reset
        )

    watch = _watch(args)
    final = run_sync(
        partial(retry_task, input=override),
        _settings(args, data_dir),
        execution_id,
        args.task_id,
        watch,
        announce,
    )
    return _finish(final, args)


def _watch(args: argparse.Namespace) -> Watch:
    from harmonia.cli.follow import Watch

    quiet = bool(getattr(args, "quiet", False))
    return Watch(
        stream=sys.stderr,
        style=style_for(sys.stderr),
        events=not quiet,
        live=not quiet and is_terminal(sys.stderr),
    )


def _finish(final: ExecutionState, args: argparse.Namespace) -> int:
    """Print the outcome: the JSON document on stdout with --json (the summary then goes to
    stderr, to keep stdout parseable); with --quiet, the summary only when something is wrong."""
    from harmonia.cli.gates import undecidable_here, waiting_here_lines
    from harmonia.cli.report import summary_lines

    completed = final.status == "completed"
    quiet = bool(getattr(args, "quiet", False))
    if args.json:
        print_execution_json(final)
        stream: TextIO | None = None if quiet and completed else sys.stderr
    elif quiet:
        stream = None if completed else sys.stderr
    else:
        stream = sys.stdout
    waiting = final.status == "running" and undecidable_here(final)  # left at rest, at a gate
    if stream is not None:
        lines = summary_lines(final, style_for(stream), data_dir_option=args.data_dir)
        if waiting:
            lines += waiting_here_lines(final, args.data_dir)
        stream.write("\n".join(lines) + "\n")
        stream.flush()
    if waiting:
        return EXIT_WAITING
    return EXIT_OK if completed else EXIT_FAILED


def _load_workflow(path: str, registry: ComponentRegistry | None = None) -> Workflow:
    with cycle_collection_paused():  # pydantic and the models: ~100k objects, no cycle
        from harmonia.loader import load_workflow_file

    try:
        return load_workflow_file(path, registry)
    except ValidationFailed as exc:
        raise CliError(*(str(p) for p in exc.problems)) from None


def _store(data_dir: Path) -> Store:
    from harmonia.store import Store

    return Store(data_dir)


# ---- validate, schema ------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """A linter's report is its output: ok lines and problems both go to stdout.

    The cyclic collector is paused throughout, the loader's imports included: its passes over a
    large file's objects (models, data, the YAML node tree) find no cycle and cost more than
    checking the file (bench/RESULTS.md). Paused, not disabled, so `main(argv)` called in a
    longer-lived process leaves the collector as it found it."""
    with cycle_collection_paused():
        return _validate_files(args)


def _validate_files(args: argparse.Namespace) -> int:
    from harmonia.cli.components import registry_from_args
    from harmonia.loader import Template, load_definition_file

    registry = registry_from_args(args)  # one for all files: remote look-ups are cached
    ok = True
    for path in args.files:
        try:
            loaded = load_definition_file(path, registry, keep=False)
        except ValidationFailed as exc:
            ok = False
            for problem in exc.problems:
                print(problem)
            continue
        if isinstance(loaded, Template):
            count = len(loaded.spec.parameters)
            print(f"{path}: ok (template, {count} parameter{'' if count == 1 else 's'})")
            continue
        count = len(loaded.tasks)
        print(f"{path}: ok ({count} task{'' if count == 1 else 's'})")
    return EXIT_OK if ok else EXIT_USAGE


def cmd_schema(args: argparse.Namespace) -> int:
    from harmonia.schema import template_json_schema, workflow_json_schema

    print_json(template_json_schema() if args.template else workflow_json_schema())
    return EXIT_OK


# ---- executions, show ------------------------------------------------------------------------


def cmd_executions(args: argparse.Namespace) -> int:
    from harmonia.cli.report import display_status, execution_row_json, executions_table

    data_dir = data_dir_for_reading(args.data_dir)
    store = _store(data_dir)
    rows: list[dict[str, Any]] = store.list_summaries() if data_dir.exists() else []
    rows = [_fresh(store, r) if _maybe_live(store, r) else r for r in rows]
    if args.status:
        rows = [
            r for r in rows if display_status(r["status"], bool(r["interrupted"])) == args.status
        ]
    if args.limit is not None:
        rows = rows[: args.limit]
    if args.json:
        print_json([execution_row_json(r) for r in rows])
    elif not rows:
        what = f"{args.status} executions" if args.status else "executions"
        print(f"no {what} in {data_dir}")
    else:
        print("\n".join(executions_table(rows, style_for(sys.stdout))))
    return EXIT_OK


def _maybe_live(store: Store, row: dict[str, Any]) -> bool:
    """Unfinished, or being resumed or retried by some process right now."""
    return row["status"] in ("pending", "running") or store.is_locked(row["id"])


def _fresh(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """A catalog row can lag its journal (a process killed between its last event and the row
    update); the journal knows better, and `interrupted` must follow the fresh status."""
    from harmonia.errors import NotFound

    try:
        state = store.load_execution(row["id"])
    except (NotFound, OSError, ValueError):
        return row  # being created right now, or unreadable: the catalog row is all we have
    fresh = {**row, **state.summary()}
    fresh["interrupted"] = fresh["status"] in ("running", "pending") and not store.is_locked(
        row["id"]
    )
    return fresh


def cmd_show(args: argparse.Namespace) -> int:
    from harmonia.cli.report import show_lines

    data_dir = data_dir_for_reading(args.data_dir)
    store = _store(data_dir)
    execution_id = store.resolve_execution_id(args.execution_id)
    state = store.load_execution(execution_id)
    if args.json:
        print_execution_json(state)
        return EXIT_OK
    interrupted = state.status in ("running", "pending") and not store.is_locked(execution_id)
    print("\n".join(show_lines(state, style_for(sys.stdout), interrupted=interrupted)))
    return EXIT_OK


# ---- doctor ----------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit code 0 when nothing is damaged, 1 when something is (see `harmonia.store.doctor`)."""
    from harmonia.store import doctor

    return doctor.run(data_dir_for_reading(args.data_dir), as_json=args.json)
