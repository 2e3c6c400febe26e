"""How pytest-xdist (`--dist loadgroup`, as CI runs the suite) cuts the suite into units of work.

A test is its own unit, so a module's tests are spread over every worker, and each worker then
starts the module's own fixtures (a daemon, a Dask cluster) once more. `module_groups` keeps the
tests that share such a fixture in one unit; `JavaScriptFirst` sends the JavaScript client's
long test out first (xdist otherwise sorts units by size, putting that one-test unit last).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from xdist.scheduler import LoadGroupScheduling
from xdist.workermanage import WorkerController

__all__ = ["FIRST", "JavaScriptFirst", "module_groups"]

FIRST = ("javascript",)
"""Groups sent out before anything else, whatever their size."""


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
    `FIRST` go out before every other unit."""

    def _assign_work_unit(self, node: WorkerController) -> None:
        for group in reversed(FIRST):
            if group in self.workqueue:
                self.workqueue.move_to_end(group, last=False)
        super()._assign_work_unit(node)
