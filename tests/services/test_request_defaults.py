"""A request that names no format or length takes the event's own meeting defaults: at a
partnering fair of 20-minute 1:1s at tables, a request is a 20-minute B2B meeting unless a side
proposes otherwise."""

from __future__ import annotations

from dataclasses import replace

from sidelines.domain import EventPolicy, MeetingDefaults, MeetingFormat
from sidelines.services import negotiation
from sidelines.services.actors import Role
from sidelines.services.events import import_event
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests import builders
from tests.services.world import add_user


def _fair(database: Database, defaults: MeetingDefaults, policy: EventPolicy) -> None:
    event = replace(
        builders.event(["A", "B", "C"], grain_min=5, policy=policy),
        id="fair",
        meeting_defaults=defaults,
    )
    organiser = add_user(database, "fair.organiser", Role.ORGANISER, None, None)
    import_event(database, organiser, event)


def _format_asked(database: Database, terms: Terms) -> tuple[str, int | None]:
    delegate = add_user(database, "fair.A", Role.DELEGATE, "fair", "A")
    request = negotiation.create_request(database, delegate, "fair", ["B"], terms)
    asked = request.proposals[-1].terms
    return str(asked.format), asked.duration_min


def test_a_request_without_format_or_length_takes_the_events_defaults(
    database: Database,
) -> None:
    _fair(database, MeetingDefaults(MeetingFormat.B2B, 20), EventPolicy())

    assert _format_asked(database, Terms()) == ("b2b", 20)


def test_another_format_asked_for_keeps_its_own_length(database: Database) -> None:
    _fair(database, MeetingDefaults(MeetingFormat.B2B, 20), EventPolicy())

    asked = _format_asked(database, Terms(format=MeetingFormat.PULL_ASIDE))

    assert asked == ("pull_aside", 10)


def test_an_event_offering_one_format_defaults_to_it(database: Database) -> None:
    _fair(database, MeetingDefaults(), EventPolicy(formats=frozenset({MeetingFormat.B2B})))

    assert _format_asked(database, Terms()) == ("b2b", 30)


def test_without_defaults_a_request_is_a_restricted_bilateral(database: Database) -> None:
    _fair(database, MeetingDefaults(), EventPolicy())

    assert _format_asked(database, Terms()) == ("bilateral_restricted", 30)
