"""`harmonia tui` is a command the dashboard's package adds to `harmonia` (entry-point group
`harmonia.commands`): commands that do not need it never load it. That the engine package never
names the dashboard is checked with the rest of the import graph (tests/test_import_graph.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import harmonia

HARMONIA = str(Path(sys.executable).with_name("harmonia"))
ENGINE = Path(harmonia.__file__).parent


def test_harmonia_lists_and_runs_tui() -> None:
    listed = subprocess.run([HARMONIA, "--help"], capture_output=True, text=True, timeout=60)
    assert (
        listed.returncode == 0
        and "tui " in listed.stdout
        and "terminal dashboard" in (listed.stdout)
    )
    own = subprocess.run([HARMONIA, "tui", "--help"], capture_output=True, text=True, timeout=60)
    assert own.returncode == 0
    for option in ("--url URL", "--data-dir DIR", "--run FILE", "--input KEY=VALUE", "--ascii"):
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


def test_input_is_checked_before_the_dashboard_starts(tmp_path: Path) -> None:
    """`--input` belongs to `--run`, and a bad input file is exit 2 naming it, before any
    daemon is looked for or any terminal needed."""
    alone = subprocess.run(
        [HARMONIA, "tui", "--input", "who=ada"], capture_output=True, text=True, timeout=60
    )
    assert alone.returncode == 2 and "--run FILE" in alone.stderr, alone.stderr
    listed = tmp_path / "in.yaml"
    listed.write_text("[1, 2]\n")
    sample = ENGINE.parent / "sample_workflows" / "diamond.yaml"
    bad = subprocess.run(
        [HARMONIA, "tui", "--run", str(sample), "--input-file", str(listed)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2, bad.stderr
    assert f"--input-file {listed}: expected an object of input names" in bad.stderr
