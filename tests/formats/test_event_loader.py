"""The fast way of reading an event file (libyaml, lines found only for an error, no garbage
collection) gives what the precise way gives: the same event, the same located errors."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
import yaml

from sidelines.formats import event_loader
from sidelines.formats.errors import InputError
from sidelines.formats.event_loader import dump_event, gc_paused, load_event
from sidelines.formats.plain_yaml import read_plain_yaml
from sidelines.scheduling.generator import GeneratorSpec, generate_event

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GENERATED = GeneratorSpec(
    principals=60, requests=300, spaces=20, space_classes=8, days=1, locked=1, precedences=2
)

# Anchors, a merge key and an explicit tag: not plain data, so the standard constructor reads it.
WITH_ANCHORS = """\
id: anchors
name: Anchors
timezone: Europe/Paris
days: [2030-06-03]
parties:
  - &usa {id: USA, name: United States}
  - {<<: *usa, id: RUS, name: !!str Russia}
principals:
  - {party: USA, name: A}
  - {party: RUS, name: B}
meetings:
  - principals: [USA, RUS]
    duration_min: !!int 30
    windows: &morning [{start: "09:00", end: "12:00"}]
    preferred: *morning
"""


def error_of(path: Path, *, precise: bool = False) -> InputError:
    with pytest.raises(InputError) as caught:
        load_event(path, precise=precise)
    return caught.value


def generated_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "generated.yaml"
    data = dump_event(generate_event(GENERATED, 1))
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["apec-2016-lima.yaml", "b2b-forum.yaml"])
def test_fast_and_precise_readers_give_the_same_event_for_the_examples(name: str) -> None:
    fast = load_event(EXAMPLES / name)

    assert fast == load_event(EXAMPLES / name, precise=True)


def test_fast_and_precise_readers_give_the_same_generated_event(tmp_path: Path) -> None:
    path = generated_yaml(tmp_path)
    as_json = tmp_path / "generated.json"
    as_json.write_text(json.dumps(dump_event(generate_event(GENERATED, 1))), encoding="utf-8")

    fast = load_event(path)

    assert fast == load_event(path, precise=True)
    assert fast == load_event(as_json)
    assert fast == generate_event(GENERATED, 1)


def test_anchors_merge_keys_and_tags_read_the_same_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(WITH_ANCHORS, encoding="utf-8")

    fast = load_event(path)

    assert fast == load_event(path, precise=True)
    assert [party.kind for party in fast.parties] == [fast.parties[0].kind] * 2
    assert fast.meetings[0].duration_min == 30
    assert fast.meetings[0].preferred == fast.meetings[0].windows


def test_an_error_deep_in_a_large_file_keeps_its_line_and_path(tmp_path: Path) -> None:
    path = generated_yaml(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("meetings:\n")
    # The first principal of the 200th meeting: two lines below its "- id:" line.
    at = [i for i, line in enumerate(lines) if i > start and line.startswith("- id:")][199] + 2
    lines[at] = "  - NOBODY\n"
    path.write_text("".join(lines), encoding="utf-8")

    fast, precise = error_of(path), error_of(path, precise=True)

    assert (fast.line, fast.path, fast.message) == (
        at + 1,
        "meetings[199].principals[0]",
        "unknown principal or party 'NOBODY'",
    )
    assert str(fast) == str(precise)


@pytest.mark.parametrize(
    ("line", "path", "message"),
    [
        ("  size: big\n", "meetings[299].size", "input should be a valid integer"),
        ("  sizes: 3\n", "meetings[299].sizes", "unknown field; did you mean 'size'?"),
    ],
    ids=["wrong-type", "unknown-field"],
)
def test_a_bad_field_deep_in_a_large_plain_file_names_its_line(
    tmp_path: Path, line: str, path: str, message: str
) -> None:
    written = generated_yaml(tmp_path)
    lines = written.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("meetings:\n")
    # Just below the "- id:" line of the last meeting.
    at = [i for i, text in enumerate(lines) if i > start and text.startswith("- id:")][299] + 1
    lines.insert(at, line)
    written.write_text("".join(lines), encoding="utf-8")
    assert read_plain_yaml("".join(lines), str, "") is not None  # read the fast way

    error = error_of(written)

    assert (error.line, error.path) == (at + 1, path)
    assert error.message.startswith(message)
    assert str(error) == str(error_of(written, precise=True))


def test_a_key_given_twice_deep_in_a_large_file_is_refused_at_its_line(tmp_path: Path) -> None:
    path = generated_yaml(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("meetings:\n") + 2  # "  principals:" of the first meeting
    lines.insert(at, "  title: Twice\n  title: Again\n")
    path.write_text("".join(lines), encoding="utf-8")

    fast = error_of(path)

    assert (fast.line, fast.path, fast.message) == (
        at + 2,
        "meetings[0].title",
        "field 'title' is given twice",
    )
    assert str(fast) == str(error_of(path, precise=True))


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nname: [unclosed\n",
        "id: x\nname: y\n  bad: indentation\n",
        "id: x\nname: \x07bell\n",
        "id: x\nname: y\n---\nid: second document\n",
        "id: !!python/name:os.system x\n",
    ],
    ids=["unclosed", "indentation", "control-character", "two-documents", "unsafe-tag"],
)
def test_a_file_libyaml_refuses_gets_the_precise_readers_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    fast = error_of(path)

    assert fast.message.startswith("YAML syntax error: ")
    assert str(fast) == str(error_of(path, precise=True))


@pytest.mark.parametrize("precise", [False, True], ids=["fast", "precise"])
def test_a_file_nested_too_deeply_is_refused_at_a_line_not_crashed_on(
    tmp_path: Path, precise: bool
) -> None:
    path = tmp_path / "deep.yaml"
    nested = "".join("  " * depth + "-\n" for depth in range(2000))
    path.write_text("id: x\nmeetings:\n" + nested, encoding="utf-8")

    error = error_of(path, precise=precise)

    assert (error.message, error.path) == ("YAML nested too deeply", "")
    # The line the reader had reached: somewhere in the nesting, as deep as the stack allowed.
    assert error.line in range(3, 2003)


def test_a_flow_collection_nested_too_deeply_is_refused_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("id: x\nname: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")

    assert str(error_of(path)) == f"{path}:2: YAML nested too deeply"


@pytest.mark.parametrize(
    "text",
    [
        "id: x\n1: a\n'1': b\n",
        "id: x\ntrue: a\nTrue: b\n",
        "id: x\n~: a\n",
        "id: x\nname: &self [*self]\n",
    ],
    ids=["number-and-text-key", "two-spellings-of-true", "null-key", "recursive-alias"],
)
def test_keys_that_are_not_text_give_the_same_error_both_ways(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(text, encoding="utf-8")

    assert str(error_of(path)) == str(error_of(path, precise=True))


def test_gc_paused_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def _schema_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every meeting read by the file's schema, none the plain way."""
    monkeypatch.setattr(event_loader, "_plain_meeting", lambda item: None)


