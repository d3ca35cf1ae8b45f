"""The event file format: loading, errors located by file/line/path, round trip, schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

from sidelines.domain import (
    InterpreterPool,
    MeetingDefaults,
    MeetingFormat,
    PressPlan,
    PrincipalId,
    SessionKind,
)
from sidelines.domain.terms import DEFAULT_REQUIRED_TERMS, Term
from sidelines.formats.errors import InputError
from sidelines.formats.event_loader import (
    dump_event,
    event_from_data,
    event_json_schema,
    load_event,
)
from sidelines.scheduling.problem import build_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SMALL = """\
id: lima-test
name: Lima test
timezone: America/Lima
days: [2016-11-19, 2016-11-20]
day_start: "08:00"
day_end: "20:00"
parties:
  - {id: USA, name: United States}
  - {id: RUS, name: Russia}
  - {id: NO, name: Norway}
principals:
  - {id: obama, party: USA, name: Barack Obama, rank: head_of_state}
  - {id: putin, party: RUS, name: Vladimir Putin, rank: head_of_state}
  - {party: NO, name: Erna Solberg}
delegations:
  - {party: USA, arrival: "2016-11-18 21:00", departure: "2016-11-20 19:30"}
programme:
  - {title: Retreat I, kind: retreat, day: 2016-11-20, start: "09:30", end: 11:45}
spaces:
  - {id: room-1, features: [interpretation], location: lcc}
meetings:
  - id: rus-usa
    principals: [RUS, USA]
    format: pull_aside
    duration_min: 10
    windows: [{day: 2016-11-20, start: "08:30", end: "09:30"}]
    topics: [Syria, Ukraine]
