"""YAML text into data, with libyaml where PyYAML was built with it, and lines only when asked.

The text is composed into a node tree once (libyaml's parser, or PyYAML's own as a fallback)
and the data is built from that tree by one pass here, which also counts values and notices
big integers, aliases and duplicate keys. PyYAML's own constructor and resolver cost three
times as much for the same result. The tree is kept: the line of a key is looked up in it only
when a problem is reported, so lines always refer to the data that was validated.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from harmonia.errors import Problem
from harmonia.jsonlimits import HugeInteger, is_big_integer
from harmonia.loader.document import Document, KeyPath, LineIndex, split_path
from harmonia.loader.shape import MAX_VALUES, TOO_DEEP, too_many_values

__all__ = ["PureSafeLoader", "SafeLoader", "parse_yaml", "syntax_problem", "yaml_lines"]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
#: Scalar tags whose safe constructor is a plain function (the others may be generators).
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "binary", "timestamp")
)

# The safe resolver's patterns by first character, each with the ones for any character.
_Patterns = tuple[tuple[str, re.Pattern[str]], ...]
_ANY_FIRST: _Patterns = tuple(Resolver.yaml_implicit_resolvers.get(None, ()))
_BY_FIRST: dict[str, _Patterns] = {
    first: (*resolvers, *_ANY_FIRST)
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    if first is not None
}


_PLAIN_TAGS: dict[str, str] = {}
"""The tag of each plain scalar text met so far: a workflow repeats its keys, component names
and task ids many times, and a dict look-up costs a tenth of trying the patterns again."""
_PLAIN_TAGS_MOST = 100_000


def _plain_tag(value: str) -> str:
    """The safe resolver's answer (first character, then its patterns), remembered."""
    tag = _STR
    for candidate, pattern in _BY_FIRST.get(value[:1], _ANY_FIRST):
        if pattern.match(value):
            tag = candidate
            break
    if len(_PLAIN_TAGS) >= _PLAIN_TAGS_MOST:
        _PLAIN_TAGS.clear()
    _PLAIN_TAGS[value] = tag
    return tag


def _construct_int(loader: yaml.SafeLoader | yaml.CSafeLoader, node: ScalarNode) -> Any:
    """An integer too long for Python becomes a `HugeInteger` to report (with its line), not
    a ValueError out of the parser."""
    try:
        return SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        return HugeInteger(str(node.value))


class _Fast:
    """What both safe loaders share: scalars are resolved without the path resolvers the
    safe loader never uses, which is half the cost of composing."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """The safe resolver's answer, without the path resolvers and looked up once per text."""
        if kind is ScalarNode:
            if implicit[0]:
                found = _PLAIN_TAGS.get(value)
                if found is None:
                    found = _plain_tag(value)
                return found
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None  # no path resolvers: nothing to track

    def ascend_resolver(self) -> None:
        return None


class PureSafeLoader(_Fast, yaml.SafeLoader):
    """PyYAML's own safe loader, in pure Python: the fallback where libyaml is absent."""


PureSafeLoader.add_constructor(_INT, _construct_int)

SafeLoader: type[yaml.SafeLoader] = PureSafeLoader
if yaml.__with_libyaml__:

    class _CSafeLoader(_Fast, yaml.CSafeLoader):
        """libyaml's parser with the safe constructors: ten times the pure parser's speed."""

    _CSafeLoader.add_constructor(_INT, _construct_int)
    SafeLoader = _CSafeLoader  # type: ignore[assignment]


