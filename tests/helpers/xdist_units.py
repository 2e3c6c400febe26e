"""How pytest-xdist (`--dist loadgroup`, as CI runs the suite) cuts the suite into units of work.

A test is its own unit, so a module's tests are spread over every worker, and each worker then
starts the module's own fixtures (a daemon, a Dask cluster) once more. `module_groups` keeps the
tests that share such a fixture in one unit; `JavaScriptFirst` sends the JavaScript client's
long test out first (xdist otherwise sorts units by size, putting that one-test unit last),
and the one-test units of the folders whose tests start processes before the in-process ones,
so that the run ends on tests of milliseconds, not on one worker finishing a 20 s TUI test.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from xdist.scheduler import LoadGroupScheduling
from xdist.workermanage import WorkerController

__all__ = ["FIRST", "HEAVY", "JavaScriptFirst", "module_groups"]

FIRST = ("javascript",)
"""Groups sent out before anything else, whatever their size."""

HEAVY = ("tests/tui/", "tests/crash/", "tests/e2e/", "tests/daemon/", "tests/client/", "tests/cli/")
"""Folders whose tests start daemons, terminals or CLIs (seconds each, up to ~30 s under load):
their one-test units go out, in this order, before the in-process ones (milliseconds each)."""


def _rank(scope: str, size: int) -> int:
    """Where a unit goes: a group of several tests first (as xdist has it: by size), then the
    one-test units of `HEAVY` folders, then every other one."""
    if size > 1:
        return 0
    for rank, folder in enumerate(HEAVY, start=1):
        if scope.startswith(folder):
            return rank
    return len(HEAVY) + 1


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    """Whether `item` uses a module-scoped fixture of the suite's own (not a plugin's, such as
    anyio's default `anyio_backend`), directly or through another fixture."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definition.scope == "module" and definition.baseid
        for definitions in info.name2fixturedefs.values()
        for definition in definitions[-1:]  # the one that applies (the closest override)
    )


def module_groups(items: Iterable[pytest.Item]) -> None:
    """Mark every test that shares a module fixture with `xdist_group(<its module>)`, unless it
    is in a group already."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _shares_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


class JavaScriptFirst(LoadGroupScheduling):
    """`loadgroup` (the largest units first, a worker fed as it runs dry), but the groups of
    `FIRST` go out before every other unit and the heavy one-test units before the light."""

    _ranked = False

    def _assign_work_unit(self, node: WorkerController) -> None:
        if not self._ranked:  # the queue is full now (first call): order it once, stably
            self._ranked = True
            units = sorted(self.workqueue.items(), key=lambda u: _rank(u[0], len(u[1])))
            self.workqueue.clear()
            self.workqueue.update(units)
        for group in reversed(FIRST):
            if group in self.workqueue:
                self.workqueue.move_to_end(group, last=False)
        super()._assign_work_unit(node)
