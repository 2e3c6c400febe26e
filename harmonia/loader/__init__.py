"""Read a workflow file and check everything about it before anything runs.

Every problem is reported together, each with the file, the line (for YAML, and for JSON when it
is also readable as YAML), the task and the dotted field path (`input.args[0]`); problems about
a whole list of names (`depends_on`, `retry_policy.retry_on`) name the list and point at the
item's line. One module per job: `source` (text to data; lines only when a problem needs them),
`problems` (pydantic's errors in authors' words), `checks` and `references` (across fields and
tasks), `load` (the order they run in); `templates` and `substitution` (templates and their
parameters).
"""

from harmonia.loader.load import load_workflow_dict, load_workflow_file, load_workflow_text
from harmonia.loader.shape import MAX_VALUES
from harmonia.loader.source import Format
from harmonia.loader.templates import (
    Instance,
    Template,
    instantiate,
    is_template,
    load_definition_file,
    load_template_dict,
    load_template_file,
    load_template_text,
)
from harmonia.model import load_stored_workflow

__all__ = [
    "MAX_VALUES",
    "Format",
    "Instance",
    "Template",
    "instantiate",
    "is_template",
    "load_definition_file",
    "load_stored_workflow",
    "load_template_dict",
    "load_template_file",
    "load_template_text",
    "load_workflow_dict",
    "load_workflow_file",
    "load_workflow_text",
]
