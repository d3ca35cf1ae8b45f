from datetime import UTC, date, datetime, time

import pytest

from sidelines.domain import (
    Delegation,
    DomainError,
    Event,
    EventPolicy,
    MeetingFormat,
    MeetingId,
    Party,
    PartyId,
    Placement,
    Principal,
    PrincipalId,
    ProgrammeSession,
    SessionId,
    Space,
    SpaceId,
    TimeSpan,
)
from tests.builders import event, meeting, principal, table


def test_event_with_unknown_principal_in_meeting_names_the_field() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m1", "A", "B"), meeting("m2", "A", "ZZ")])
    assert str(caught.value) == "meetings[1].principals[1]: unknown principal 'ZZ'"


def test_event_time_zone_must_exist() -> None:
    from sidelines.domain import Event, Party, Principal

    with pytest.raises(DomainError) as caught:
        Event(
            id="e",
            name="E",
            timezone="Mars/Olympus",
            days=(date(2030, 1, 1),),
            parties=(Party(PartyId("A"), "A"),),
            principals=(Principal(id=PrincipalId("A"), party=PartyId("A"), name="A"),),
        )
    assert str(caught.value) == "timezone: unknown time zone 'Mars/Olympus'"


def lima_like(event_id: str = "e", name: str = "E") -> Event:
    return Event(
        id=event_id,
        name=name,
        timezone="America/Lima",
        days=(date(2030, 1, 1),),
        parties=(Party(PartyId("A"), "A"),),
        principals=(Principal(id=PrincipalId("A"), party=PartyId("A"), name="A"),),
    )


@pytest.mark.parametrize(("event_id", "name"), [("", "E"), (" ", "E"), ("e", ""), ("e", "  ")])
def test_an_event_needs_an_id_and_a_name(event_id: str, name: str) -> None:
    with pytest.raises(DomainError) as caught:
        lima_like(event_id, name)
    assert caught.value.path == ("id" if not event_id.strip() else "name")


@pytest.mark.parametrize("ident", ["apec/2016", ".", "..", "/"])
def test_an_id_the_api_could_not_name_in_a_url_is_refused(ident: str) -> None:
    span = TimeSpan(datetime(2030, 1, 1, 9, tzinfo=UTC), datetime(2030, 1, 1, 10, tzinfo=UTC))
    makers = [
        lambda: lima_like(ident),
        lambda: Party(PartyId(ident), "A"),
        lambda: Principal(id=PrincipalId(ident), party=PartyId("A"), name="A"),
        lambda: Space(SpaceId(ident), "Room"),
        lambda: ProgrammeSession(SessionId(ident), "Plenary", span, frozenset()),
    ]
    for make in makers:
        with pytest.raises(DomainError) as caught:
            make()
        assert (caught.value.path, caught.value.message) == (
            "id",
            f"the id {ident!r} cannot stand in a URL: it may not contain '/' nor be '.' or '..'",
        )


def test_duration_not_on_the_grid_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m1", "A", "B", duration_min=45)])
    assert str(caught.value) == (
        "meetings[0].duration_min: duration 45 min is not a whole number of the event's "
        "30-minute steps"
    )


def test_duration_longer_than_a_day_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m1", "A", "B", duration_min=240)])
    assert str(caught.value) == (
        "meetings[0].duration_min: duration 240 min does not fit in a day of the event "
        "(09:00 to 12:00)"
    )


def test_a_precedence_cycle_among_meetings_without_precedences_is_named_from_its_first() -> None:
    with pytest.raises(DomainError) as caught:
        event(
            ["A", "B"],
            [
                meeting("m0", "A", "B"),
                meeting("m1", "A", "B", after=(MeetingId("m0"), MeetingId("m3"))),
                meeting("m2", "A", "B", after=(MeetingId("m1"),)),
                meeting("m3", "A", "B", after=(MeetingId("m4"), MeetingId("m2"))),
                meeting("m4", "A", "B"),
            ],
        )
    assert str(caught.value) == (
        "meetings: precedences form a cycle (each must come after the next): m1 -> m3 -> m2 -> m1"
    )


def test_precedence_cycle_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        event(
            ["A", "B"],
            [
                meeting("m1", "A", "B", after=(MeetingId("m2"),)),
                meeting("m2", "A", "B", after=(MeetingId("m1"),)),
            ],
        )
    assert str(caught.value) == (
        "meetings: precedences form a cycle (each must come after the next): m1 -> m2 -> m1"
    )


