"""The JavaScript client's own tests (clients/js, `node --test`), run as part of this suite so that
CI's one command covers them: `npm ci` from the committed lockfile, then node's test runner, whose
tests talk to real daemons (this virtualenv's `harmoniad`) on free loopback ports: one plain
daemon started here for the files that need nothing else, and their own for the others.

Skipped only where Node is not installed at all; any failure shows node's own report.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.daemon_testing import Harmoniad

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "js"
STAMP = PACKAGE / "node_modules" / ".installed-from-lockfile"
"""Written after `npm ci` with the lockfile's hash: the install is redone only when it changed."""
MINIMUM_NODE = (20, 11)
"""`node --test-concurrency --test-timeout` need 20.11; the client itself runs on any Node 20."""
NODE_TEST_OPTIONS = ("--test-concurrency=3", "--test-timeout=120000")
"""Test files mostly wait on daemons, so three at once; a test that hangs fails after 2 min."""
INSTALL_TIMEOUT = 180
TEST_TIMEOUT = 240
REPORT_LINES = 400


def _run(command: list[str], timeout: float, env: dict[str, str] | None = None) -> str:
    """Run `command` in the package folder; its output, or a test failure that shows it.

    It runs in a process group of its own, killed whole on a timeout: node's test runner has
    a process per test file, and those have daemons."""
    # nothing to read; stderr interleaved with stdout as a terminal shows them
    streams = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    with subprocess.Popen(
        command, cwd=PACKAGE, env=env, text=True, start_new_session=True, **streams
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            pytest.fail(f"`{' '.join(command)}` took over {timeout} s:\n{_tail(output)}")
    if process.returncode != 0:
        pytest.fail(f"`{' '.join(command)}` failed ({process.returncode}):\n{_tail(output)}")
    return output


def _tail(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > REPORT_LINES:
        lines = [f"... ({len(lines) - REPORT_LINES} lines before)", *lines[-REPORT_LINES:]]
    return "\n".join(lines)


def _install(npm: str) -> None:
    lock = hashlib.sha256((PACKAGE / "package-lock.json").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == lock:
        return
    _run([npm, "ci", "--no-audit", "--no-fund"], INSTALL_TIMEOUT)
    STAMP.write_text(lock + "\n", encoding="utf-8")


@pytest.mark.timeout(INSTALL_TIMEOUT + TEST_TIMEOUT + 30)
def test_the_javascript_client(tmp_path: Path) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js 20+ (node, npm) is not installed: the JavaScript client needs it")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.match(r"v(\d+)\.(\d+)", version.strip())
    assert found, f"cannot read node's version from {version!r}"
    assert (int(found[1]), int(found[2])) >= MINIMUM_NODE, (
        f"node {version.strip()} is too old for clients/js: it needs "
        f"{MINIMUM_NODE[0]}.{MINIMUM_NODE[1]} or newer"
    )
    _install(npm)
    env = dict(os.environ)
    harmoniad = Path(sys.executable).with_name("harmoniad")
    if harmoniad.exists():
        env["HARMONIAD"] = str(harmoniad)  # the daemon of the code under test
    files = sorted(str(path.relative_to(PACKAGE)) for path in (PACKAGE / "test").glob("*.test.js"))
    assert files, "clients/js/test has no *.test.js"
    # one plain daemon for the files that need no other (clients/js/test/support.js useDaemon)
    with Harmoniad(tmp_path / "shared-data") as shared:
        env["HARMONIA_JS_DAEMON_URL"] = shared.url
        env["HARMONIA_JS_DAEMON_DIR"] = str(shared.data_dir)
        output = _run(
            [node, "--test", "--test-reporter=spec", *NODE_TEST_OPTIONS, *files], TEST_TIMEOUT, env
        )
    passed = re.search(r"^\S*\s*pass (\d+)", output, re.M)
    assert passed and int(passed[1]) > 0, f"node ran no test:\n{_tail(output)}"
