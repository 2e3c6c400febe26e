"""Harmonia: a durable workflow orchestration engine."""

__version__ = "0.1.0"
