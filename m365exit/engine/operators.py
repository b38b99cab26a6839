"""The one table of condition operators. Conditions, the loader's type checks, the JSON Schema and the
catalogue page all read this table; nothing else defines an operator.

A leaf of a condition reads one fact (optionally divided by another, ``over``) and applies exactly one
operator to it. Numbers are compared as numbers, booleans and text only for (in)equality and membership.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

FactValue = int | float | bool | str
Kind = Literal["number", "bool", "text"]
Shape = Literal["scalar", "list", "range"]


@dataclass(frozen=True)
class Operator:
    name: str
    symbol: str
    shape: Shape
    kinds: frozenset[Kind]
    doc: str
    test: Callable[[FactValue, object], bool]


def _num(value: object) -> float:
    assert isinstance(value, int | float) and not isinstance(value, bool)
    return float(value)


def _seq(value: object) -> Sequence[object]:
    assert isinstance(value, list | tuple)
    return value


def _eq(left: FactValue, right: object) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, str) or isinstance(right, str):
        return left == right
    return _num(left) == _num(right)


_ALL_KINDS: frozenset[Kind] = frozenset({"number", "bool", "text"})
_NUMBER: frozenset[Kind] = frozenset({"number"})

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", "=", "scalar", _ALL_KINDS, "equals the value", _eq),
        Operator("ne", "≠", "scalar", _ALL_KINDS, "differs from the value", lambda a, b: not _eq(a, b)),
        Operator("gt", ">", "scalar", _NUMBER, "is greater than the value", lambda a, b: _num(a) > _num(b)),
        Operator(
            "ge",
            "≥",
            "scalar",
            _NUMBER,
            "is greater than or equal to the value",
            lambda a, b: _num(a) >= _num(b),
        ),
        Operator("lt", "<", "scalar", _NUMBER, "is less than the value", lambda a, b: _num(a) < _num(b)),
        Operator(
            "le",
            "≤",
            "scalar",
            _NUMBER,
            "is less than or equal to the value",
            lambda a, b: _num(a) <= _num(b),
        ),
        Operator(
            "in",
            "∈",
            "list",
            frozenset({"number", "text"}),
            "is one of the listed values",
            lambda a, b: any(_eq(a, item) for item in _seq(b)),
        ),
        Operator(
            "not_in",
            "∉",
            "list",
            frozenset({"number", "text"}),
            "is none of the listed values",
            lambda a, b: not any(_eq(a, item) for item in _seq(b)),
        ),
        Operator(
            "between",
            "∈ [a, b]",
            "range",
            _NUMBER,
            "lies within [low, high], bounds included",
            lambda a, b: _num(_seq(b)[0]) <= _num(a) <= _num(_seq(b)[1]),
        ),
    )
}


def kind_of(value: object) -> Kind | None:
    """The kind of a fact value, or None for anything a fact cannot hold (None, NaN, lists...)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return None if value != value or value in (float("inf"), float("-inf")) else "number"
    if isinstance(value, str):
        return "text"
    return None