def parse_yaml(text: str, source: str, loader: type[yaml.SafeLoader] | None = None) -> Document:
    """Parse one YAML document; lines and duplicate keys come from the node tree it keeps."""
    parsed = Document(source=source)
    builder: _Builder | None = None
    node: Node | None = None
    try:
        reader = (loader or SafeLoader)(text)
        try:
            node = reader.get_single_node()
        finally:
            reader.dispose()
        if node is not None:
            builder = _Builder(reader)
            parsed.data = builder.build(node)
    except (yaml.YAMLError, RecursionError) as exc:
        error: BaseException = exc
        if node is not None and builder is not None:
            # the duplicate keys the walk for lines finds are reported too, and so is the
            # first key it cannot read: the error of the earliest place in the file
            index = _Index(_Builder(type(reader)("")), parsed)  # a loader the error left clean
            index.walk(node)
            error = index.error or exc
        parsed.problems.append(
            syntax_problem(error, source, text)
            if isinstance(error, yaml.YAMLError)
            else Problem(TOO_DEEP, file=source)
        )
        parsed.fatal = True
        return parsed
    if node is None or builder is None:
        return parsed
    root, built = node, builder
    if builder.duplicates:  # the walk for lines reports each duplicate key where it is
        lines = _Index(builder, parsed, parsed.key_texts).walk(root)
        parsed.index_lines = lambda: lines
    else:
        parsed.index_lines = lambda: _Index(built, None, parsed.key_texts).walk(root)
    if not builder.shared:
        shape = too_many_values() if builder.values > MAX_VALUES else None
        parsed.shape = (shape, builder.big)
    return parsed


def syntax_problem(exc: yaml.YAMLError, source: str, text: str) -> Problem:
    """A syntax error at its line; one the parser met only at the end of the text (a bracket
    never closed) at the line of what was left open, since the end is no line to fix."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = ": ".join(str(p) for p in (exc.context, exc.problem) if p)
        lines = len(text.splitlines())
        line = mark.line + 1 if mark is not None else None
        if line is not None and line > lines:
            context = exc.context_mark
            line = min(context.line + 1 if context is not None else line, max(lines, 1))
            message += " before the end of the file"
        return Problem(f"YAML syntax error: {message or exc}", file=source, line=line)
    return Problem(f"YAML syntax error: {exc}", file=source)  # characters YAML does not allow


def yaml_lines(text: str) -> LineIndex:
    """The line of every key and item of `text` composed as YAML; empty if it cannot be."""
    try:
        reader = SafeLoader(text)
        try:
            node = reader.get_single_node()
        finally:
            reader.dispose()
        return _Index(_Builder(reader), None).walk(node) if node is not None else {}
    except (yaml.YAMLError, RecursionError):
        return {}


class _Builder:
    """Builds the data of a node tree as the safe constructor would, in one pass.

    `values` counts every value (as the shape check does) unless `shared` says that a node is
    used twice (an alias, a merge) or was built by PyYAML: the data must then be walked.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.built: dict[int, Any] = {}
        self.values = 0
        self.shared = False
        self.big = False
        self.duplicates = False

    def build(self, node: Node) -> Any:
        kind = type(node)
        if kind is ScalarNode:
            self.values += 1
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag in _SCALAR_TAGS:
                value = self.constructors[tag](self.loader, node)
                if not self.big and is_big_integer(value):
                    self.big = True
                return value
            return self._by_pyyaml(node)
        built = self.built.get(id(node), self)
        if built is not self:
            self.shared = True
            return built
        self.values += 1
        if kind is MappingNode and node.tag == _MAP:
            return self._mapping(node)
        if kind is SequenceNode and node.tag == _SEQ:
            items: list[Any] = []
            self.built[id(node)] = items
            build = self.build
            for item in node.value:
                items.append(build(item))
            return items
        return self._by_pyyaml(node)

    def _by_pyyaml(self, node: Node) -> Any:
        """Other tags (sets, ordered maps, unknown ones to refuse) as PyYAML builds them."""
        self.shared = True
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        self.built[id(node)] = result
        build = self.build
        for key_node, value_node in node.value:
            if key_node.tag == _STR and type(key_node) is ScalarNode:
                key = key_node.value
            elif key_node.tag == _MERGE:
                result.clear()
                self._merged(node, result)
                break
            else:
                key = self.key(key_node, node)
            if key in result:
                self.duplicates = True
            result[key] = build(value_node)
        return result

    def _merged(self, node: MappingNode, result: dict[Any, Any]) -> None:
        """A mapping with `<<` keys: merged pairs first, its own after them (they win)."""
        self.shared = True
        for key_node, value_node in _merged_pairs(node):
            result[self.key(key_node, node)] = self.build(value_node)
        own: set[Any] = set()
        for key_node, value_node in _own_pairs(node):
            key = self.key(key_node, node)
            if key in own:
                self.duplicates = True
            own.add(key)
            result[key] = self.build(value_node)

    def key(self, key_node: Node, mapping: MappingNode) -> Hashable:
        """A mapping key as the safe constructor reads it; unhashable ones are refused."""
        if type(key_node) is ScalarNode and key_node.tag == _STR:
            return str(key_node.value)
        values = self.values
        key = self.build(key_node)
        self.values = values  # keys are not values
        if not isinstance(key, Hashable):
            raise ConstructorError(
                "while constructing a mapping",
                mapping.start_mark,
                "found unhashable key",
                key_node.start_mark,
            )
        return key


