"""Durable state: crash-safe TinyDB databases and append-only journals."""

from harmonia.store.store import ExecutionLocked, Store

__all__ = ["ExecutionLocked", "Store"]
