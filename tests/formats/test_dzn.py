"""Reading the JAIR 2022 B2B instance format (.dzn) from small texts written here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from sidelines.domain import DayPart, MeetingFormat, PartyKind, Placement, Rank, SpaceKind
from sidelines.formats.dzn import parse_dzn, read_dzn
from sidelines.formats.errors import InputError

GOOD = """\
% three participants, three meetings, two tables
nBusiness = 3;
nMeetings = 3;
nTables = 2;
nTotalSlots = 4;
nMorningSlots = 2;

requested = [|1, 2,1,
|1, 3,2,
|2, 3,3,
|];

meetingsxBusiness = [{1,2,3},
{1,2,4},
{1,3,4}];

nMeetingsBusiness = [2,2,2];

forbidden = [{0},
{0,3,4},
{}];

fixed = [0,0,1];

precedences = [{},
{},
{1}];
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "small.dzn"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_dzn(text, "small.dzn")
    return str(caught.value)


def slot(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date(2022, 6, 1), time(hour, minute), tzinfo=UTC)


def test_read_dzn_small_instance_maps_onto_the_domain(tmp_path: Path) -> None:
    event = read_dzn(write(tmp_path, GOOD))

    assert event.id == "small"
    assert event.timezone == "UTC"
    assert event.days == (date(2022, 6, 1),)
    assert (event.day_start, event.day_end, event.morning_ends) == (
        time(9, 0),
        time(11, 0),
        time(10, 0),
    )
    assert event.grain_min == 30
    assert [(p.id, p.name, p.kind) for p in event.parties] == [
        ("1", "Participant 1", PartyKind.COMPANY),
        ("2", "Participant 2", PartyKind.COMPANY),
        ("3", "Participant 3", PartyKind.COMPANY),
    ]
    assert [(p.id, p.party, p.rank) for p in event.principals] == [
        ("1", "1", Rank.EXECUTIVE),
        ("2", "2", Rank.EXECUTIVE),
        ("3", "3", Rank.EXECUTIVE),
    ]
    assert [(s.id, s.kind) for s in event.spaces] == [
        ("T1", SpaceKind.TABLE),
        ("T2", SpaceKind.TABLE),
    ]
    assert [
        (m.id, m.principals, m.day_part, m.required, m.format, m.effective_duration_min)
        for m in event.meetings
    ] == [
        ("1", ("1", "2"), DayPart.MORNING, True, MeetingFormat.B2B, 30),
        ("2", ("1", "3"), DayPart.AFTERNOON, True, MeetingFormat.B2B, 30),
        ("3", ("2", "3"), DayPart.ANY, True, MeetingFormat.B2B, 30),
    ]
    assert event.meetings[2].locked == Placement(slot(9))
    assert event.meetings[2].after == ("1",)
    assert event.principals[1].unavailable[0].start == slot(10)
    assert event.principals[1].unavailable[0].end == slot(11)
    assert [len(p.unavailable) for p in event.principals] == [0, 1, 0]
    assert event.policy.fairness_max_spread == 2


def test_read_dzn_fairness_parameter_sets_the_policy(tmp_path: Path) -> None:
    assert read_dzn(write(tmp_path, GOOD), fairness=None).policy.fairness_max_spread is None
    assert read_dzn(write(tmp_path, GOOD), fairness=5).policy.fairness_max_spread == 5


def test_parse_dzn_without_afternoon_puts_noon_at_the_day_end() -> None:
    event = parse_dzn(GOOD.replace("nMorningSlots = 2;", "nMorningSlots = 4;"), "x.dzn")
    assert event.morning_ends == event.day_end == time(11, 0)


def test_read_dzn_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_dzn(tmp_path / "absent.dzn")
    assert str(caught.value) == f"{tmp_path / 'absent.dzn'}: no such file"


def test_parse_dzn_syntax_error_gives_line() -> None:
    text = GOOD.replace("nTables = 2;", "nTables = 2")
    assert (
        error_of(text)
        == "small.dzn:5: expected ';' after the value of nTables, found 'nTotalSlots'"
    )


