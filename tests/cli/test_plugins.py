"""Commands that installed packages add to `harmonia` (entry-point group `harmonia.commands`).

Each test installs a real package the way pip leaves one on disk (a module and its
`.dist-info` with `entry_points.txt`), puts it on PYTHONPATH, and runs the real `harmonia`
script, so that the look-up through the packages' metadata is the one users get.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers.plugin_site import install, run_harmonia

GREETER = """
import argparse


def add_command(sub):
    parser = sub.add_parser("greet", help="say hello from a plugin")
    parser.add_argument("name")
    parser.set_defaults(handler=greet)


def greet(args: argparse.Namespace) -> int:
    print(f"hello {args.name}")
    return 7
"""


def harmonia(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_harmonia(site, *args)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"


def test_an_installed_package_adds_a_command(site: Path) -> None:
    install(site, "greeter", GREETER, "[harmonia.commands]\ngreet = greeter:add_command\n")
    done = harmonia(site, "greet", "ann")
    assert (done.returncode, done.stdout, done.stderr) == (7, "hello ann\n", "")
    listed = harmonia(site, "--help")
    assert listed.returncode == 0
    assert "say hello from a plugin" in listed.stdout and "tui" in listed.stdout


def test_a_broken_package_is_named_and_left_out(site: Path) -> None:
    entry = "[harmonia.commands]\nbad = broken:x\n"
    install(site, "broken", "raise RuntimeError('no luck')\n", entry)
    done = harmonia(site, "--help")
    assert done.returncode == 0 and "tui" in done.stdout  # the rest still works
    assert "harmonia: warning: command 'bad' (broken:x) left out: RuntimeError: no luck" in (
        done.stderr
    )
    assert harmonia(site, "validate", "--help").stderr == ""  # built in: not looked up at all
