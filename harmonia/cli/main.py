"""`harmonia`: the argument parser, and the one place where errors become exit codes.

Exit codes: 0 the execution completed (or the command succeeded), 1 it failed or was canceled,
2 the command could not start (bad file, bad input, unknown id or task, bad data folder, or a
usage error), 3 the daemon could not be reached, 4 the data folder refused a write (disk full),
5 an execution of a daemon waits for a person at an approval gate (not over: following it
stopped there), 130 a second Ctrl+C.

`run`, `validate`, `schema` run in this process; `submit`, `watch`, `cancel`, `pause`,
`checkpoint`, `restore`, `workflows` talk to a daemon; `executions`, `show`, `resume`, `retry`
talk to a daemon when `--url` is given or `$HARMONIA_URL` is set, and run in this process
otherwise (see `harmonia.cli.remote_parser`).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from harmonia import __version__
from harmonia.argtypes import positive_int
from harmonia.cli import commands
from harmonia.cli.approve_command import add_approve_command
from harmonia.cli.components import add_component_options, add_components_command
from harmonia.cli.datadir import held_by_daemon
from harmonia.cli.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_STORAGE,
    EXIT_USAGE,
    STORAGE_HINT,
    CliError,
)
from harmonia.cli.executors import add_executors_command
from harmonia.cli.fix_commands import add_fix_commands, add_retry_options
from harmonia.cli.inputs import add_input_options
from harmonia.cli.plugins import add_plugin_commands
from harmonia.cli.remote_parser import (
    Handler,
    Remote,
    add_execution_id,
    add_remote_commands,
    add_url_option,
    daemon_handler,
)
from harmonia.executors.base import add_executor_options
from harmonia.gcpause import cycle_collection_paused
from harmonia.paths import DATA_DIR_HELP

__all__ = ["build_parser", "main"]

EXECUTION_STATUSES = (
    "pending",
    "running",
    "paused",
    "completed",
    "failed",
    "canceled",
    "damaged",
)


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=DATA_DIR_HELP,
    )


def _follow_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that runs an execution shares."""
    _data_dir_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print only the final execution as JSON on stdout (progress stays on stderr)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; a summary only on failure"
    )
    parser.add_argument(
        "--checkpoint-interval",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="snapshot a running execution this often, so recovery replays a short journal "
        "(default 60; 0 turns periodic checkpoints off)",
    )
    add_component_options(parser)
    add_executor_options(parser)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (None: for any command line, installed packages' commands too)."""
    parser = argparse.ArgumentParser(
        prog="harmonia",
        description="Run workflows durably and inspect what ran.",
        epilog="run, validate and schema work in this process; submit, watch, cancel, pause, "
        "checkpoint, restore and workflows talk to a daemon (harmoniad); executions, show, "
        "resume and retry talk to a daemon when --url is given or $HARMONIA_URL is set, and "
        "work in this process otherwise. Exit codes: 0 ok, 1 the execution failed or was "
        "canceled, 2 the command could not start, 3 the daemon could not be reached, "
        "4 the data folder could not be written (disk full?), 5 the daemon's execution waits "
        "for a person at an approval gate, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"harmonia {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="run a workflow file and follow it to the end",
        description="Run a workflow in this process and show its progress on stderr. "
        "Ctrl+C cancels it (it can be resumed); a second Ctrl+C exits at once.",
    )
    run.add_argument("file", metavar="FILE", help="workflow file (YAML or JSON)")
    add_input_options(run)
    _follow_options(run)
    run.set_defaults(handler=commands.cmd_run)

    resume = sub.add_parser(
        "resume",
        help="continue an interrupted, failed, paused or canceled execution",
        description="Continue an execution; completed tasks never run again, failed and "
        "canceled tasks get fresh attempts.",
    )
    add_execution_id(resume)
    resume.add_argument(
        "--from-damaged",
        action="store_true",
        help="resume a damaged execution from the readable part of its journal (the damaged "
        "file is kept aside; tasks whose end was recorded after the damage run again)",
    )
    _follow_options(resume)
    add_url_option(resume, commands.cmd_resume, Remote(lambda module: module.cmd_resume))

    retry = sub.add_parser(
        "retry",
        help="run one task and everything downstream of it again",
        description="Run TASK_ID and every task that depends on it again; other results are kept.",
    )
    add_execution_id(retry, task=True)
    add_retry_options(retry)
    _follow_options(retry)
    add_url_option(retry, commands.cmd_retry, Remote(lambda module: module.cmd_retry))
    add_fix_commands(sub, _follow_options)

    validate = sub.add_parser(
        "validate",
        help="check workflow files without running them",
        description="Check workflow files; every problem is listed with file, line, task "
        "and field. Exit code 2 when any file has a problem.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    add_component_options(validate)
    validate.set_defaults(handler=commands.cmd_validate)

    executions = sub.add_parser("executions", help="list executions, newest first")
    _data_dir_option(executions)
    executions.add_argument("--json", action="store_true", help="print a JSON list")
    executions.add_argument(
        "--status",
        choices=[*EXECUTION_STATUSES, "interrupted"],
        help="only executions with this status",
    )
    executions.add_argument("--limit", type=positive_int, metavar="N", help="at most N executions")
    add_url_option(
        executions, commands.cmd_executions, Remote(lambda module: module.cmd_executions)
    )

    show = sub.add_parser("show", help="one execution with its tasks and errors")
    add_execution_id(show)
    _data_dir_option(show)
    show.add_argument(
        "--json", action="store_true", help="the same document as `harmonia run --json`"
    )
    add_url_option(show, commands.cmd_show, Remote(lambda module: module.cmd_show))

    doctor = sub.add_parser(
        "doctor",
        help="report every damaged file of the data folder (reads only)",
        description="Check the catalog and every execution's snapshot and journal; print each "
        "damaged file with its path, byte offset and line, and what is wrong. Repairs nothing. "
        "Exit code 0 when nothing is damaged, 1 when something is.",
    )
    _data_dir_option(doctor)
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.set_defaults(handler=commands.cmd_doctor)

    add_remote_commands(sub)
    add_approve_command(sub)
    add_components_command(sub)
    add_executors_command(sub)

    schema = sub.add_parser("schema", help="print the JSON Schema of workflow files")
    schema.add_argument(
        "--template", action="store_true", help="the schema of template files (kind: template)"
    )
    schema.set_defaults(handler=commands.cmd_schema)
    add_plugin_commands(sub, argv)  # `tui` comes from the dashboard's package
    return parser


def _error(lines: Sequence[str]) -> None:
    for line in lines:
        sys.stderr.write(f"harmonia: error: {line}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `harmonia` script; returns the exit code.

    Called as the script (no `argv`), the process exits right after: what is left alive is
    then frozen out of the collector, whose last full pass at interpreter exit would walk it
    all (~0.1 s of CPU after a 10,000-task run) only to free memory that exiting frees."""
    if argv is not None:
        return _main(argv)
    try:
        return _main(sys.argv[1:], script=True)
    finally:
        gc.freeze()


def _main(argv: Sequence[str], *, script: bool = False) -> int:
    """`script`: this process exits after the command (see `main`)."""
    with cycle_collection_paused():
        args = build_parser(argv).parse_args(argv)
    handler: Handler = args.handler  # every subcommand's parser sets one (plugins' too)
    from harmonia.errors import InvalidOperation, NotFound, StorageUnavailable, ValidationFailed
    from harmonia.store.locks import ExecutionLocked

    try:
        if (remote := _daemon_command(handler, args, script=script)) is not None:
            handler = remote
        return handler(args)
    except CliError as exc:
        _error(exc.lines)
        return exc.code
    except ExecutionLocked as exc:  # a daemon holds it: say how to reach that daemon
        _error([str(exc), *held_by_daemon(getattr(args, "data_dir", None), exc.holder)])
        return EXIT_USAGE
    except (NotFound, InvalidOperation) as exc:
        _error([str(exc)])
        return EXIT_USAGE
    except ValidationFailed as exc:  # found as the engine starts (stored sub-workflow loops)
        _error([str(p) for p in exc.problems])
        return EXIT_USAGE
    except StorageUnavailable as exc:  # the execution never started (or not on this disk)
        _error([exc.message, STORAGE_HINT])
        return EXIT_STORAGE
    except KeyboardInterrupt:
        # before the engine listens for signals (loading, importing): nothing to cancel yet
        _error(["interrupted"])
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `harmonia executions | head`: the reader left; that is not an error worth a word
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:
        _error([f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")])
        return EXIT_FAILED


def _daemon_command(handler: Handler, args: argparse.Namespace, *, script: bool) -> Handler | None:
    """A command that talks to a daemon, its modules imported with the cyclic collector
    paused (~30k objects that live to the end, no cycle among them, ~100 passes), and then,
    when the process ends with the command, frozen out of the collector's later passes: ~3%
    of `harmonia executions`. Not for the embedded commands: the engine freezes the heap by
    its own rules (`harmonia.engine.tuning`), which a freeze made before it would turn off."""
    with cycle_collection_paused():
        remote = daemon_handler(handler, args)
        if remote is not None and script:
            gc.freeze()
    return remote


if __name__ == "__main__":
    sys.exit(main())
