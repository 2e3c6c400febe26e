"""Harmonia: a durable workflow orchestration engine.

The package exports only its version. Its parts are imported by name (`harmonia.client`,
`harmonia.engine`, `harmonia.protocol`), so that using the client never loads the engine and
the CLI's start-up loads neither.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
