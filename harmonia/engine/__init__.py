"""The engine: runs executions of workflows durably (see `Engine`)."""

from harmonia.engine.engine import Engine, open_engine

__all__ = ["Engine", "open_engine"]
