"""Shared fixtures: both anyio backends for engine tests, a fresh data folder per test, a plain
daemon per test module (a module that needs other options defines its own `daemon`), a fake
remote component, and a disk to fill."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

# No property test is timed: hypothesis's default 200 ms deadline per example and its
# too-slow health check fail on a loaded 2-core machine (timing assertions in disguise).
UNTIMED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("suite", UNTIMED, derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", UNTIMED, derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))
"""Property tests draw the same examples every run (the suite is never flaky, and a failure
replays anywhere from the printed blob); `HYPOTHESIS_PROFILE=explore` draws new ones, to hunt
bugs by hand: add what it finds as an `@example`."""

if TYPE_CHECKING:
    import httpx
    from helpers._serve import ThreadedServer
    from helpers.daemon_testing import Harmoniad
    from helpers.diskfull import DiskKind
    from helpers.fake_component import FakeComponent


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str | tuple[str, dict[str, Any]]:
    """Engine code is anyio-only: every async test runs on asyncio and on trio; on virtual
    time (helpers/virtual_time.py) if marked `@pytest.mark.virtual_time`."""
    backend = str(request.param)
    if request.node.get_closest_marker("virtual_time") is None:
        return backend
    from helpers.virtual_time import virtual_time_backend

    return virtual_time_backend(backend)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty Harmonia data folder (not created yet, as on a fresh machine)."""
    return tmp_path / "harmonia-data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never touch the developer's real data folder from a test."""
    monkeypatch.setenv("HARMONIA_HOME", str(tmp_path / "default-home"))
    yield


COMPILED = ("harmonia", "daemon", "tui", "tests/helpers")
"""What the suite's subprocesses (daemons, CLIs, crash children) import from this checkout."""


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile the checkout once, as an installed package is: an editable install is not,
    and with $PYTHONDONTWRITEBYTECODE set (CI and sandbox shells) every one of the suite's
    hundreds of `harmoniad`/`harmonia` starts compiled every module again (~25% of a start's
    CPU). Done by the xdist controller (or the lone process) before any worker starts."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        return
    import compileall

    root = Path(__file__).resolve().parent.parent
    for folder in COMPILED:
        compileall.compile_dir(root / folder, quiet=2)


@pytest.hookimpl(tryfirst=True)  # before xdist names the group in the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The JavaScript client's tests (`node --test` against real daemons, tests/client/test_js.py)
    are one long test in a group of their own. Run alone, the suite keeps them for last, so a
    Python failure is reported first; spread over workers (pytest-xdist, as CI runs it), they
    go first, so one worker runs them while the others take the Python tests (last, they
    would be the tail that every other worker waits on)."""
    distributed = "PYTEST_XDIST_WORKER" in os.environ
    if distributed:
        from helpers.xdist_units import module_groups

        module_groups(items)  # a module's daemon (or Dask cluster) starts on one worker only
    javascript = [item for item in items if item.nodeid.startswith("tests/client/test_js.py")]
    if not javascript:
        return
    for item in javascript:
        item.add_marker(pytest.mark.xdist_group("javascript"))
    python = [item for item in items if item not in javascript]
    items[:] = javascript + python if distributed else python + javascript


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` with the JavaScript group sent out first (helpers/xdist_units.py)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from helpers.xdist_units import JavaScriptFirst

    return JavaScriptFirst(config, log)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    """A real `harmoniad` shared by one module's tests (each test makes its own names)."""
    from helpers.daemon_testing import Harmoniad

    with Harmoniad(tmp_path_factory.mktemp("daemon") / "data") as running:
        yield running


@pytest.fixture
def api(daemon: Harmoniad) -> Iterator[httpx.Client]:
    """An HTTP client of the module's daemon, with its token."""
    with daemon.client() as client:
        yield client


@pytest.fixture
def fake() -> FakeComponent:
    """A fake remote component named rhetor (helpers/fake_component.py)."""
    from helpers.fake_component import FakeComponent

    return FakeComponent("rhetor")


@pytest.fixture
def rhetor(fake: FakeComponent) -> Iterator[ThreadedServer]:
    """`fake` served over HTTP on a free local port."""
    with fake.serve() as server:
        yield server


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DiskKind]:
    """A disk that fills up: a real tmpfs where one can be mounted, and the injected one."""
    from helpers.diskfull import FlagDiskControl, mounted_tmpfs

    if request.param == "injected":
        yield FlagDiskControl(tmp_path)
        return
    with mounted_tmpfs(tmp_path / "tmpfs") as tmpfs:
        if tmpfs is None:
            pytest.skip("cannot mount a tmpfs here (needs root); the injected disk still runs")
        yield tmpfs
