"""Text into data: YAML and JSON, duplicate keys, aliases, format sniffing, lines."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.loading import GOOD_TASK, fails, located, problems_of

from harmonia.loader import load_workflow_file, load_workflow_text


def test_duplicate_keys_at_every_level() -> None:
    text = "name: w\nname: v\ntasks:\n  a:\n" + GOOD_TASK + "    input: {x: 1, x: 2}\n"
    problems = fails(text)
    assert located(problems) == [(2, None, "name"), (7, "a", "input.x")]
    assert all(p.message.startswith("duplicate key") for p in problems)


def test_yaml_merge_keys_are_not_duplicates() -> None:
    text = (
        "name: w\n"
        "base: &base {component: core, action: echo}\n"
        "tasks:\n"
        "  a:\n"
        "    <<: *base\n"
        "    action: echo\n"
    )
    problems = fails(text)
    # only the unknown top-level field `base`: the merged `action` is not a duplicate key
    assert located(problems) == [(2, None, "base")]


def test_recursive_alias_is_a_problem() -> None:
    (problem,) = fails("name: &a [*a]\ntasks: {}\n")
    assert "contains itself" in problem.message


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    (problem,) = fails("\n".join(lines) + "\n")
    assert "more than" in problem.message


def test_a_flow_left_open_is_located_where_it_opens() -> None:
    """`input: {message: hi` on the last line was reported at line 7 of a 6-line file (where
    the parser ran out of text): the line to fix is the one that opens the mapping."""
    text = "name: w\ntasks:\n  a:\n    component: core\n    action: echo\n"
    (problem,) = fails(text + "    input: {message: hi\n", source="wf.yaml")
    assert problem.line == 6
    assert problem.message == (
        "YAML syntax error: while parsing a flow mapping: did not find expected ',' or '}' "
        "before the end of the file"
    )


def test_multiple_documents_are_a_syntax_error() -> None:
    (problem,) = fails("name: a\n---\nname: b\n")
    assert problem.line == 2
    assert problem.message.startswith("YAML syntax error")


def test_unsafe_tags_are_refused() -> None:
    (problem,) = fails("name: !!python/object/apply:os.system ['true']\ntasks: {}\n")
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == 1


# ----------------------------------------------------------------------------- JSON and files

JSON_DOC = """{
  "name": "j",
  "tasks": {
    "a": {"component": "core", "action": "echo",
          "retry_policy": {"max_retries": -1}},
    "b": {"component": "core", "action": "ehco"}
  }
}
"""


def test_json_text_has_lines_too() -> None:
    problems = fails(JSON_DOC, fmt="json", source="wf.json")
    assert located(problems) == [
        (5, "a", "retry_policy.max_retries"),
        (6, "b", "action"),
    ]
    assert all(p.file == "wf.json" for p in problems)


def test_json_syntax_error() -> None:
    (problem,) = fails('{"name": "j",\n "tasks": }\n', fmt="json")
    assert problem.line == 2
    assert problem.message == "JSON syntax error at column 11: Expecting value"
    (cut,) = fails('{"name": "j",\n "tasks": {"a": {"component": "core"\n', fmt="json")
    assert cut.line == 3  # where the file ends
    assert cut.message.startswith("JSON syntax error: the file ends before the document does")


def test_json_duplicate_keys() -> None:
    text = '{"name": "j",\n "tasks": {"a": {"component": "core", "action": "echo"}},\n "name": "k"}'
    (problem,) = fails(text, fmt="json")
    assert (problem.line, problem.field) == (3, "name")
    assert problem.message.startswith("duplicate key 'name'")


def test_format_is_sniffed_from_content(tmp_path: Path) -> None:
    workflow = {"name": "j", "tasks": {"a": {"component": "core", "action": "echo"}}}
    for name in ("wf.json", "wf.workflow", "wf"):
        path = tmp_path / name
        path.write_text(json.dumps(workflow, indent=2))
        assert load_workflow_file(path).name == "j"
    yaml_path = tmp_path / "wf.txt"
    yaml_path.write_text("name: y\ntasks:\n  a: {component: core, action: echo}\n")
    assert load_workflow_file(yaml_path).name == "y"
    assert load_workflow_text(json.dumps(workflow)).name == "j"


def test_sniffing_falls_back_to_yaml_flow_style(tmp_path: Path) -> None:
    text = "{name: flow, tasks: {a: {component: core, action: echo}}}"
    assert load_workflow_text(text).name == "flow"
    (problem,) = fails("{name: flow, tasks: {a: [}}")
    assert problem.message.startswith("JSON syntax error")
    path = tmp_path / "bom.json"
    path.write_text(
        '\ufeff{"name": "bom", "tasks": {"a": {"component": "core", "action": "echo"}}}'
    )
    assert load_workflow_file(path).name == "bom"


def test_json_extension_is_parsed_as_json(tmp_path: Path) -> None:
    path = tmp_path / "wf.json"
    path.write_text("name: y\ntasks: {}\n")
    (problem,) = problems_of(path)
    assert problem.message.startswith("JSON syntax error")
    assert problem.file == str(path)
