"""No module of the three packages is over 500 lines (issue 10's rule): past that, a module
does several jobs, and each new feature makes the split harder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [ROOT / "harmonia", ROOT / "daemon" / "harmoniad", ROOT / "tui" / "harmonia_tui"]
LIMIT = 500


def test_no_module_is_over_the_limit() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in package.rglob("*.py")
    }
    assert len(sizes) > 100  # the packages were found
    assert {name: lines for name, lines in sizes.items() if lines > LIMIT} == {}
