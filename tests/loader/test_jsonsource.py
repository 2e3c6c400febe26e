"""JSON into data: orjson's fast path and the json module's exact one agree; no YAML parser
is touched for a valid file; lines only for problems; the value limit without a walk."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonia.errors import ValidationFailed
from harmonia.jsonlimits import has_long_digits
from harmonia.loader import jsonsource, load_workflow_file, load_workflow_text, shape, yamlsource
from harmonia.loader.load import load_document
from harmonia.loader.shape import values_fit

KEYS = ["name", "tasks", "a", "component", "action", "input", "x", "y:z", "depends_on"]
SCALARS = ["core", "echo", "w", "a:b", "${input.x}", 1, 2.5, True, None, 2**64, -(2**63) - 1]


def encode(value: Any, escape_colons: bool) -> str:
    """JSON text of `value`, where a tuple of pairs is an object that may repeat a key."""
    if isinstance(value, list):
        return "[" + ",".join(encode(v, escape_colons) for v in value) + "]"
    if isinstance(value, tuple):
        members = (encode(k, escape_colons) + ":" + encode(v, escape_colons) for k, v in value)
        return "{" + ",".join(members) + "}"
    text = json.dumps(value)
    return text.replace(":", "\\u003a") if escape_colons and isinstance(value, str) else text


values = st.recursive(
    st.one_of(st.sampled_from(SCALARS), st.text(max_size=4)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=4).map(tuple)
    ),
    max_leaves=12,
)


def outcome(document: Any) -> Any:
    try:
        return load_document(document).to_document()
    except ValidationFailed as exc:
        return [(p.line, p.task, p.field, p.message) for p in exc.problems]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=5).map(tuple), st.booleans())
def test_the_fast_path_agrees_with_the_exact_one(doc: tuple[Any, ...], escape: bool) -> None:
    """Duplicate keys (also with colons written `\\u003a`), integers beyond 64 bits."""
    text = encode(doc, escape)
    fast = jsonsource.parse_json(text, "wf.json")
    exact = jsonsource._parse_exactly(text, "wf.json")
    assert outcome(fast) == outcome(exact)


def test_duplicates_hidden_by_escaped_colons_are_found() -> None:
    # one member dropped, one colon more in a kept string: the colon counts alone would agree
    text = '{"name": "w", "name": "v", "tasks": {"a": {"component": "core", "action": "echo"}}'
    text += ', "description": "a\\u003ab"}'
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text(text, fmt="json")
    (problem,) = info.value.problems
    assert (problem.field, problem.line) == ("name", 1)
    assert problem.message.startswith("duplicate key 'name'")


def test_nan_is_read_as_the_json_module_reads_it() -> None:
    text = '{"name": "w", "tasks": {"a": {"component": "core", "action": "echo", "timeout": NaN}}}'
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text(text, fmt="json")
    (problem,) = info.value.problems
    assert (problem.task, problem.field) == ("a", "timeout")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789a ", max_size=60))
def test_long_digit_runs_are_found_as_a_regular_expression_finds_them(text: str) -> None:
    assert has_long_digits(text) == (re.search("[0-9]{19}", text) is not None)


def test_more_values_than_allowed_are_refused_without_a_walk_below(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = 1_000  # the same rule as MAX_VALUES, on smaller documents
    monkeypatch.setattr(shape, "MAX_VALUES", limit)
    head = '{"name": "w", "tasks": {"a": {"component": "core", "action": "echo"}}, "x": ['
    over = head + ",".join(["0"] * limit) + "]}"
    assert not values_fit(over)
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text(over, fmt="json")
    (problem,) = info.value.problems
    assert problem.message.startswith(f"the document has more than {limit} values")
    under = head + ",".join(["0"] * (limit - 10)) + "]}"
    assert values_fit(under)
    with pytest.raises(ValidationFailed) as info:
        load_workflow_text(under, fmt="json")
    assert [p.field for p in info.value.problems] == ["x"]  # unknown field, nothing else


@pytest.mark.parametrize("items", [998, 999, 1_000])
def test_text_shorter_than_twice_the_limit_is_not_counted(
    monkeypatch: pytest.MonkeyPatch, items: int
) -> None:
    """The densest JSON (one-digit items) has a value per two characters: the shortcut by
    length and the count agree at the boundary."""
    monkeypatch.setattr(shape, "MAX_VALUES", 1_000)
    text = "[" + ",".join(["0"] * items) + "]"  # items + 1 values, 2 * items + 1 characters
    assert values_fit(text) == (items + 1 <= 1_000)


def test_lines_are_looked_up_only_when_a_problem_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []
    original = yamlsource.yaml_lines

    def counting(text: str) -> Any:
        asked.append(text)
        return original(text)

    monkeypatch.setattr(yamlsource, "yaml_lines", counting)
    path = tmp_path / "wf.json"
    doc: dict[str, Any] = {"name": "w", "tasks": {"a": {"component": "core", "action": "echo"}}}
    path.write_text(json.dumps(doc, indent=2))
    load_workflow_file(path)
    assert asked == []
    doc["tasks"]["a"]["action"] = "ehco"
    path.write_text(json.dumps(doc, indent=2))
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    assert [(p.line, p.task, p.field) for p in info.value.problems] == [(6, "a", "action")]
    assert len(asked) == 1


def test_a_problem_in_the_last_of_10000_tasks_has_its_line(tmp_path: Path) -> None:
    tasks = {
        f"t{i}": {"component": "core", "action": "echo", "input": {"i": i}} for i in range(10_000)
    }
    tasks["t9999"]["retry_policy"] = {"max_retries": -1}
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"name": "big", "tasks": tasks}, indent=1))
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    (problem,) = info.value.problems
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "-1" in text)
    assert (problem.line, problem.task, problem.field) == (
        line,
        "t9999",
        "retry_policy.max_retries",
    )


PROBE = """
import sys
from harmonia.loader import load_workflow_file
load_workflow_file(sys.argv[1])
import harmonia.engine
from harmonia.engine.engine import load_stored_workflow
load_stored_workflow({"name": "w", "tasks": {"a": {"component": "core", "action": "echo"}}})
print(sorted(m for m in sys.modules if m == "yaml" or m.startswith("yaml.")))
"""


def test_validating_json_and_resuming_never_import_a_yaml_parser(tmp_path: Path) -> None:
    path = tmp_path / "wf.json"
    path.write_text('{"name": "w", "tasks": {"a": {"component": "core", "action": "echo"}}}')
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
