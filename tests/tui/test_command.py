"""`harmonia tui` is a command the dashboard's package adds to `harmonia` (entry-point group
`harmonia.commands`): the engine package never names the dashboard, and commands that do not
need it never load it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import harmonia

HARMONIA = str(Path(sys.executable).with_name("harmonia"))
ENGINE = Path(harmonia.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_engine_package_imports_neither_the_daemon_nor_the_dashboard() -> None:
    offending = {
        f"{path.relative_to(ENGINE.parent)}: {module}"
        for path in ENGINE.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in ("harmonia_tui", "harmoniad")
    }
    assert not offending


def test_harmonia_lists_and_runs_tui() -> None:
    listed = subprocess.run([HARMONIA, "--help"], capture_output=True, text=True, timeout=60)
    assert (
        listed.returncode == 0
        and "tui " in listed.stdout
        and "terminal dashboard" in (listed.stdout)
    )
    own = subprocess.run([HARMONIA, "tui", "--help"], capture_output=True, text=True, timeout=60)
    assert own.returncode == 0
    for option in ("--url URL", "--data-dir DIR", "--run FILE", "--ascii"):
        assert option in own.stdout


def test_other_commands_never_load_the_dashboard() -> None:
    code = (
        "import sys\n"
        "from harmonia.cli.main import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'importlib.metadata' not in sys.modules, 'packages looked up for --version'\n"
        "assert main(['validate', sys.argv[1]]) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('harmonia_tui', 'textual')))\n"
        "assert not loaded, loaded\n"
    )
    sample = ENGINE.parent / "sample_workflows" / "diamond.yaml"
    done = subprocess.run(
        [sys.executable, "-c", code, str(sample)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
