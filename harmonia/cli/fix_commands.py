"""`harmonia complete`, `harmonia skip`, and what `harmonia retry` gains: `--input` (an override
merged over the task's rendered input) and `--dry-run` (the retry plan, nothing changed).

Like `resume` and `retry`, each works on the data folder in this process, or asks a daemon
with `--url` / `$HARMONIA_URL`; then it follows the execution to its end. Every value given is
checked before anything is asked or opened: JSON that does not parse is exit 2, and nothing is
recorded. The journal names the CLI (`by: cli`) as the operator.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from harmonia.cli.errors import CliError
from harmonia.cli.fix_values import BY, output_value
from harmonia.cli.remote_parser import Remote, add_execution_id, add_url_option

if TYPE_CHECKING:
    from harmonia.bus import Subscription
    from harmonia.cli.follow import EngineSettings, Watch
    from harmonia.engine import Engine
    from harmonia.state import ExecutionState

__all__ = ["add_fix_commands", "add_retry_options"]


# ---- the parsers -----------------------------------------------------------------------------


def add_retry_options(retry: argparse.ArgumentParser) -> None:
    """`--input`, `--input-file` and `--dry-run` of `harmonia retry`."""
    given = retry.add_mutually_exclusive_group()
    given.add_argument(
        "--input",
        metavar="JSON",
        help="a JSON object merged over the task's rendered input for its next attempts "
        "(its keys replace the task's; see `--dry-run` for the input as last rendered)",
    )
    given.add_argument("--input-file", metavar="FILE", help="the same, read from a file")
    retry.add_argument(
        "--dry-run",
        action="store_true",
        help="list exactly the tasks a retry would run again (and the task's last input); "
        "change nothing. Exit code 2 when the retry would be refused",
    )


def add_fix_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    follow_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """`complete` and `skip`; `follow_options` are the options of `resume` and `retry`."""
    complete = sub.add_parser(
        "complete",
        help="mark a failed, pending, waiting or canceled task completed with a given output",
        description="Record TASK_ID as completed with OUTPUT (JSON), as if it had returned "
        "it; the tasks below it then run. A failed or canceled execution runs again.",
    )
    add_execution_id(complete, task=True)
    given = complete.add_mutually_exclusive_group(required=True)
    given.add_argument("--output", metavar="JSON", help="the task's output, any JSON value")
    given.add_argument("--output-file", metavar="FILE", help="the output, read from a file")
    follow_options(complete)
    add_url_option(complete, cmd_complete, Remote(lambda _: cmd_complete_remote))

    skip = sub.add_parser(
        "skip",
        help="mark a failed, pending, waiting or canceled task skipped",
        description="Record TASK_ID as skipped; the tasks below it follow their rules for a "
        "skipped parent. A failed or canceled execution runs again.",
    )
    add_execution_id(skip, task=True)
    skip.add_argument("--reason", metavar="TEXT", help="why, shown with the task")
    follow_options(skip)
    add_url_option(skip, cmd_skip, Remote(lambda _: cmd_skip_remote))


# ---- in this process -------------------------------------------------------------------------


Act = Callable[["Engine", str], Any]
"""The operator action on the engine, given the execution id; returns the reset tasks."""


def cmd_complete(args: argparse.Namespace) -> int:
    output = output_value(args)
    return _embedded(
        args,
        lambda engine, eid: engine.complete_task(eid, args.task_id, output, by=BY),
        "completed by hand",
    )


def cmd_skip(args: argparse.Namespace) -> int:
    return _embedded(
        args,
        lambda engine, eid: engine.skip_task(eid, args.task_id, by=BY, reason=args.reason),
        "skipped by hand",
    )


def _embedded(args: argparse.Namespace, act: Act, done: str) -> int:
    from harmonia.cli.commands import _finish, _settings, _store, _watch
    from harmonia.cli.datadir import data_dir_for_reading
    from harmonia.cli.follow import run_sync

    data_dir = data_dir_for_reading(args.data_dir)
    store = _store(data_dir)
    execution_id = store.resolve_execution_id(args.execution_id)
    _known_task(execution_id, args.task_id, list(store.load_execution(execution_id).tasks))
    announce = partial(_announce, args.task_id, execution_id, done)
    final = run_sync(
        _act_and_follow, _settings(args, data_dir), execution_id, act, _watch(args), announce
    )
    return _finish(final, args)


async def _act_and_follow(
    settings: EngineSettings,
    execution_id: str,
    act: Act,
    watch: Watch,
    announce: Callable[[Sequence[str]], str],
) -> ExecutionState:
    """The action in an embedded engine, then the execution followed to its end (as retry)."""
    from harmonia.cli.follow import _drive

    async def begin(engine: Engine) -> tuple[ExecutionState, Subscription]:
        subscription = engine.subscribe(execution_id, until_finished=True)
        reset = await act(engine, execution_id)
        state = await engine.get(execution_id)
        watch.attach(state)
        watch.notice(announce(reset))
        return state, subscription

    return await _drive(settings, watch, begin)


def _announce(task_id: str, execution_id: str, done: str, reset: Sequence[str]) -> str:
    below = ", ".join(reset) if reset else "nothing"
    return f"harmonia: {task_id} of {execution_id} {done}; decided again below it: {below}"


def _known_task(execution_id: str, task_id: str, known: list[str]) -> None:
    if task_id not in known:
        raise CliError(
            f"execution {execution_id} has no task {task_id!r}; its tasks: " + ", ".join(known)
        )


# ---- against a daemon ------------------------------------------------------------------------


def cmd_complete_remote(args: argparse.Namespace) -> int:
    output = output_value(args)
    return _remote(
        args, lambda c, eid: c.complete_task(eid, args.task_id, output, by=BY), "completed by hand"
    )


def cmd_skip_remote(args: argparse.Namespace) -> int:
    return _remote(
        args,
        lambda c, eid: c.skip_task(eid, args.task_id, reason=args.reason, by=BY),
        "skipped by hand",
    )


def _remote(args: argparse.Namespace, act: Callable[[Any, str], Any], done: str) -> int:
    from harmonia.cli.remote import finish, follow, remote_command, resolve_execution_id, session

    @remote_command
    def run(args: argparse.Namespace) -> int:
        with session(args) as client:
            execution_id = resolve_execution_id(client, args.execution_id)
            before = client.get_execution(execution_id)
            _known_task(execution_id, args.task_id, list(before.tasks))
            result = act(client, execution_id)
            notice = _announce(args.task_id, execution_id, done, result.reset)
            final = follow(client, before, args, after=before.last_seq or 0, notice=notice)
            return finish(client, final, args)

    return run(args)
