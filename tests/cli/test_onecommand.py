"""`harmonia CMD ...` builds only CMD's parser: the same parser as in the whole one, alone."""

from __future__ import annotations

import argparse

import pytest

from harmonia.cli.main import build_parser
from harmonia.cli.onecommand import OneCommand


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, OneCommand)]
    return dict(sub.choices)


WHOLE = build_parser([])
BUILT_IN = sorted(_commands(build_parser(["--version"])))


def test_every_command_is_built_in_or_comes_from_a_plugin() -> None:
    assert {"run", "resume", "retry", "show", "submit", "workflows", "schema"} <= set(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_named_command_gets_its_own_parser_alone(name: str) -> None:
    parser = build_parser([name])
    commands = _commands(parser)
    assert list(commands) == [name]
    assert commands[name].format_help() == _commands(WHOLE)[name].format_help()
    assert parser.format_usage() == WHOLE.format_usage()


def test_the_parsed_arguments_are_those_of_the_whole_parser() -> None:
    argv = ["resume", "abc", "--json", "--quiet", "--data-dir", "/tmp/d"]
    one, whole = vars(build_parser(argv).parse_args(argv)), vars(WHOLE.parse_args(argv))
    assert {k: v for k, v in one.items() if k != "handler"} == {
        k: v for k, v in whole.items() if k != "handler"
    }
    assert type(one["handler"]) is type(whole["handler"])


def test_a_name_that_is_not_built_in_gets_the_whole_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser(["resum", "x"])
    assert set(BUILT_IN) <= set(_commands(parser))
    with pytest.raises(SystemExit):
        parser.parse_args(["resum", "x"])
    assert "invalid choice: 'resum'" in capsys.readouterr().err
