"""References: how they are written and normalised, how they are looked up, and why one has no
value (harmonia.expressions.references and .lookup)."""

from __future__ import annotations

import json
import pickle
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Mapping

import pytest
from helpers.expressions import raised, render
from hypothesis import given
from hypothesis import strategies as st

from harmonia.expressions import (
    REFERENCE_ROOTS,
    ROOTS,
    ExpressionError,
    ExpressionTypeError,
    Reference,
    ReferenceMissing,
    compile_template,
    find_references,
    parse_reference,
)


def test_reference_normalisation() -> None:
    (ref,) = find_references("${ tasks.fetch.output['json'][\"items\"][0]['odd key'] }")
    assert ref == Reference(
        text='tasks.fetch.output.json.items[0]["odd key"]',
        root="tasks",
        path=("fetch", "output", "json", "items", 0, "odd key"),
    )
    assert ref.task_id == "fetch"
    assert str(ref) == '${tasks.fetch.output.json.items[0]["odd key"]}'
    assert parse_reference(ref.text) == ref
    assert parse_reference(str(ref)) == ref
    assert parse_reference("input.my-name").path == ("my-name",)


def test_roots_constant() -> None:
    # on one line, not a column re-typing the source's table
    roots = tuple("input tasks workflow execution env components item index param".split())  # noqa: SIM905
    assert frozenset(roots) == ROOTS
    # one list, in the order the documentation gives; the loader's messages use this order
    assert roots == REFERENCE_ROOTS


def test_lookup_accepts_other_mappings_and_does_not_create_keys() -> None:
    defaults: defaultdict[str, int] = defaultdict(int)
    context = {"input": OrderedDict(a=defaults)}
    assert render("${input.a}", context) is defaults
    with pytest.raises(ReferenceMissing):
        render("${input.a.missing}", context)
    assert "missing" not in defaults