def test_plain_meetings_read_as_the_schema_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = dump_event(generate_event(GENERATED, 1))
    data["meetings"][0] |= {"needs": ["press"], "after": [], "required": True, "title": "T"}
    data["meetings"][1] |= {"id": None, "needs_space": False, "size": 3, "day_part": "morning"}
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert event_loader._plain_meeting(data["meetings"][0]) is not None

    plain = load_event(path)
    _schema_only(monkeypatch)

    assert plain == load_event(path)


@pytest.mark.parametrize(
    "fields",
    [
        {"priority": "2"},  # the schema takes it
        {"priority": 2.0},
        {"required": 1},
        {"format": "B2B"},
        {"day_part": None},
        {"needs": ["wifi"]},
        {"principals": "P00001"},
        {"after": "M000001"},
        {"title": None},
        {"sizes": 3},
    ],
)
def test_a_meeting_that_is_not_plain_is_read_as_the_schema_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: dict[str, object]
) -> None:
    data = dump_event(generate_event(GENERATED, 1))
    data["meetings"][250] |= fields
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    def outcome() -> object:
        try:
            return load_event(path)
        except InputError as error:
            return (error.line, error.path, error.message)

    read = outcome()
    _schema_only(monkeypatch)

    assert read == outcome()


def test_an_error_elsewhere_in_a_file_of_plain_meetings_is_the_schemas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = dump_event(generate_event(GENERATED, 1))
    data["principals"][5]["rank"] = "emperor"
    data["colour"] = "blue"
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    error = error_of(path)
    _schema_only(monkeypatch)

    assert str(error) == str(error_of(path))
    assert error.path == "principals[5].rank"


@pytest.mark.parametrize("priority", [0, -1])
def test_a_priority_below_one_is_an_error_that_says_where(tmp_path: Path, priority: int) -> None:
    # A priority of 0 was read as 1 without a word: the meeting weighed as a "nice to have"
    # the file did not ask for, where a priority of -1 was an error.
    data = dump_event(generate_event(GENERATED, 1))
    data["meetings"][3]["priority"] = priority
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    error = error_of(path)

    assert error.path == "meetings[3].priority"
    assert error.message == f"priority must be at least 1, got {priority}"
