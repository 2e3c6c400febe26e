"""The request and answer models of `/api/v1/templates` (`routes.templates`), beside the
rest of the API's in `schemas`: templates, their parameters, and the workflows they make."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmoniad.schemas import Time, WorkflowInfo, WorkflowOrigin, _Answer, _Paged, _Request

__all__ = [
    "InstantiatedWorkflow",
    "TemplateDetail",
    "TemplateInfo",
    "TemplateInstantiate",
    "TemplateList",
    "TemplateWriteQuery",
]


class TemplateInfo(_Answer):
    id: str
    name: str = Field(description="Unique among templates: instantiate it by this name.")
    version: str
    description: str | None
    task_count: int = Field(ge=0, description="Tasks of its workflow body.")
    created_at: Time
    updated_at: Time


class TemplateDetail(TemplateInfo):
    parameters: dict[str, dict[str, Any]] = Field(
        description="The declared parameters by name: type, default (absent: required), "
        "enum, minimum, maximum, min_length, max_length, pattern, description."
    )
    document: dict[str, Any] = Field(description="The template document as stored.")


class TemplateList(_Paged[TemplateInfo]):
    pass


class TemplateWriteQuery(_Request):
    replace: bool = Field(
        default=False,
        description="Replace the template of the same name (same id) instead of refusing it.",
    )


class TemplateInstantiate(_Request):
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="The parameters' values by name; a parameter left out takes its default.",
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the new workflow (default: the name the template's body gives).",
    )


class InstantiatedWorkflow(WorkflowInfo):
    origin: WorkflowOrigin
