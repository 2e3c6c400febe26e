"""The start form: declared inputs read and checked as the daemon does, its problems per field."""

from __future__ import annotations

from harmonia_tui.inputs import check_value, declared_inputs, problems_by_field, read_form

SPECS = {
    "input": {
        "rows": {"type": "integer", "default": 12, "minimum": 1},
        "region": {"type": "string", "enum": ["north", "south"]},
        "flags": {"type": "array", "default": [], "max_length": 2},
        "ratio": {"type": "number", "default": 0.5, "maximum": 1},
    }
}


def test_the_form_checks_inputs_as_the_daemon_does() -> None:
    fields = declared_inputs(SPECS)
    assert [f.name for f in fields] == ["rows", "region", "flags", "ratio"]
    assert [f.initial_text() for f in fields] == ["12", "", "[]", "0.5"]
    bad = read_form(fields, {"rows": "0", "region": "", "flags": "[1,2,3]", "ratio": "abc"})
    assert bad.problems == {
        "rows": ["0 is less than the minimum 1"],
        "region": ["missing required input"],
        "flags": ["has 3 items, more than max_length 2"],
        "ratio": ['expected number, got text "abc"'],
    }
    good = read_form(fields, {"rows": "3", "region": "south", "flags": "", "ratio": "1"})
    assert good.ok and good.values == {"rows": 3, "region": "south", "ratio": 1}
    assert check_value({"type": "string", "enum": ["a"]}, "b") == ["'b' is not one of: 'a'"]
    assert check_value({"type": "integer"}, True) == ["expected integer, got boolean true"]


def test_the_daemons_problems_land_on_their_fields() -> None:
    per_field, other = problems_by_field(
        [
            {"message": "missing required input", "field": "input.region"},
            {"message": "unknown input 'x'", "field": "input.x"},
            {"msg": "bad", "loc": ["body", "input"]},
        ]
    )
    assert per_field == {"region": ["missing required input"], "x": ["unknown input 'x'"]}
    assert other == ["body.input: bad"]
