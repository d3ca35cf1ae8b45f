"""Event files, broken at random, load or fail with one ``InputError`` naming the file; never
with any other exception."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sidelines.formats.errors import InputError
from sidelines.formats.event_loader import dump_event, event_from_data, load_event
from tests.formats.mutations import mutated, pieces, refusal, with_one_value_replaced

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The smaller of the two example events, so that each example stays quick to build.
SEED = EXAMPLES / "apec-2016-lima.yaml"
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def seed_data() -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(dump_event(load_event(SEED)), default=str))
    return data


def loads_or_names_its_problem(text: str, suffix: str) -> bool:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"event{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        error = refusal(lambda: load_event(path))
        return error is None or str(error).startswith(f"{path}")


@FUZZ
@given(text=mutated(SEED.read_text(encoding="utf-8")))
@example(text="\x1fid: lima\n")  # a control character YAML forbids was a bare ReaderError
def test_a_broken_yaml_event_loads_or_names_its_problem(text: str) -> None:
    assert loads_or_names_its_problem(text, ".yaml")


def reading(path: Path, *, precise: bool) -> object:
    """The event read from ``path``, or the text of the ``InputError`` it is refused with."""
    try:
        return load_event(path, precise=precise)
    except InputError as error:
        return str(error)


def both_readings(text: str) -> tuple[object, object]:
    """What the fast and the precise reading of a YAML text give."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "event.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return reading(path, precise=False), reading(path, precise=True)


@FUZZ
@given(text=mutated(SEED.read_text(encoding="utf-8")))
def test_a_broken_yaml_event_reads_the_same_fast_and_precisely(text: str) -> None:
    fast, precise = both_readings(text)

    assert fast == precise


@FUZZ
@given(text=mutated(yaml.safe_dump(seed_data(), sort_keys=False, allow_unicode=True)))
@example(text="0\tid: lima\nname: Lima\n")  # libyaml read a key where the pure parser refused
def test_a_broken_block_yaml_event_reads_the_same_fast_and_precisely(text: str) -> None:
    # Block style, as programs write large events: the fast reading is the plain YAML reader's.
    fast, precise = both_readings(text)

    assert fast == precise


def test_a_character_yaml_forbids_is_named_with_its_file() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "event.yaml"
        path.write_text("\x1fid: lima\n", encoding="utf-8")
        error = refusal(lambda: load_event(path))
    assert str(error) == (
        f"{path}: YAML syntax error: unacceptable character #x001f: special characters are "
        "not allowed"
    )


@FUZZ
@given(text=st.one_of(mutated(json.dumps(seed_data(), indent=1)), pieces))
def test_a_broken_json_event_loads_or_names_its_problem(text: str) -> None:
    assert loads_or_names_its_problem(text, ".json")


@FUZZ
@given(data=with_one_value_replaced(seed_data()))
def test_an_event_with_any_value_anywhere_builds_or_names_the_field(data: object) -> None:
    error = refusal(lambda: event_from_data(data, "event.json"))
    assert error is None or str(error).startswith("event.json"), str(error)