"""


def write(tmp_path: Path, text: str, name: str = "event.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_event(path)
    return caught.value


def replaced(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new)


# --- loading ---------------------------------------------------------------------------------


def test_load_event_converts_lima_local_times_to_utc(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, SMALL))

    retreat = event.programme[0]
    assert retreat.span.start == datetime(2016, 11, 20, 14, 30, tzinfo=UTC)
    assert retreat.span.end == datetime(2016, 11, 20, 16, 45, tzinfo=UTC)
    assert event.delegations[0].arrival == datetime(2016, 11, 19, 2, 0, tzinfo=UTC)
    assert event.meetings[0].windows[0].start == datetime(2016, 11, 20, 13, 30, tzinfo=UTC)


def test_load_event_applies_defaults_and_resolves_party_references(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, SMALL))

    assert event.meetings[0].principals == (PrincipalId("putin"), PrincipalId("obama"))
    assert event.principals[2].id == "NO"  # YAML 1.1 would have read NO as false
    assert event.programme[0].id == "retreat-i"
    assert event.programme[0].attendees == frozenset({"obama", "putin", "NO"})
    assert event.spaces[0].name == "room-1"
    assert event.grain_min == 5


def test_span_without_day_repeats_on_every_day(tmp_path: Path) -> None:
    text = replaced(
        "  - {party: NO, name: Erna Solberg}",
        '  - {party: NO, name: Erna Solberg, unavailable: [{start: "12:00", end: "13:00"}]}',
    )

    event = load_event(write(tmp_path, text))

    assert [span.start for span in event.principals[2].unavailable] == [
        datetime(2016, 11, 19, 17, 0, tzinfo=UTC),
        datetime(2016, 11, 20, 17, 0, tzinfo=UTC),
    ]


def test_yaml_and_json_of_the_same_event_are_equal(tmp_path: Path) -> None:
    from_yaml = load_event(write(tmp_path, SMALL))
    data = yaml.load(SMALL, Loader=yaml.BaseLoader)  # every scalar as text, as JSON would carry it
    data["principals"][2]["party"] = "NO"

    from_json = load_event(write(tmp_path, json.dumps(data, indent=2), "event.json"))

    assert from_json == from_yaml


def test_dump_event_round_trips_through_json_and_yaml(tmp_path: Path) -> None:
    event = load_event(EXAMPLES / "apec-2016-lima.yaml")
    data = dump_event(event)

    assert event_from_data(data) == event
    assert load_event(write(tmp_path, json.dumps(data), "dumped.json")) == event
    assert load_event(write(tmp_path, yaml.safe_dump(data, allow_unicode=True))) == event


def test_json_schema_validates_both_examples() -> None:
    schema = event_json_schema()
    for name in ("apec-2016-lima.yaml", "b2b-forum.yaml"):
        data = dump_event(load_event(EXAMPLES / name))
        jsonschema.Draft202012Validator(schema).validate(data)


TERMS = SMALL.replace(
    "spaces:\n",
    "policy: {press_buffer_min: 15}\ninterpreters:\n  - {languages: [ru, en], count: 2}\nspaces:\n",
).replace(
    "    topics: [Syria, Ukraine]\n",
    "    topics: [Syria, Ukraine]\n    spaces: [room-1]\n    press: pool_spray\n"
    "    own_interpreters: [RUS]\n",
)


def test_agreed_terms_and_the_interpreter_pool_load_and_round_trip(tmp_path: Path) -> None:
    event = load_event(write(tmp_path, TERMS))

    meeting = event.meetings[0]
    assert (meeting.spaces, meeting.press, meeting.own_interpreters) == (
        ("room-1",),
        PressPlan.POOL_SPRAY,
        ("RUS",),
    )
    assert event.interpreters == (InterpreterPool(("en", "ru"), 2),)
    assert event.policy.press_buffer_min == 15
    data = dump_event(event)
    assert event_from_data(data) == event
    jsonschema.Draft202012Validator(event_json_schema()).validate(data)


def test_an_agreed_place_that_is_no_space_is_located(tmp_path: Path) -> None:
    file = write(tmp_path, TERMS.replace("spaces: [room-1]", "spaces: [room-1, room-9]"))

    error = error_of(file)

    assert (error.line, error.path, error.message) == (
        31,
        "meetings[0].spaces[1]",
        "unknown space 'room-9'",
    )


def test_the_meeting_defaults_stay_with_the_event_without_its_meetings() -> None:
    # An event imported without its meetings still asks the fair's 20-minute B2B meetings of
    # the requests made later; the defaults must survive the event's own storage as a file.
    data = dump_event(load_event(EXAMPLES / "b2b-forum.yaml"))
    data["meetings"] = []

    event = event_from_data(data)

    assert event.meeting_defaults == MeetingDefaults(MeetingFormat.B2B, 30)
    assert dump_event(event)["meeting_defaults"] == {"format": "b2b", "duration_min": 30}


def test_json_schema_rejects_unknown_fields() -> None:
    data = dump_event(load_event(EXAMPLES / "b2b-forum.yaml"))
    data["meetings"][0]["colour"] = "red"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(event_json_schema()).validate(data)


# --- bad input: one error, with file, line and path --------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "message"),
    [
        pytest.param(
            "    format: pull_aside\n",
            "    format: pull_aside\n    colour: red\n",
            25,
            "meetings[0].colour",
            "unknown field (known fields: id, principals, format, duration_min, priority, "
            "required, windows, day_part, preferred, locked, after, needs_space, needs, size, "
            "host, title, topics, spaces, press, own_interpreters)",
            id="unknown-field",
        ),
        pytest.param(
            "    duration_min: 10\n",
            "    duraton_min: 10\n",
            25,
            "meetings[0].duraton_min",
            "unknown field; did you mean 'duration_min'?",
            id="misspelt-field",
        ),
        pytest.param(
            "    duration_min: 10\n",
            "    duration_min: ten\n",
            25,
            "meetings[0].duration_min",
            "input should be a valid integer, unable to parse string as an integer, got 'ten'",
            id="wrong-type",
        ),
        pytest.param(
            "    principals: [RUS, USA]\n",
            "    principals: [RUS, GBR]\n",
            23,
            "meetings[0].principals[1]",
            "unknown principal or party 'GBR'",
            id="unknown-principal",
        ),
        pytest.param(
            "  - {id: putin, party: RUS,",
            "  - {id: putin, party: RUSSIA,",
            13,
            "principals[1].party",
            "unknown party 'RUSSIA'",
            id="unknown-party",
        ),
        pytest.param(
            "    topics: [Syria, Ukraine]\n",
            "    topics: [Syria, Ukraine]\n"
            "    locked: {start: '2016-11-20 08:30', space: room-9}\n",
            28,
            "meetings[0].locked.space",
            "unknown space 'room-9'",
            id="unknown-space",
        ),
        pytest.param(
            "    topics: [Syria, Ukraine]\n",
            "    topics: [Syria, Ukraine]\n    after: [xyz]\n",
            28,
            "meetings[0].after[0]",
            "unknown meeting 'xyz'",
            id="unknown-meeting",
        ),
        pytest.param(
            "    duration_min: 10\n",
            "    duration_min: 12\n",
            25,
            "meetings[0].duration_min",
            "duration 12 min is not a whole number of the event's 5-minute steps",
            id="duration-off-grain",
        ),
        pytest.param(
            "    duration_min: 10\n",
            "    duration_min: 900\n",
            25,
            "meetings[0].duration_min",
            "duration 900 min does not fit in a day of the event (08:00 to 20:00)",
            id="duration-longer-than-a-day",
        ),
        pytest.param(
            "    format: pull_aside\n    duration_min: 10\n",
            "    format: bilateral_restricted\n",
            22,
            "meetings[0].duration_min",
            "duration 30 min is not a whole number of the event's 20-minute steps",
            id="default-duration-reported-at-the-meeting",
        ),
        pytest.param(
            "timezone: America/Lima",
            "timezone: America/Atlantis",
            3,
            "timezone",
            "unknown time zone 'America/Atlantis'; use an IANA name such as 'America/Lima' "
            "or 'Europe/Paris'",
            id="unknown-time-zone",
        ),
        pytest.param(
            "days: [2016-11-19, 2016-11-20]",
            "days: [2016-11-19, 2016-11-31]",
            4,
            "days[1]",
            "'2016-11-31' is not a valid date (day is out of range for month)",
            id="bad-date",
        ),
        pytest.param(
            'start: "09:30", end: 11:45}',
            'start: "9.30", end: 11:45}',
            18,
            "programme[0].start",
            "expected a time like '09:30', got '9.30'",
            id="bad-time",
        ),
        pytest.param(
            'arrival: "2016-11-18 21:00"',
            'arrival: "18/11/2016 21:00"',
            16,
            "delegations[0].arrival",
            "expected a local date time like '2016-11-19 09:30', got '18/11/2016 21:00'",
            id="bad-date-time",
        ),
        pytest.param(
            "  - {id: obama, party: USA, name: Barack Obama, rank: head_of_state}\n",
            "  - {id: obama, party: USA, rank: head_of_state}\n",
            12,
            "principals[0].name",
            "required field is missing",
            id="missing-field",
        ),
        pytest.param(
            'start: "08:30", end: "09:30"}',
            'start: "08:30", end: "08:00"}',
            26,
            "meetings[0].windows[0].end",
            "must be after the start (2016-11-20 08:30 to 2016-11-20 08:00)",
            id="span-ends-before-it-starts",
        ),
        pytest.param(
            '{day: 2016-11-20, start: "08:30"',
            '{day: 2016-11-22, start: "08:30"',
            26,
            "meetings[0].windows[0].day",
            "2016-11-22 is not one of the event's days",
            id="day-outside-the-event",
        ),
        pytest.param(
            "  - {party: NO, name: Erna Solberg}\n",
            "  - {party: NO, name: Erna Solberg}\n  - {id: putin2, party: RUS, name: Lavrov}\n",
            24,
            "meetings[0].principals[0]",
            "party 'RUS' has 2 principals (putin, putin2); name one of them",
            id="ambiguous-party-reference",
        ),
    ],
)
def test_bad_yaml_gives_one_located_error(
    tmp_path: Path, old: str, new: str, line: int, path: str, message: str
) -> None:
    text = replaced(old, new)
    if "20-minute" in message:
        text = text.replace('day_end: "20:00"', 'day_end: "20:00"\ngrain_min: 20')
        line += 1
    file = write(tmp_path, text)

    error = error_of(file)

    assert (error.file, error.line, error.path, error.message) == (str(file), line, path, message)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, replaced("  - {id: RUS, name: Russia}", "  - {id: RUS, name: Russia"))

    error = error_of(file)

    assert (error.line, error.path) == (10, "")
    assert error.message.startswith("YAML syntax error: ")


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, '{\n  "id": "x",\n  "name": "y"\n  "timezone": "UTC"\n}\n', "e.json")

    error = error_of(file)

    assert str(error) == f"{file}:4: JSON syntax error: Expecting ',' delimiter"


def test_json_errors_carry_the_line_of_the_field(tmp_path: Path) -> None:
    data = dump_event(load_event(write(tmp_path, SMALL)))
    data["meetings"][0]["principals"] = ["putin", "nobody"]
    text = json.dumps(data, indent=2)
    expected_line = next(
        number for number, line in enumerate(text.splitlines(), 1) if '"nobody"' in line
    )
    file = write(tmp_path, text, "e.json")

    error = error_of(file)

    assert str(error) == (
        f"{file}:{expected_line}: meetings[0].principals[1]: unknown principal or party 'nobody'"
    )


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    file = write(
        tmp_path, replaced("    format: pull_aside\n", "    format: pull_aside\n    format: b2b\n")
    )

    error = error_of(file)

    assert (error.line, error.path, error.message) == (
        25,
        "meetings[0].format",
        "field 'format' is given twice",
    )


def test_missing_file(tmp_path: Path) -> None:
    file = tmp_path / "nowhere.yaml"

    assert str(error_of(file)) == f"{file}: no such file"


def test_unreadable_encoding_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes(SMALL.replace("Erna Solberg", "Ærna Sølberg").encode("latin-1"))

    error = error_of(file)

    assert (error.line, error.message) == (
        14,
        "is not valid UTF-8 text (byte 0xc6); save it as UTF-8",
    )


def test_unknown_suffix(tmp_path: Path) -> None:
    file = write(tmp_path, SMALL, "event.toml")

    assert error_of(file).message == "unknown file type '.toml'; use .yaml, .yml or .json"


def test_empty_file(tmp_path: Path) -> None:
    file = write(tmp_path, "# nothing yet\n")

    assert error_of(file).message == (
        "the file is empty; an event file starts with id, name, timezone"
    )


def test_locked_start_off_the_grid(tmp_path: Path) -> None:
    text = replaced(
        "    topics: [Syria, Ukraine]\n",
        "    topics: [Syria, Ukraine]\n    locked: {start: '2016-11-20 07:00'}\n",
    )
    file = write(tmp_path, text)

    error = error_of(file)

    assert (error.line, error.path, error.message) == (
        28,
        "meetings[0].locked.start",
        "2016-11-20 07:00 is not a start time of the event's 5-minute grid "
        "(08:00 to 20:00 on the event's days)",
    )


# --- the examples ---------------------------------------------------------------------------


def test_apec_example_has_the_21_economies_and_their_leaders() -> None:
    event = load_event(EXAMPLES / "apec-2016-lima.yaml")
    names = {principal.name for principal in event.principals}

    assert len(event.parties) == 21
    assert len(event.principals) == 21
    assert {"Vladimir Putin", "Barack Obama", "Xi Jinping", "Pedro Pablo Kuczynski"} <= names
    assert event.timezone == "America/Lima"
    assert event.days == (date(2016, 11, 19), date(2016, 11, 20))


def test_apec_example_retreat_blocks_every_leader() -> None:
    event = load_event(EXAMPLES / "apec-2016-lima.yaml")
    retreats = [s for s in event.programme if s.kind is SessionKind.RETREAT]

    assert [s.id for s in retreats] == ["retreat-1", "retreat-2"]
    assert all(s.attendees == frozenset(event.principal_by_id) for s in retreats)
    # 09:30 in Lima (UTC-5) is 14:30 UTC.
    assert retreats[0].span.start == datetime(2016, 11, 20, 14, 30, tzinfo=UTC)


def test_apec_example_builds_a_problem() -> None:
    event = load_event(EXAMPLES / "apec-2016-lima.yaml")
    problem = build_problem(event)
    putin_obama = event.meeting_by_id[next(m.id for m in event.meetings if m.id == "rus-usa")]

    assert len(problem.meetings) == len(event.meetings) == 40
    assert putin_obama.principals == (PrincipalId("putin"), PrincipalId("obama"))
    assert putin_obama.topics == ("Syria", "Ukraine")
    assert not putin_obama.required
    assert problem.grid.starts[0] == datetime(2016, 11, 19, 12, 0, tzinfo=UTC)


def test_b2b_example_builds_a_problem() -> None:
    event = load_event(EXAMPLES / "b2b-forum.yaml")
    problem = build_problem(event)

    assert (len(event.parties), len(event.spaces), len(event.meetings)) == (64, 24, 260)
    assert event.policy.organiser_sees == "everything"
    assert [s.kind for s in event.programme] == [SessionKind.WORKING_LUNCH]
    assert problem.grid.n_slots == 18
    assert {m.effective_duration_min for m in event.meetings} == {30}


def test_freeze_window_is_read_from_the_policy_and_defaults_to_30_minutes(tmp_path: Path) -> None:
    frozen = write(tmp_path, SMALL + "policy: {freeze_window_min: 15}\n", "frozen.yaml")

    assert load_event(write(tmp_path, SMALL)).policy.freeze_window_min == 30
    assert load_event(frozen).policy.freeze_window_min == 15


def test_negative_freeze_window_is_refused_with_its_path(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, SMALL + "policy: {freeze_window_min: -5}\n"))

    assert (error.path, error.message) == (
        "policy.freeze_window_min",
        "must not be negative, got -5",
    )


@pytest.mark.parametrize(
    ("added", "path"),
    [
        ("policy: {freeze_window_min: 100000000000000000000}\n", "policy.freeze_window_min"),
        ("policy: {no_show_after_min: 10081}\n", "policy.no_show_after_min"),
        ("policy: {request_reminder_hours: 8785}\n", "policy.request_reminder_hours"),
        ("meeting_defaults: {duration_min: -10}\n", "meeting_defaults.duration_min"),
    ],
)
def test_a_stretch_of_time_past_its_bound_is_refused_with_its_path(
    tmp_path: Path, added: str, path: str
) -> None:
    # Past its bound it would be a typing mistake, and past what a date can be moved by it
    # would break every solve and check of the event later.
    assert error_of(write(tmp_path, SMALL + added)).path == path


def test_an_interpreter_pool_of_one_language_is_located(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        TERMS.replace("{languages: [ru, en], count: 2}", "{languages: [en, en], count: 2}"),
    )

    error = error_of(file)

    assert (error.line, error.path, error.message) == (
        21,
        "interpreters[0].languages",
        "an interpreter pool names two different languages",
    )


def test_offered_formats_and_required_terms_are_read_from_the_policy(tmp_path: Path) -> None:
    text = SMALL + "policy: {formats: [b2b], required_terms: [contact, format, time, place]}\n"
    event = load_event(write(tmp_path, text, "terms.yaml"))

    assert (event.policy.formats, event.policy.required_terms) == (
        frozenset({MeetingFormat.B2B}),
        (Term.CONTACT, Term.FORMAT, Term.TIME, Term.PLACE),
    )
    assert event_from_data(dump_event(event), source="dump").policy == event.policy
    assert load_event(write(tmp_path, SMALL)).policy.required_terms == DEFAULT_REQUIRED_TERMS


def test_required_terms_without_the_contact_are_refused_with_their_path(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, SMALL + "policy: {required_terms: [format]}\n"))

    assert (error.path, error.message) == (
        "policy.required_terms",
        "the contact is always required",
    )


def json_text(tmp_path: Path) -> str:
    return json.dumps(dump_event(load_event(write(tmp_path, SMALL))), indent=2, default=str)


def test_json_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = json_text(tmp_path).replace('"name": ', '"name": "first",\n  "name": ', 1)
    file = write(tmp_path, text, "event.json")
    line = text.splitlines().index('  "name": "first",') + 2

    error = error_of(file)

    assert (error.line, error.path, error.message) == (line, "name", "field 'name' is given twice")


def test_json_error_names_the_line_found_after_parsing(tmp_path: Path) -> None:
    text = json_text(tmp_path).replace('"timezone": "', '"timezone": "Nowhere/', 1)
    file = write(tmp_path, text, "event.json")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"timezone"' in row)

    error = error_of(file)

    assert (error.line, error.path) == (line, "timezone")