def test_duplicate_meeting_ids_are_refused() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m1", "A", "B"), meeting("m1", "A", "B")])
    assert str(caught.value) == "meetings[1].id: duplicate id 'm1'"


def test_locked_meeting_in_unknown_space_is_refused() -> None:
    placement = Placement(datetime(2030, 5, 6, 9, tzinfo=UTC), SpaceId("nowhere"))
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m1", "A", "B", locked=placement)])
    assert str(caught.value) == "meetings[0].locked.space: unknown space 'nowhere'"


def test_meeting_needs_two_distinct_principals() -> None:
    with pytest.raises(DomainError) as caught:
        meeting("m1", "A", "A")
    assert str(caught.value) == "principals: a principal is listed twice"
    with pytest.raises(DomainError):
        meeting("m1", "A")


def test_time_span_is_half_open_and_refuses_naive_times() -> None:
    first = TimeSpan(datetime(2030, 1, 1, 9, tzinfo=UTC), datetime(2030, 1, 1, 10, tzinfo=UTC))
    second = TimeSpan(datetime(2030, 1, 1, 10, tzinfo=UTC), datetime(2030, 1, 1, 11, tzinfo=UTC))
    assert not first.overlaps(second)
    with pytest.raises(DomainError):
        TimeSpan(datetime(2030, 1, 1, 9), datetime(2030, 1, 1, 10))


def test_delegation_must_depart_after_arrival() -> None:
    with pytest.raises(DomainError) as caught:
        Delegation(
            PartyId("A"),
            arrival=datetime(2030, 1, 2, tzinfo=UTC),
            departure=datetime(2030, 1, 1, tzinfo=UTC),
        )
    assert str(caught.value) == "departure: a delegation must depart after it arrives"


def test_format_defaults_apply_when_fields_are_unset() -> None:
    pull_aside = meeting("m1", "A", "B", format=MeetingFormat.PULL_ASIDE)
    bilateral = meeting("m2", "A", "B", format=MeetingFormat.BILATERAL_RESTRICTED)
    trilateral = meeting("m3", "A", "B", "C", format=MeetingFormat.TRILATERAL)
    assert (pull_aside.effective_duration_min, pull_aside.effective_needs_space) == (10, False)
    assert (bilateral.effective_duration_min, bilateral.effective_needs_space) == (30, True)
    assert trilateral.effective_size(3) == 9


def test_policy_refuses_negative_bounds() -> None:
    with pytest.raises(DomainError) as caught:
        EventPolicy(fairness_max_spread=-1)
    assert caught.value.path == "policy.fairness_max_spread"


def test_principal_precedence_orders_rank_then_seniority() -> None:
    from sidelines.domain import Rank

    senior = principal("A", rank=Rank.HEAD_OF_STATE, in_office_since=date(2000, 5, 7))
    junior = principal("B", rank=Rank.HEAD_OF_STATE, in_office_since=date(2009, 1, 20))
    minister = principal("C", rank=Rank.MINISTER, in_office_since=date(1990, 1, 1))
    ordered = sorted([minister, junior, senior], key=lambda p: p.precedence_key())
    assert [p.id for p in ordered] == ["A", "B", "C"]


def test_space_with_negative_turnover_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        table("T1", turnover_min=-5)
    assert str(caught.value) == "turnover_min: turnover must not be negative, got -5"


def test_day_must_end_after_it_starts() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], day_start=time(12, 0), day_end=time(9, 0))
    assert str(caught.value) == "day_end: the day must end after it starts"


def test_event_refuses_an_agreed_place_that_is_no_space_of_the_event() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B"], [meeting("m", "A", "B", spaces=(SpaceId("T1"), SpaceId("ZZ")))])
    assert str(caught.value) == "meetings[0].spaces[1]: unknown space 'ZZ'"


def test_event_refuses_an_own_interpreter_of_a_party_not_in_the_meeting() -> None:
    with pytest.raises(DomainError) as caught:
        event(["A", "B", "C"], [meeting("m", "A", "B", own_interpreters=(PartyId("C"),))])
    assert str(caught.value) == "meetings[0].own_interpreters[0]: 'C' is not a side of the meeting"


