"""Every problem built for an event from the database has the changes reported at its venue
applied, exactly as the engine applies each change itself."""

from __future__ import annotations

from sidelines.domain import PartyId, PrincipalId, SpaceId
from sidelines.scheduling.onsite import EarlierDeparture, SessionOverrun, SpaceUnavailable
from sidelines.services import onsite_changes, recorded_changes
from sidelines.services.event_problem import event_problem
from sidelines.services.events import domain_event
from sidelines.storage.db import Database
from tests import builders
from tests.services.test_onsite_changes import EVENT, make_venue

at = builders.at


def test_the_event_problem_has_every_recorded_change_applied(database: Database) -> None:
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    world = make_venue(
        database, [builders.meeting("ab", "A", "B")], programme=[plenary], publish=False
    )
    with database.reading() as session:
        unchanged, _ = event_problem(session, EVENT, lock_scheduled=False)

    for view in (
        onsite_changes.report_departure(
            database, world.organiser, EVENT, party_id="C", leaves_at=at(10, 30)
        ),
        onsite_changes.report_overrun(
            database, world.organiser, EVENT, session_id="plenary", extra_min=20
        ),
        onsite_changes.report_closure(
            database, world.organiser, EVENT, space_id="T1", start=at(11, 0), end=at(12, 0)
        ),
    ):
        # Nothing is published yet: the change is only recorded, for the coming solve.
        assert (view.version, view.moved, view.unplaced) == (None, [], [])
    with database.reading() as session:
        problem, _ = event_problem(session, EVENT, lock_scheduled=False)

    expected = unchanged
    for change in (
        EarlierDeparture(at(10, 30), party=PartyId("C")),
        SessionOverrun((PrincipalId("A"), PrincipalId("B")), builders.span((10, 0), (10, 20))),
        SpaceUnavailable(SpaceId("T1"), builders.span((11, 0), (12, 0))),
    ):
        expected = change.apply(expected)
    assert problem.principals == expected.principals
    assert problem.spaces == expected.spaces
    assert problem.principals != unchanged.principals
    assert problem.spaces != unchanged.spaces


def test_the_event_as_on_site_has_its_closed_rooms_closed_and_its_overruns_run_on(
    database: Database,
) -> None:
    plenary = builders.session("plenary", ["A", "B"], (9, 0), (10, 0))
    world = make_venue(database, [], programme=[plenary], publish=False)
    for extra_min in (20, 10):  # not added up: the furthest report holds
        onsite_changes.report_overrun(
            database, world.organiser, EVENT, session_id="plenary", extra_min=extra_min
        )
    onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(10, 0), end=at(10, 30)
    )

    with database.reading() as session:
        event = domain_event(session, EVENT)
        shown = recorded_changes.as_on_site(session, event)

    # T1 was open whenever the event runs (09:00-12:00): now all of it but the closure.
    assert shown.space_by_id[SpaceId("T1")].opening_hours == (
        builders.span((9, 0), (10, 0)),
        builders.span((10, 30), (12, 0)),
    )
    assert [s.span for s in shown.programme] == [builders.span((9, 0), (10, 20))]
    assert (shown.principals, shown.days) == (event.principals, event.days)
