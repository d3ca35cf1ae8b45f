"""Every hard rule, checked by the validator on a schedule that keeps it and one that breaks it.

Each case is (rule, event, valid schedule, invalid schedule); the invalid schedule must break that
rule and no other, so the violation lists are compared exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

import pytest

from sidelines.domain import (
    AtSession,
    DayPart,
    Delegation,
    Event,
    EventPolicy,
    Feature,
    InterpreterPool,
    MeetingFormat,
    MeetingId,
    PartyId,
    Placement,
    PressPlan,
    SessionEdge,
    SessionId,
    SpaceId,
    SpaceKind,
    WalkingTimes,
)
from sidelines.scheduling import RULES, Assignment, build_problem, validate
from sidelines.scheduling.schedule import Schedule
from sidelines.scheduling.stability import Published, Stability, with_published
from tests.builders import DAY, at, event, meeting, principal, session, span, table


@dataclass(frozen=True)
class Case:
    rule: str
    build: Callable[[], Event]
    valid: Schedule
    invalid: Schedule
    published: Published | None = None  # a re-solve against this published schedule


def a(slot: int, space: str | None = "T1") -> Assignment:
    return Assignment(slot, SpaceId(space) if space is not None else None)


PRESS_ROOM = frozenset({Feature.PRESS})

CASES = [
    Case(
        "meeting_in_agreed_space",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", spaces=(SpaceId("T2"),))],
            spaces=(table("T1"), table("T2")),
        ),
        {"m": a(0, "T2")},
        {"m": a(0, "T1")},
    ),
    Case(
        "press_ready_space",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", press=PressPlan.POOL_SPRAY)],
            spaces=(table("T1", features=PRESS_ROOM), table("T2")),
        ),
        {"m": a(0, "T1")},
        {"m": a(0, "T2")},
    ),
    Case(
        "press_out_buffer_respected",
        lambda: event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B", press=PressPlan.OPEN_PRESS), meeting("m2", "C", "D")],
            spaces=(table("T1", features=PRESS_ROOM),),
            policy=EventPolicy(press_buffer_min=30),
        ),
        {"m1": a(0), "m2": a(2)},
        {"m1": a(0), "m2": a(1)},  # right after the meeting, while the press leaves
    ),
    Case(
        "meeting_has_interpreter",
        lambda: event(
            [
                principal("A", languages=("en",)),
                principal("B", languages=("ru",)),
                principal("C", languages=("fr", "en")),
            ],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
            interpreters=(InterpreterPool(("en", "fr"), 1),),
        ),
        {"m2": a(0)},
        {"m1": a(0)},  # the event has no en-ru interpreter and neither side brings one
    ),
    Case(
        "interpreters_not_overbooked",
        lambda: event(
            [
                principal("A", languages=("en",)),
                principal("B", languages=("ru",)),
                principal("C", languages=("en",)),
                principal("D", languages=("ru",)),
            ],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D")],
            spaces=(table("T1"), table("T2")),
            interpreters=(InterpreterPool(("ru", "en"), 1),),
        ),
        {"m1": a(0, "T1"), "m2": a(1, "T2")},
        {"m1": a(0, "T1"), "m2": a(0, "T2")},
    ),
    Case(
        "meeting_within_one_day",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", duration_min=60)],
            days=(DAY, DAY + timedelta(days=1)),
        ),
        {"m": a(4)},
        {"m": a(5)},  # from the last slot of the first day into the next morning
    ),
    Case(
        "meeting_within_its_windows",
        lambda: event(["A", "B"], [meeting("m", "A", "B", day_part=DayPart.MORNING)]),
        {"m": a(2)},
        {"m": a(3)},  # 10:30 is afternoon in the test event
    ),
    Case(
        "meeting_within_its_windows",
        lambda: event(["A", "B"], [meeting("m", "A", "B", windows=(span((10, 0), (11, 0)),))]),
        {"m": a(3)},
        {"m": a(4)},
    ),
    Case(
        "principal_present",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B")],
            delegations=(Delegation(PartyId("A"), arrival=at(10, 0)),),
        ),
        {"m": a(2)},
        {"m": a(1)},
    ),
    Case(
        "principal_available",
        lambda: event(
            [principal("A", unavailable=(span((9, 0), (9, 30)),)), "B"],
            [meeting("m", "A", "B")],
        ),
        {"m": a(1)},
        {"m": a(0)},
    ),
    Case(
        "principal_not_in_programme_session",
        lambda: event(
            ["A", "B"], [meeting("m", "A", "B")], programme=(session("s", ["B"], (9, 0), (10, 0)),)
        ),
        {"m": a(2)},
        {"m": a(1)},
    ),
    Case(
        "meeting_has_space_when_needed",
        lambda: event(["A", "B"], [meeting("m", "A", "B")]),
        {"m": a(0)},
        {"m": a(0, None)},
    ),
    Case(
        "space_fits_meeting",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", needs=frozenset({Feature.INTERPRETATION}))],
            spaces=(table("T1", features=frozenset({Feature.INTERPRETATION})), table("T2")),
        ),
        {"m": a(0, "T1")},
        {"m": a(0, "T2")},
    ),
    Case(
        "space_open",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B")],
            spaces=(table("T1", opening_hours=(span((10, 0), (12, 0)),)),),
        ),
        {"m": a(2)},
        {"m": a(1)},
    ),
    Case(
        "principal_not_double_booked",
        lambda: event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
            spaces=(table("T1"), table("T2")),
        ),
        {"m1": a(0, "T1"), "m2": a(1, "T2")},
        {"m1": a(0, "T1"), "m2": a(0, "T2")},
    ),
    Case(
        "space_not_double_booked",
        lambda: event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D")],
            spaces=(table("T1", turnover_min=30),),
        ),
        {"m1": a(0), "m2": a(2)},
        {"m1": a(0), "m2": a(1)},  # back to back leaves no turnover
    ),
    Case(
        "walking_time_respected",
        lambda: event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
            spaces=(table("T1", location="hall"), table("T2", location="hotel")),
            walking_times=WalkingTimes({("hall", "hotel"): 20}),
        ),
        {"m1": a(0, "T1"), "m2": a(2, "T2")},
        {"m1": a(0, "T1"), "m2": a(1, "T2")},
    ),
    Case(
        "precedence_respected",
        lambda: event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D", after=(MeetingId("m1"),))],
            spaces=(table("T1"), table("T2")),
        ),
        {"m1": a(0, "T1"), "m2": a(1, "T2")},
        {"m1": a(0, "T1"), "m2": a(0, "T2")},
    ),
    Case(
        "locked_meeting_kept",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", locked=Placement(at(10, 0), SpaceId("T1")))],
            spaces=(table("T1"), table("T2")),
        ),
        {"m": a(2, "T1")},
        {"m": a(2, "T2")},
    ),
    Case(
        "room_policy_respected",
        lambda: event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
            policy=EventPolicy(max_bookings_per_party_per_day=1),
            spaces=(table("T1"), table("P", kind=SpaceKind.DELEGATION_PREMISES, host_party="A")),
        ),
        {"m1": a(0, "T1"), "m2": a(1, "P")},
        {"m1": a(0, "T1"), "m2": a(1, "T1")},
    ),
    Case(
        "contact_at_session_fits",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", format=MeetingFormat.BRIEF_CONTACT)],
            programme=(session("s", ["A", "B"], (10, 0), (11, 0)),),
            grain_min=5,
        ),
        {"m": Assignment(12, at_session=AtSession(SessionId("s"), SessionEdge.START))},
        {"m": Assignment(13, at_session=AtSession(SessionId("s"), SessionEdge.START))},
    ),
    Case(
        "principal_not_in_programme_session",
        lambda: event(
            ["A", "B"],
            [meeting("m", "A", "B", format=MeetingFormat.BRIEF_CONTACT)],
            programme=(
                session("s", ["A", "B"], (10, 0), (11, 0)),
                session("photo", ["B"], (10, 55), (11, 10)),
            ),
            grain_min=5,
        ),
        {"m": Assignment(12, at_session=AtSession(SessionId("s"), SessionEdge.START))},
        # The end of the session is also the start of B's family photo.
        {"m": Assignment(23, at_session=AtSession(SessionId("s"), SessionEdge.END))},
    ),
    Case(
        "required_meeting_scheduled",
        lambda: event(["A", "B"], [meeting("m", "A", "B", required=True)]),
        {"m": a(0)},
        {},
    ),
    Case(
        "breaks_fairly_spread",
        lambda: event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C"), meeting("m3", "C", "D")],
            policy=EventPolicy(fairness_max_spread=0),
            spaces=(table("T1"), table("T2")),
        ),
        {"m1": a(0), "m2": a(1), "m3": a(2)},
        {"m1": a(0), "m2": a(2), "m3": a(3)},  # A waits an hour between meetings, D does not
    ),
    Case(
        "published_meeting_kept",
        lambda: event(["A", "B", "C"], [meeting("m1", "A", "B"), meeting("m2", "A", "C")]),
        {"m1": a(0), "m2": a(1)},
        {"m1": a(1), "m2": a(0)},  # m1 gives way to a new meeting although nothing forces it
        Published({MeetingId("m1"): a(0)}, Stability.KEEP),
    ),
    Case(
        "published_meeting_still_held",
        lambda: event(["A", "B"], [meeting("m1", "A", "B")]),
        {"m1": a(1)},
        {},  # left out, within the budget of one move, while it can still be held
        Published({MeetingId("m1"): a(0)}, Stability.MINIMAL, max_moves=1),
    ),
    Case(
        "move_budget_respected",
        lambda: event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D")],
            spaces=(table("T1"), table("T2")),
        ),
        {"m1": a(0), "m2": a(3, "T2")},
        {"m1": a(1), "m2": a(3, "T2")},  # two published meetings move, the budget allows one
        Published({MeetingId("m1"): a(0), MeetingId("m2"): a(2, "T2")}, max_moves=1),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{i}" for i, c in enumerate(CASES)])
def test_rule_accepts_valid_and_names_itself_on_invalid(case: Case) -> None:
    problem = build_problem(case.build())
    if case.published is not None:
        problem = with_published(problem, case.published)
    assert validate(problem, case.valid) == []
    assert [v.rule for v in validate(problem, case.invalid)] == [case.rule]


def test_every_rule_has_a_case() -> None:
    assert {c.rule for c in CASES} == {rule.name for rule in RULES}


def test_violation_message_names_principal_and_time() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
            spaces=(table("T1"), table("T2")),
        )
    )
    (violation,) = validate(problem, {"m1": a(1, "T1"), "m2": a(1, "T2")})
    assert violation.message == (
        "A double-booked at Mon 06 May 09:30: m1 (Mon 06 May 09:30–10:00) and "
        "m2 (Mon 06 May 09:30–10:00)"
    )
    assert violation.meetings == ("m1", "m2")


def test_the_room_policy_names_the_party_by_its_name_and_the_day_as_the_pages_do() -> None:
    sides = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B"), meeting("m2", "A", "C")],
        policy=EventPolicy(max_bookings_per_party_per_day=1),
        spaces=(table("T1"), table("T2")),
    )
    named = tuple(replace(party, name=f"Republic of {party.id}") for party in sides.parties)
    problem = build_problem(replace(sides, parties=named))
    (violation,) = validate(problem, {"m1": a(0, "T1"), "m2": a(1, "T2")})
    assert violation.message == (
        "Republic of A holds 2 meetings in the organiser's rooms on Mon 06 May, the policy allows 1"
    )


def test_a_meeting_past_the_end_of_the_day_is_said_to_end_on_its_own_clock() -> None:
    # The slot after a day's last one is the next morning's first: the message says when the
    # meeting would end (11:30), not the next morning's time its last slot falls on.
    problem = build_problem(
        event(
            ["A", "B"],
            [meeting("m", "A", "B", duration_min=60)],
            days=(DAY, DAY + timedelta(days=1)),
        )
    )

    (violation,) = validate(problem, {"m": a(5)})

    assert violation.message == "m at Mon 06 May 11:30–12:30 runs past the end of the day"


def test_nested_meeting_does_not_hide_a_space_clash() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E", "F"],
            [
                meeting("long", "A", "B", duration_min=90),
                meeting("short", "C", "D"),
                meeting("late", "E", "F"),
            ],
        )
    )
    violations = validate(problem, {"long": a(0), "short": a(0), "late": a(2)})
    assert [(v.rule, v.meetings) for v in violations] == [
        ("space_not_double_booked", ("long", "short")),
        ("space_not_double_booked", ("long", "late")),
    ]


def test_unknown_meeting_space_and_off_grid_start_are_reported() -> None:
    problem = build_problem(event(["A", "B"], [meeting("m", "A", "B")]))
    violations = validate(
        problem, {MeetingId("x"): a(0), MeetingId("m"): Assignment(99, SpaceId("T1"))}
    )
    assert [v.message for v in violations] == [
        "unknown meeting 'x'",
        "m starts at slot 99, outside the event's 6 slots",
    ]


def test_meeting_format_without_room_needs_no_space() -> None:
    problem = build_problem(
        event(
            ["A", "B"], [meeting("m", "A", "B", format=MeetingFormat.PULL_ASIDE, duration_min=30)]
        )
    )
    assert validate(problem, {"m": a(0, None)}) == []


def test_blocked_principal_messages_name_who_and_why() -> None:
    problem = build_problem(
        event(
            [principal("A", unavailable=(span((9, 0), (9, 30)),)), "B"],
            [meeting("m", "A", "B")],
            programme=(session("s", ["B"], (9, 0), (9, 30)),),
        )
    )
    assert [v.message for v in validate(problem, {"m": a(0)})] == [
        "A unavailable (forbidden window) for m at Mon 06 May 09:00–09:30",
        "B must attend a programme session during m at Mon 06 May 09:00–09:30",
    ]


def test_a_message_in_the_hour_lived_twice_names_the_zone_of_each_end() -> None:
    # Berlin's clocks go back at 03:00 CEST on 25 Oct 2026: a meeting from 02:20 CEST lasts
    # until 02:20 CET, which "02:20-02:20" would not say.
    built = replace(
        event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B", duration_min=60), meeting("m2", "A", "C", duration_min=60)],
            spaces=[table("T1"), table("T2")],
            days=(date(2026, 10, 25),),
            day_start=time(1, 0),
            day_end=time(5, 0),
            morning_ends=time(4, 0),
            grain_min=20,
        ),
        timezone="Europe/Berlin",
    )
    problem = build_problem(built)
    schedule = {
        MeetingId("m1"): Assignment(4, SpaceId("T1")),  # 00:20 UTC, 02:20 CEST
        MeetingId("m2"): Assignment(5, SpaceId("T2")),
    }

    assert [v.message for v in validate(problem, schedule)] == [
        "A double-booked at Sun 25 Oct 02:40: m1 (Sun 25 Oct 02:20 CEST–02:20 CET) and "
        "m2 (Sun 25 Oct 02:40 CEST–02:40 CET)"
    ]
