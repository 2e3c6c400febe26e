"""Stored templates: imported, found by name or id, exported, and instantiated into workflows.

Templates are stored definitions (`harmonia.store.definitions`, `template: true`) whose
document is a template document; a template's name is unique, so that callers name the
template they mean (`harmonia templates instantiate greet`). Instantiating stores the new
workflow with its `origin`: which template (id, name, version, digest) and which values made
it. Every method does blocking file I/O: call them from a worker thread.
"""

from __future__ import annotations

from typing import Any

from harmonia.components.registry import ComponentRegistry
from harmonia.errors import NotFound
from harmonia.loader.templates import Template, digest_of, instantiate
from harmonia.model import TEMPLATE_KIND, TemplateSpec
from harmonia.store.definitions import WorkflowDefinitions

__all__ = ["Templates", "origin_of"]


class Templates:
    """The templates of one data folder, over its stored definitions."""

    def __init__(self, definitions: WorkflowDefinitions) -> None:
        self.definitions = definitions

    def list(self) -> list[dict[str, Any]]:
        """Every template's info row, newest first."""
        return self.definitions.list(template=True)

    def find(self, name_or_id: str) -> dict[str, Any]:
        """A template's info row: its id, else the template with that name."""
        rows = self.list()
        for row in rows:
            if row["id"] == name_or_id:
                return row
        for row in rows:
            if row["name"] == name_or_id:
                return row
        if any(r["id"] == name_or_id for r in self.definitions.list(template=False)):
            raise NotFound(f"workflow {name_or_id!r} is not a template")
        raise NotFound(f"no template {name_or_id!r}")

    def get(self, name_or_id: str) -> dict[str, Any]:
        """A template's info row with its `document`."""
        return self.definitions.get(self.find(name_or_id)["id"])

    def add(self, template: Template, *, replace: bool = False) -> dict[str, Any]:
        """Store a checked template; with `replace`, one of the same name is replaced in
        place (same id), else a name already taken is refused (`InvalidOperation`)."""
        if replace:
            try:
                known = self.find(template.spec.name)
            except NotFound:
                pass
            else:
                return self.definitions.replace(known["id"], template.document, template=True)
        return self.definitions.add(template.document, template=True)

    def delete(self, name_or_id: str) -> None:
        self.definitions.delete(self.find(name_or_id)["id"])

    def instantiate(
        self,
        name_or_id: str,
        values: dict[str, Any],
        registry: ComponentRegistry,
        *,
        name: str | None = None,
    ) -> dict[str, Any]:
        """Check the values, make the workflow and store it with its origin; returns the new
        workflow's info row. Nothing is written when anything is wrong."""
        stored = self.get(name_or_id)
        template = as_template(stored["document"])
        made = instantiate(template, values, registry=registry, name=name)
        origin = origin_of(stored["id"], template, made.parameters)
        return {
            **self.definitions.add(made.workflow.to_document(), origin=origin),
            "origin": origin,
        }


def as_template(document: dict[str, Any]) -> Template:
    """A stored template, checked when it was imported: rebuilt, not checked again. A
    template stored before templates had parameters (a plain workflow marked as one) is a
    template without parameters."""
    if document.get("kind") != TEMPLATE_KIND:
        meta: dict[str, Any] = {
            k: document[k] for k in ("name", "version", "description") if k in document
        }
        document = {"kind": TEMPLATE_KIND, **meta, "workflow": document}
    spec = TemplateSpec.model_validate(document)
    return Template(spec, document, digest_of(document))


def origin_of(template_id: str, template: Template, values: dict[str, Any]) -> dict[str, Any]:
    """What a workflow records about the template and the values that made it."""
    return {
        "template_id": template_id,
        "template_name": template.spec.name,
        "template_version": template.spec.version,
        "template_digest": template.digest,
        "parameters": values,
    }
