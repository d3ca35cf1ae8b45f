"""History files (CSV and JSON), broken at random, read or fail with one ``InputError`` naming
the file; never with any other exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.formats.history_file import read_history
from tests.formats.mutations import mutated, pieces, refusal, with_one_value_replaced
from tests.formats.test_history_file import GOOD_JSON

pytestmark = pytest.mark.slow

GOOD_CSV = (Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv").read_text(
    encoding="utf-8"
)


def read_or_refuse(text: str, file: str) -> None:
    error = refusal(lambda: read_history(text, file))
    assert error is None or str(error).startswith(file), str(error)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(mutated(GOOD_CSV), pieces))
def test_a_broken_csv_history_reads_or_names_its_problem(text: str) -> None:
    read_or_refuse(text, "history.csv")


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(mutated(GOOD_JSON), pieces))
def test_a_broken_json_history_reads_or_names_its_problem(text: str) -> None:
    read_or_refuse(text, "history.json")


@settings(max_examples=100, deadline=None)
@given(data=with_one_value_replaced(json.loads(GOOD_JSON)))
def test_a_json_history_with_any_value_anywhere_reads_or_names_the_field(data: object) -> None:
    read_or_refuse(json.dumps(data), "history.json")
