"""What `${components.NAME.url}` reads: a remote component's base URL, found as calls find it.

Plain-REST components (Engram) are called with `http.request`; this keeps their port out of the
workflow file. Rendering a task's input is synchronous, so the runner awaits `prepare` for the
names the input references first (discovery in a worker thread, never on the event loop); the
mapping then answers from the directory's cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

import anyio

from harmonia.errors import ErrorKind, TaskError

if TYPE_CHECKING:
    from harmonia.tekton.discovery import Directory

__all__ = ["ComponentUrls"]


class ComponentUrls(Mapping[str, Mapping[str, str]]):
    """`components` in a reference's context: NAME -> {"url": base URL}."""

    __slots__ = ("_directory",)

    def __init__(self, directory: Directory | None) -> None:
        self._directory = directory

    def __getitem__(self, name: str) -> Mapping[str, str]:
        directory = self._directory
        if directory is None:
            raise KeyError(name)
        found = directory.cached(name) or directory.find(name)  # found by `prepare` as a rule
        if found is None:
            raise KeyError(name)
        return {"url": found.url}

    def __iter__(self) -> Iterator[str]:
        return iter(() if self._directory is None else self._directory.known_names())

    def __len__(self) -> int:
        return 0 if self._directory is None else len(self._directory.known_names())

    def explain_missing(self, name: str) -> str:
        """Why `name` has no URL, for the reference's error (see `harmonia.expressions`)."""
        if self._directory is None:
            return f"component {name!r} is not a remote component (no discovery configured)"
        return f"component {name!r} not found; looked in: {self._directory.where_looked(name)}"

    async def prepare(self, names: Iterable[str]) -> None:
        """Look up every name whose answer is stale, off the event loop; TaskError
        (`connection`, retryable) for one found nowhere: it may be starting."""
        directory = self._directory
        if directory is None:
            return
        for name in names:
            if directory.is_fresh(name):
                continue
            found = await anyio.to_thread.run_sync(directory.resolve, name)
            if found is None:
                raise TaskError(
                    f"${{components.{name}.url}}: {self.explain_missing(name)}",
                    ErrorKind.CONNECTION,
                )