def test_lookup_works_on_custom_mapping() -> None:
    class Env(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            if key == "HOME":
                return "/root"
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            return iter(["HOME"])

        def __len__(self) -> int:
            return 1

    assert render("${env.HOME}", {"env": Env()}) == "/root"
    with pytest.raises(ReferenceMissing, match="environment variable 'PATH' is not set"):
        render("${env.PATH}", {"env": Env()})


# --------------------------------------------------------------------------- missing references


MISSING = [  # a reference with no value, and the reason given
    ("${tasks.fetch.output.json.items[3]}", "array index 3 out of range (length 2)"),
    (
        "${tasks.fetch.output.json.items[3].id}",
        "array index 3 out of range (length 2) in tasks.fetch.output.json.items",
    ),
    ("${tasks.fetch.output.json.nope}", "key 'nope' not found"),
    ("${tasks.fetch.output.json.name.x}", "tasks.fetch.output.json.name is a string"),
    ("${tasks.fetch.output.json.name[0]}", "is a string, which has no index [0]"),
    ("${tasks.fetch.output.json.count.x}", "is an integer"),
    ("${tasks.fetch.output.tags.x}", "cannot look up key 'x' in an array"),
    ("${tasks.skipped.output.x}", "tasks.skipped.output is null"),
    ("${tasks.other.output}", "task 'other' has no result"),
    ("${input.nope}", "the execution input has no 'nope'"),
    ("${env.NOPE}", "environment variable 'NOPE' is not set"),
]


@pytest.mark.parametrize(("template", "reason"), MISSING)
def test_missing_reference(template: str, reason: str) -> None:
    error = raised(ReferenceMissing, render, template)
    assert reason in error.reason
    assert error.reference == template[2:-1]
    assert str(error).startswith(f"reference {template} has no value: ")


def test_missing_reference_message_matches_spec() -> None:
    error = raised(ReferenceMissing, render, "${tasks.fetch.output.json.items[3]}")
    assert str(error) == (
        "reference ${tasks.fetch.output.json.items[3]} has no value: "
        "array index 3 out of range (length 2)"
    )


def test_missing_root_in_context() -> None:
    with pytest.raises(ReferenceMissing, match="the context has no 'env'"):
        render("${env.HOME}", {"input": {}})


def test_missing_reference_inside_formatted_string() -> None:
    with pytest.raises(ReferenceMissing, match=r"\$\{input.nope\}"):
        render("a ${input.limit} b ${input.nope}")


def test_errors_are_picklable() -> None:
    for error in (
        ExpressionError("bad", "x y", 2),
        ReferenceMissing("input.a", "gone"),
        ExpressionTypeError("bad types", "a < b"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)


# -------------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("template", "message", "position"),
    [
        ("${input.a", "unterminated '${'", 0),
        ("abc ${input.a ", "unterminated '${'", 4),
        ("${}", "empty reference", 0),
        ("${  }", "empty reference", 0),
        ("${foo.bar}", "unknown name 'foo'", 2),
        ("${input}", "'input' must be followed by a name", 2),
        ("${workflow}", "'workflow' must be followed by a name", 2),
        ("${tasks}", "'tasks' must be followed by a task id", 2),
        ("${tasks[0].output}", "'tasks' must be followed by a task id", 2),
        ("${tasks.a}", "only .output or .status may follow", 2),
        ("${tasks.a.result}", "only .output or .status may follow: tasks.ID.output", 10),
        ("${tasks.a.outptu}", "may follow (did you mean 'output'?): tasks.ID.output", 10),
        ("${tasks.a.stauts}", "may follow (did you mean 'status'?)", 10),
        ("${inptu.x}", "unknown name 'inptu' (did you mean 'input'?): a reference", 2),
        ("${tasks.a.status.x}", "nothing may follow tasks.ID.status", 17),
        ("${input.}", "expected a name after '.'", 8),
        ("${input..a}", "expected a name after '.'", 8),
        ("${input[-1]}", "negative array indexes are not supported", 8),
        ("${input[x]}", "expected an array index or a quoted key", 8),
        ("${input[0}", "expected ']'", 9),
        ("${input['a}", "unterminated string", 8),
        ("${input['a\\q']}", "unknown escape", 10),
        ("${input['\\u12']}", "invalid \\u escape", 9),
        ("${input.a b}", "unexpected 'b' in a reference", 10),
        ("${input.a + 1}", "unexpected '+' in a reference", 10),
        ("${input.__class__}", "names starting with '__' are not allowed", 8),
        ("${input['__class__']}", "names starting with '__' are not allowed", 8),
        ("${input[99999999999999999999]}", "array index too large", 8),
        ("${${input.a}}", "expected a reference", 2),
        ("${1}", "expected a reference", 2),
    ],
)
def test_template_syntax_errors(template: str, message: str, position: int) -> None:
    error = raised(ExpressionError, compile_template, {"outer": [template]})
    assert message in error.message
    assert error.text == template
    assert error.position == position
    assert f"at position {position}" in str(error)


def test_expression_error_str_names_text_and_position() -> None:
    error = ExpressionError("unexpected token ')'", "a == (1 ))", 9)
    assert str(error) == "unexpected token ')' at position 9 in \"a == (1 ))\""
    assert isinstance(error, ValueError)


def test_long_text_is_shown_as_excerpt() -> None:
    template = "x" * 5000 + " ${nope.a} " + "y" * 5000
    error = raised(ExpressionError, compile_template, template)
    assert len(str(error)) < 400
    assert "nope" in str(error)
    assert error.position == 5003


# ----------------------------------------------------------------------------------- properties


segments = st.lists(
    st.text(min_size=0, max_size=6).filter(lambda s: not s.startswith("__"))
    | st.integers(min_value=0, max_value=10**6),
    min_size=1,
    max_size=5,
)


@given(st.sampled_from(["input", "workflow", "execution", "env"]), segments)
def test_normalised_reference_text_round_trips(root: str, path: list[str | int]) -> None:
    text = root + "".join(f"[{s}]" if isinstance(s, int) else f"[{json.dumps(s)}]" for s in path)
    ref = parse_reference(text)
    assert ref.root == root
    assert ref.path == tuple(path)
    assert parse_reference(ref.text) == ref
    assert compile_template("${" + ref.text + "}").references == (ref,)
