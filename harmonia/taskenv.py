"""The environment tasks get: the process's own, without Harmonia's secrets.

The daemon's token (`HARMONIA_TOKEN`) lets whoever holds it run any command as the daemon's
user; a task that could read it (`${env.HARMONIA_TOKEN}`, `env` in a shell task, a third-party
tool that dumps its environment into a log) would carry it into outputs, journals and logs. So
every process a task starts, and every `${env.NAME}`, sees the environment minus the withheld
names: `HARMONIA_TOKEN` always, plus whatever the operator names with `--secret-env NAME` or
`HARMONIA_SECRET_ENV=A,B`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping

from harmonia.protocol import TOKEN_ENV

__all__ = [
    "ALWAYS_WITHHELD",
    "SECRET_ENV_VAR",
    "TaskEnvironment",
    "secret_names",
    "task_environment",
]

SECRET_ENV_VAR = "HARMONIA_SECRET_ENV"
"""Comma-separated names of more environment variables to withhold from tasks."""

ALWAYS_WITHHELD = frozenset({TOKEN_ENV})


def secret_names(
    extra: Iterable[str] = (), environ: Mapping[str, str] | None = None
) -> frozenset[str]:
    """The names withheld from tasks: the token, `extra`, and those in `HARMONIA_SECRET_ENV`."""
    env = os.environ if environ is None else environ
    listed = env.get(SECRET_ENV_VAR, "").split(",")
    names = {name.strip() for name in (*extra, *listed)}
    names.discard("")
    return ALWAYS_WITHHELD | names


class TaskEnvironment(Mapping[str, str]):
    """A live, read-only view of `environ` in which the `withheld` names do not exist.

    Live, so that a variable set after the engine started is seen as it would be without the
    view. `withheld` is public: a `${env.NAME}` that fails on one of them says it was withheld
    rather than "not set", so that the author does not go looking for a missing export.
    """

    __slots__ = ("_environ", "withheld")

    def __init__(self, environ: Mapping[str, str], withheld: Iterable[str]) -> None:
        self._environ = environ
        self.withheld = frozenset(withheld)

    def __getitem__(self, name: str) -> str:
        if name in self.withheld:
            raise KeyError(name)
        return self._environ[name]

    def __contains__(self, name: object) -> bool:
        return name not in self.withheld and name in self._environ

    def __iter__(self) -> Iterator[str]:
        withheld = self.withheld
        return (name for name in list(self._environ) if name not in withheld)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def explain_missing(self, name: str) -> str | None:
        """Why `name` has no value, when the reason is not simply that it is unset."""
        if name not in self.withheld:
            return None
        return (
            f"environment variable {name!r} is withheld from tasks: it is one of Harmonia's "
            f"secrets (HARMONIA_TOKEN, and the names given to --secret-env or {SECRET_ENV_VAR})"
        )


def task_environment(extra: Iterable[str] = ()) -> TaskEnvironment:
    """This process's environment as tasks see it (for components started without an engine,
    and for worker processes that run user code)."""
    return TaskEnvironment(os.environ, secret_names(extra))
