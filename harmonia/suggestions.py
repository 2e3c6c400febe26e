"""The "did you mean" of every unknown name: most unknown names in workflow files are typos.

Its own module, with nothing but the standard library, so that the expression language (which
needs no pydantic) suggests a close root or field the way the loader and the models do.
"""

from __future__ import annotations

__all__ = ["suggest"]


def suggest(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    """A "did you mean" hint, or "" when nothing is close. (`difflib` is imported here: only
    a file with a problem needs it.)"""
    import difflib

    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else ""
