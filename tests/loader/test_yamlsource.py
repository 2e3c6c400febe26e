"""YAML into data: libyaml and the pure-Python fallback agree, with the same lines; the data is
PyYAML's own; lines are looked up only when a problem is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.loading import INVALID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonia.errors import Problem, ValidationFailed
from harmonia.loader import load_workflow_file, load_workflow_text, yamlsource
from harmonia.loader.load import load_document
from harmonia.loader.yamlsource import PureSafeLoader, SafeLoader, parse_yaml

pytestmark = pytest.mark.skipif(
    not yaml.__with_libyaml__, reason="compares libyaml with the pure-Python parser"
)


def outcome(text: str, loader: type[yaml.SafeLoader]) -> Any:
    """The loaded document, or the problems as (line, task, field, message) rows."""
    try:
        return load_document(parse_yaml(text, "wf.yaml", loader)).to_document()
    except ValidationFailed as exc:
        return [_row(p) for p in exc.problems]


def _row(problem: Problem) -> tuple[Any, ...]:
    # the two parsers word some syntax errors differently; where they are matters
    message = "YAML syntax error" if "syntax error" in problem.message else problem.message
    return problem.file, problem.line, problem.task, problem.field, message


def test_the_fast_loader_is_libyaml() -> None:
    assert issubclass(SafeLoader, yaml.CSafeLoader)
    assert not issubclass(PureSafeLoader, yaml.CSafeLoader)


def test_both_parsers_report_the_same_problems_on_the_same_lines() -> None:
    for path in sorted(INVALID.glob("*.yaml")):
        problems = outcome(path.read_text(), SafeLoader)
        assert problems == outcome(path.read_text(), PureSafeLoader), path.name
        assert isinstance(problems, list), path.name


PIECES = [
    "name: w\n",
    "tasks:\n",
    "  a:\n",
    "  b:\n",
    "    component: core\n",
    "    action: echo\n",
    "    <<: *base\n",
    "    <<: [*base, *other]\n",
    "base: &base {component: core, action: echo}\n",
    "other: &other {action: sleep, timeout: 1}\n",
    "    input: &inp {x: 1, y: '${input.q}'}\n",
    "    input: *inp\n",
    "    depends_on: [a]\n",
    "    when: true\n",
    "    timeout: 2\n",
    "    input: {s: !!set {a, b}, d: 2001-12-14, b: !!binary aGk=}\n",
    "    input: {n: 123456789012345678901234567890}\n",
    "    input: {? [a]: 1}\n",
    "    retry_policy: {max_retries: 1, max_retries: 2}\n",
    "input:\n",
    "  q: {type: string, default: x}\n",
    "    input: {x: !foo 1}\n",
    "    input: {<<: {z: 1}, z: 2, z: 3}\n",
    "    input: {k: [&r [*r]]}\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_both_parsers_agree_on_aliases_merges_tags_and_duplicates(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert outcome(text, SafeLoader) == outcome(text, PureSafeLoader)


DATA_SAMPLES = [
    "a: &x {k: [1, 2.5, true, null, ~, 0x1f, 1_000, .inf, -.Inf, yes, Off, '3']}\nb: *x\n",
    "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n",
    "a: &a {x: 1}\nb: &b {x: 2, z: 3}\nm: {<<: [*a, *b], w: 0}\n",
    "t: 2001-12-14t21:59:43.10-05:00\nd: 2002-12-14\ns: !!set {a, b}\no: !!omap [{a: 1}]\n",
    "bin: !!binary aGVsbG8=\nstr: !!str 12\nint: !!int '7'\nkeys: {1: a, 2.5: b, null: c}\n",
    "- [a, b]\n- {c: d}\n- |\n  block\n  text\n- >\n  folded\n",
]


@pytest.mark.parametrize("text", DATA_SAMPLES)
def test_the_data_is_what_pyyaml_builds(text: str) -> None:
    expected = yaml.load(text, Loader=yaml.SafeLoader)  # the safe loader
    for loader in (SafeLoader, PureSafeLoader):
        parsed = parse_yaml(text, "x", loader)
        assert not parsed.problems
        assert parsed.data == expected


def test_lines_are_looked_up_only_when_a_problem_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    walks: list[int] = []
    original = yamlsource._Index.walk

    def counting(self: Any, root: Any) -> Any:
        walks.append(1)
        return original(self, root)

    monkeypatch.setattr(yamlsource._Index, "walk", counting)
    path = tmp_path / "wf.yaml"
    path.write_text("name: w\ntasks:\n  a: {component: core, action: echo}\n")
    load_workflow_file(path)
    assert walks == []
    path.write_text("name: w\ntasks:\n  a: {component: core, action: ehco}\n")
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    assert [(p.line, p.task, p.field) for p in info.value.problems] == [(3, "a", "action")]
    assert walks == [1]


def test_a_problem_in_the_last_of_10000_tasks_has_its_line() -> None:
    lines = ["name: big", "tasks:"]
    for i in range(10_000):
        lines += [f"  t{i}:", "    component: core", "    action: echo"]
        lines += [f"    depends_on: [t{i - 1}]"] if i else []
    lines[-2] = "    action: ehco"
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text("\n".join(lines) + "\n", source="big.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.task, problem.field) == (len(lines) - 1, "t9999", "action")


def test_deep_nesting_is_a_problem_with_either_parser() -> None:
    text = "name: w\ntasks: " + "[" * 2000 + "]" * 2000 + "\n"
    for loader in (SafeLoader, PureSafeLoader):
        problems = outcome(text, loader)
        assert isinstance(problems, list)
        assert problems
