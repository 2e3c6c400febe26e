"""JSON answers rendered with orjson (fast, and handles what the engine's documents hold)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["JSONResponse", "NoContent"]


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class NoContent(Response):
    """204: no body and no content type."""

    def __init__(self) -> None:
        super().__init__(status_code=204)
