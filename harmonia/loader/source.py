"""Reading a workflow's text into a `Document`: the format is chosen here, by suffix for
files, else by content. The YAML parser is imported only when YAML is read, so validating or
running a JSON file never pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from harmonia.errors import Problem, ValidationFailed, reading_failure
from harmonia.loader.document import Document
from harmonia.loader.jsonsource import parse_json
from harmonia.loader.sharing import share_task_strings

__all__ = ["Format", "read_file", "read_text"]

Format = Literal["yaml", "json"]

_SUFFIX_FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def read_file(path: str | Path, *, share: bool = True) -> Document:
    """Parse a file: YAML for .yaml/.yml, JSON for .json, otherwise judged by content.

    A file that cannot be read is a problem like any other, so callers handle one exception.
    `share=False` for a check that keeps nothing (`harmonia validate`): see `read_text`.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # editors on Windows add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        problem = Problem(f"cannot read the file: {reading_failure(exc)}", file=source)
        raise ValidationFailed(problems=[problem]) from None
    return read_text(text, source, _SUFFIX_FORMATS.get(Path(path).suffix.lower()), share=share)


def read_text(text: str, source: str, fmt: Format | None, *, share: bool = True) -> Document:
    """Parse YAML or JSON text; `fmt=None` judges by content.

    Text starting with `{` or `[` is read as JSON, or as YAML if it is not valid JSON (flow
    style); anything else is YAML. The data is fresh: unless `share` is False, its repeated
    task ids and names are made one object each (`sharing`), which saves memory for as long as
    the workflow is kept but costs ~12% of checking a 10,000-task file that is not kept.
    """
    document = _parse(text, source, fmt)
    if share and not document.fatal:
        share_task_strings(document.data)
    return document


def _parse(text: str, source: str, fmt: Format | None) -> Document:
    if fmt == "json":
        return parse_json(text, source)
    if fmt is None and text.lstrip().startswith(("{", "[")):
        parsed = parse_json(text, source)
        if not parsed.fatal:
            return parsed
        # YAML flow style (`{name: w, tasks: ...}`) also starts with a brace
        as_yaml = _parse_yaml(text, source)
        return parsed if as_yaml.fatal else as_yaml
    return _parse_yaml(text, source)


def _parse_yaml(text: str, source: str) -> Document:
    from harmonia.loader.yamlsource import parse_yaml

    return parse_yaml(text, source)
