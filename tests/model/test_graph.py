"""Cycle finding with the shortcut for graphs in file order (each task depends only on tasks
before it): the shortcut must never hide a cycle, nor report one in a graph that merely
points forward."""

from __future__ import annotations

from harmonia.model import find_cycles


def test_a_graph_in_file_order_has_no_cycle() -> None:
    assert find_cycles({"a": [], "b": ["a"], "c": ["a", "b"]}) == []


def test_forward_dependencies_without_a_cycle_have_none() -> None:
    assert find_cycles({"c": ["b"], "b": ["a"], "a": []}) == []


def test_a_cycle_closed_by_one_forward_edge_is_found() -> None:
    assert find_cycles({"a": ["c"], "b": ["a"], "c": ["b"]}) == [["a", "c", "b", "a"]]


def test_a_self_dependency_is_a_cycle() -> None:
    assert find_cycles({"a": [], "b": ["b"]}) == [["b", "b"]]


def test_unknown_dependencies_neither_make_nor_hide_cycles() -> None:
    assert find_cycles({"a": ["nowhere"], "b": ["a", "elsewhere"]}) == []
    assert find_cycles({"a": ["nowhere", "b"], "b": ["a"]}) == [["a", "b", "a"]]
