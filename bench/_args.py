"""The command line most benchmarks start with: their numbers, each a `--NAME` option."""

from __future__ import annotations

import argparse


def bench_parser(doc: str | None, **numbers: float) -> argparse.ArgumentParser:
    """A parser described by the first line of `doc`, with `--NAME N` for each number, typed
    as its default is (`_` in a name is `-` in the option). A benchmark adds the options
    that need more words after."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    for name, default in numbers.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(default), default=default)
    return parser
