"""Hypothesis strategies that break a good file in the ways files break: a cut, a stray
character, a line dropped or doubled, text from elsewhere pasted in, a value swapped for another
of any type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from sidelines.formats.errors import InputError

# Characters that mean something to YAML, JSON, CSV or MiniZinc data, and some that mean nothing.
SIGNIFICANT = ":-[]{}|,;%=\"'#&*!>\n\t\\ 0123456789.eE+"
pieces = st.text(alphabet=st.sampled_from(SIGNIFICANT), max_size=12) | st.text(max_size=12)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn, text: str, max_edits: int = 4) -> str:
    """``text`` after a few random edits."""
    for _ in range(draw(st.integers(1, max_edits))):
        lines = text.splitlines(keepends=True) or [""]
        where = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["cut", "insert", "replace", "drop line", "double line"]))
        if edit == "cut":
            text = text[:where] + text[where + draw(st.integers(1, 200)) :]
        elif edit == "insert":
            text = text[:where] + draw(pieces) + text[where:]
        elif edit == "replace":
            text = text[:where] + draw(pieces) + text[where + 1 :]
        else:
            at = draw(st.integers(0, len(lines) - 1))
            lines[at : at + 1] = [] if edit == "drop line" else [lines[at], lines[at]]
            text = "".join(lines)
    return text


@st.composite
def with_one_value_replaced(draw: st.DrawFn, data: Any) -> Any:
    """``data`` (parsed JSON) with one value somewhere in it replaced by any JSON value."""
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        return {**data, key: draw(with_one_value_replaced(data[key]))}
    if isinstance(data, list) and data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        return [*data[:index], draw(with_one_value_replaced(data[index])), *data[index + 1 :]]
    return draw(json_values)


def refusal(read: Callable[[], object]) -> InputError | None:
    """The ``InputError`` that ``read`` refused with, or ``None`` if it read; any other
    exception goes through, to fail the test."""
    try:
        read()
    except InputError as error:
        return error
    return None
