"""The shapes of Tekton's MCP v2 paths (`routes/tekton.py`), as pydantic models for the
OpenAPI document; the schemathesis test holds the real answers to them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

__all__ = [
    "McpCapabilities",
    "McpHealth",
    "McpProcess",
    "McpProcessAnswer",
    "McpToolList",
]


class _Answer(BaseModel):
    """An answer's shape, which the OpenAPI document shows: built on first use (`defer_build`)."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class McpProcess(BaseModel):
    """A tool call, as Tekton callers send it (`toolName` is accepted for `tool_name`)."""

    model_config = ConfigDict(extra="forbid")

    tool_name: str = Field(
        validation_alias=AliasChoices("tool_name", "toolName"),
        description="One of the names `GET /api/mcp/v2/tools` lists.",
    )
    arguments: dict[str, Any] = Field(default_factory=dict, description="The tool's arguments.")
    context: dict[str, Any] | None = Field(
        default=None, description="The caller's context (execution, task); not used."
    )


class McpProcessAnswer(_Answer):
    status: Literal["success", "error"]
    result: dict[str, Any] | None = Field(description="The tool's result (on success).")
    error: str | None = Field(description="Why the tool failed (on error).")


class McpParameter(BaseModel):
    type: str = Field(description="A Python type repr: `str`, `int`, `dict[str, Any]`, ...")
    required: bool
    default: Any = None
    description: str


class McpTool(_Answer):
    name: str
    description: str
    parameters: dict[str, McpParameter]
    tags: list[str]
    category: str


class McpToolList(_Answer):
    tools: list[McpTool]
    count: int


class McpCapability(_Answer):
    name: str
    description: str
    tools: list[str]


class McpCapabilities(_Answer):
    capabilities: list[McpCapability]
    count: int


class McpHealth(_Answer):
    status: Literal["healthy", "degraded"]
    component: Literal["harmonia"]
    version: str
    port: int
    tools: int
    mcp: str = Field(description="The path of the MCP server (streamable HTTP).")