def _own_pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    return [(k, v) for k, v in node.value if k.tag != _MERGE]


def _merged_pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """The pairs `<<` keys bring in, in the order PyYAML's `flatten_mapping` gives them, but
    without changing the node tree (its lines must stay those of the text)."""
    merged: list[tuple[Node, Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE:
            continue
        if isinstance(value_node, MappingNode):
            merged.extend(_merged_pairs(value_node) + _own_pairs(value_node))
        elif isinstance(value_node, SequenceNode):
            parts: list[list[tuple[Node, Node]]] = []
            for sub in value_node.value:
                if not isinstance(sub, MappingNode):
                    raise ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"expected a mapping for merging, but found {sub.id}",
                        sub.start_mark,
                    )
                parts.append(_merged_pairs(sub) + _own_pairs(sub))
            for part in reversed(parts):
                merged.extend(part)
        else:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"expected a mapping or list of mappings for merging, but found {value_node.id}",
                value_node.start_mark,
            )
    return merged


class _Index:
    """The line of every key and list item; with a document, its duplicate keys as problems.

    A node reached again through an alias is not walked twice: its lines are those of its
    anchor, and skipping it keeps nested aliases from costing exponential time.
    """

    def __init__(
        self, builder: _Builder, document: Document | None, texts: dict[KeyPath, str] | None = None
    ) -> None:
        self.builder = builder
        self.document = document
        self.texts = texts  # where to keep the text of keys YAML read as no string
        self.lines: LineIndex = {}
        self.seen: set[int] = set()
        self.error: yaml.YAMLError | RecursionError | None = None

    def walk(self, root: Node) -> LineIndex:
        try:
            self._walk(root, ())
        except (yaml.YAMLError, RecursionError) as exc:
            self.error = exc  # the build reports it: keep the lines found so far
        return self.lines

    def _walk(self, node: Node, path: KeyPath) -> None:
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            first_line: dict[Hashable, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                    continue  # merged keys keep their own lines; complex keys fail construction
                key = self.builder.key(key_node, node)
                line = key_node.start_mark.line + 1
                self.lines[(*path, key)] = line
                if self.texts is not None and not isinstance(key, str):
                    self.texts[(*path, key)] = str(key_node.value)
                if key not in first_line:
                    first_line[key] = line
                elif self.document is not None:
                    task, field = split_path((*path, key))
                    message = (
                        f"duplicate key '{key}' (first at line {first_line[key]}); "
                        "only the last value would be used"
                    )
                    source = self.document.source
                    self.document.problems.append(
                        Problem(message, file=source, line=line, task=task, field=field)
                    )
                self._walk(value_node, (*path, key))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self._walk(item, (*path, index))
