""".dzn instances, broken at random, parse or fail with one ``InputError`` naming the file; never
with any other exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.formats.dzn import parse_dzn
from tests.formats.mutations import mutated, pieces, refusal
from tests.formats.test_dzn import GOOD

pytestmark = pytest.mark.slow

# Numbers are what a .dzn file is made of; a number changed anywhere tests the instance's rules.
numbers = st.integers(-3, 12).map(str)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(mutated(GOOD), mutated(GOOD, max_edits=1), pieces), number=numbers)
def test_a_broken_dzn_parses_or_names_its_problem(text: str, number: str) -> None:
    for variant in (text, text.replace("2", number, 1)):
        error = refusal(lambda text=variant: parse_dzn(text, "small.dzn"))
        assert error is None or str(error).startswith("small.dzn"), str(error)
