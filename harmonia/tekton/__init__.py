"""Harmonia as a citizen of a Tekton installation: where Hermes and the other components are,
and how they are called (their MCP v2 dialect). The protocol facts come from TEKTON.md (kept
beside the project), not from Tekton's own docs, which describe paths that are not served.

Imports nothing heavy: `harmonia run` of a workflow without remote components never needs it.
"""