def test_event_refuses_two_pools_of_one_language_pair() -> None:
    from sidelines.domain import InterpreterPool

    with pytest.raises(DomainError) as caught:
        event(
            ["A", "B"],
            interpreters=(InterpreterPool(("en", "ru"), 1), InterpreterPool(("ru", "en"), 2)),
        )
    assert str(caught.value) == "interpreters[1].languages: duplicate language pair en-ru"


def test_meeting_refuses_an_unknown_press_plan() -> None:
    with pytest.raises(DomainError) as caught:
        meeting("m", "A", "B", press="live_broadcast")
    assert str(caught.value) == "press: unknown press plan 'live_broadcast'"


def test_meeting_with_an_agreed_place_or_the_press_in_needs_a_space() -> None:
    from sidelines.domain import PressPlan

    contact = MeetingFormat.BRIEF_CONTACT
    assert not meeting("m", "A", "B", format=contact).effective_needs_space
    assert meeting("m", "A", "B", format=contact, spaces=(SpaceId("T1"),)).effective_needs_space
    assert meeting("m", "A", "B", format=contact, press=PressPlan.POOL_SPRAY).effective_needs_space


def test_meeting_priority_beyond_a_million_is_refused() -> None:
    # The solvers weigh meetings by it in 64-bit and floating-point sums: a priority of 10**18
    # from an event file made CP-SAT refuse its model, and the error escaped the solve.
    meeting("m", "A", "B", priority=1_000_000)
    with pytest.raises(DomainError) as caught:
        meeting("m", "A", "B", priority=10**18)
    assert (caught.value.path, caught.value.message) == (
        "priority",
        "priority must be at most 1000000, got 1000000000000000000",
    )


def test_meeting_locked_in_a_space_needs_a_space() -> None:
    contact = MeetingFormat.BRIEF_CONTACT
    start = datetime(2030, 5, 6, 9, 30, tzinfo=UTC)
    in_room = Placement(start, SpaceId("T1"))
    assert meeting("m", "A", "B", format=contact, locked=in_room).effective_needs_space
    assert meeting(
        "m", "A", "B", format=contact, needs_space=False, locked=in_room
    ).effective_needs_space
    assert not meeting("m", "A", "B", format=contact, locked=Placement(start)).effective_needs_space


def test_event_policy_refuses_a_negative_press_buffer() -> None:
    with pytest.raises(DomainError) as caught:
        EventPolicy(press_buffer_min=-5)
    assert str(caught.value) == "policy.press_buffer_min: must not be negative, got -5"


def test_event_refuses_an_agreed_place_in_the_premises_of_a_third_party() -> None:
    from sidelines.domain import SpaceKind

    suite = table("C-suite", kind=SpaceKind.DELEGATION_PREMISES, host_party=PartyId("C"))
    with pytest.raises(DomainError) as caught:
        event(
            ["A", "B", "C"],
            [meeting("m", "A", "B", spaces=(SpaceId("C-suite"),))],
            spaces=(table("T1"), suite),
        )
    assert str(caught.value) == (
        "meetings[0].spaces[0]: 'C-suite' belongs to 'C', which is not a side of the meeting"
    )


def test_a_meeting_takes_a_language_pair_the_pool_has_interpreters_for() -> None:
    from sidelines.domain import InterpreterPool

    built = event(
        [principal("A", languages=("ja", "en")), principal("B", languages=("ru",))],
        [meeting("m", "A", "B")],
        interpreters=(InterpreterPool(("ja", "ru"), 0), InterpreterPool(("en", "ru"), 1)),
    )
    assert built.interpretation_of(built.meetings[0]) == {frozenset({"en", "ru"})}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("no_show_after_min", -1),
        ("refill_confirm_min", -5),
        ("request_reminder_hours", -1),
        ("max_open_requests_per_party", 0),
        ("max_open_requests_per_target", 0),
    ],
)
def test_attendance_and_request_limits_refuse_values_out_of_range(field: str, value: int) -> None:
    with pytest.raises(DomainError) as caught:
        EventPolicy(**{field: value})
    assert caught.value.path == f"policy.{field}"


def test_attendance_and_request_limits_take_their_least_values() -> None:
    policy = EventPolicy(
        no_show_after_min=0,
        refill_confirm_min=0,
        request_reminder_hours=0,
        max_open_requests_per_party=1,
        max_open_requests_per_target=1,
    )
    assert (policy.no_show_after_min, policy.max_open_requests_per_party) == (0, 1)