def test_parse_dzn_unexpected_character_gives_line() -> None:
    assert error_of(GOOD.replace("nTables = 2;", "nTables = 2.5;")) == (
        "small.dzn:4: unexpected character '.'"
    )


def test_parse_dzn_truncated_file_reports_end_of_file() -> None:
    text = GOOD[: GOOD.index("fixed = [0,0,1];") + len("fixed = [0,")]
    assert error_of(text) == (
        "small.dzn:23: expected a number, a set or ']' in fixed, found end of file"
    )


def test_parse_dzn_missing_required_key_is_named() -> None:
    text = GOOD.replace("nTables = 2;\n", "")
    assert error_of(text) == "small.dzn:27: missing required key nTables"


def test_parse_dzn_key_assigned_twice_is_refused() -> None:
    assert error_of(GOOD + "nTables = 3;\n") == (
        "small.dzn:28: nTables is assigned twice (first on line 4)"
    )


def test_parse_dzn_wrong_row_count_is_refused() -> None:
    text = GOOD.replace("nMeetings = 3;", "nMeetings = 4;")
    assert error_of(text) == "small.dzn:8: requested: has 3 rows, expected 4 (nMeetings)"


def test_parse_dzn_wrong_array_length_is_refused() -> None:
    text = GOOD.replace("fixed = [0,0,1];", "fixed = [0,0];")
    assert error_of(text) == "small.dzn:23: fixed: has 2 entries, expected 3 (nMeetings)"


def test_parse_dzn_participant_out_of_range_names_row_line() -> None:
    text = GOOD.replace("|1, 3,2,", "|1, 7,2,")
    assert error_of(text) == (
        "small.dzn:9: requested: meeting 2: participant 7 is out of range 1..3"
    )


def test_parse_dzn_bad_session_is_refused() -> None:
    text = GOOD.replace("|2, 3,3,", "|2, 3,4,")
    assert error_of(text) == (
        "small.dzn:10: requested: meeting 3: session 4 is not 1 (morning), 2 (afternoon) "
        "or 3 (either)"
    )


def test_parse_dzn_forbidden_slot_out_of_range_is_refused() -> None:
    text = GOOD.replace("{0,3,4}", "{0,3,9}")
    assert error_of(text) == "small.dzn:20: forbidden: participant 2: slot 9 is out of range 1..4"


def test_parse_dzn_fixed_slot_out_of_range_is_refused() -> None:
    text = GOOD.replace("fixed = [0,0,1];", "fixed = [0,5,1];")
    assert error_of(text) == "small.dzn:23: fixed: meeting 2: slot 5 is out of range 0..4"


def test_parse_dzn_precedence_out_of_range_is_refused() -> None:
    text = GOOD.replace("{},\n{1}];", "{},\n{8}];")
    assert error_of(text) == (
        "small.dzn:27: precedences: meeting 3: meeting 8 is out of range 1..3"
    )


def test_parse_dzn_precedence_cycle_is_refused() -> None:
    text = GOOD.replace("precedences = [{},", "precedences = [{3},")
    assert error_of(text) == (
        "small.dzn:25: precedences form a cycle (each must come after the next): 1 -> 3 -> 1"
    )


def test_parse_dzn_meetings_per_business_mismatch_is_reported() -> None:
    text = GOOD.replace("{1,2,4},", "{1,2},")
    assert error_of(text) == (
        "small.dzn:14: meetingsxBusiness: participant 2 disagrees with requested: misses meetings 3"
    )


def test_parse_dzn_meeting_count_mismatch_is_reported() -> None:
    text = GOOD.replace("nMeetingsBusiness = [2,2,2];", "nMeetingsBusiness = [2,3,2];")
    assert error_of(text) == (
        "small.dzn:17: nMeetingsBusiness: participant 2 has 2 meetings in requested, "
        "nMeetingsBusiness says 3"
    )


def test_parse_dzn_morning_longer_than_day_is_refused() -> None:
    text = GOOD.replace("nMorningSlots = 2;", "nMorningSlots = 5;")
    assert error_of(text) == (
        "small.dzn:6: nMorningSlots: 5 morning slots, but only 4 slots in all"
    )
