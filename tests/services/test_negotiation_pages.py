"""A page of requests is read as plain columns, not mapped objects: its views, and the API's JSON
of them, must be exactly those the writes build from the mapped rows they hold."""

from __future__ import annotations

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer, RequestState
from sidelines.services import negotiation
from sidelines.services.negotiation import Page, RequestView, Terms
from sidelines.storage.db import Database
from sidelines.web.schemas import Page as PagePublic
from sidelines.web.schemas import RequestPublic
from tests import builders
from tests.services.world import make_world

GUESTS = ["G0", "G1", "G2"]


def page_json(items: list[RequestView]) -> bytes:
    page = Page(items, None, len(items))
    return PagePublic[RequestPublic].model_validate(page).model_dump_json().encode()


def opening(i: int) -> Terms:
    """Terms that fill every column of a proposal, a different one for each guest."""
    return Terms(
        format=MeetingFormat.B2B,
        duration_min=30,
        windows=(builders.span((9 + i, 0), (10 + i, 0)),),
        topics=(f"topic {i}", "trade"),
        message=f"from HOST to G{i}",
        attendees={f"G{i}": {"principal": f"G{i}", "plus": 1}} if i else None,
        own_interpreters=(f"G{i}",) if i == 2 else None,
    )


def test_a_sent_page_is_the_views_its_requests_were_written_with(database: Database) -> None:
    world = make_world(database, "pages-sent", ["HOST", *GUESTS])
    host = world.delegates["HOST"]
    written = [
        negotiation.create_request(
            database, host, world.event_id, [guest], opening(i), priority=i + 1, note=f"n{i}"
        )
        for i, guest in enumerate(GUESTS)
    ]

    page = negotiation.list_requests(database, host, world.event_id, box="sent")

    assert page.items == written
    assert page_json(page.items) == page_json(written)


def test_a_received_page_is_the_views_its_answers_were_written_with(database: Database) -> None:
    world = make_world(database, "pages-received", ["HOST", *GUESTS])
    guest = world.delegates["G0"]
    answered = []
    for i, sender in enumerate(GUESTS[1:], start=1):
        made = negotiation.create_request(
            database, world.delegates[sender], world.event_id, ["G0"], opening(i)
        )
        answered.append(
            negotiation.respond(
                database, guest, world.event_id, made.id, Answer.COUNTER, counter=opening(0)
            )
        )

    page = negotiation.list_requests(
        database, guest, world.event_id, box="received", state=RequestState.COUNTERED
    )

    assert page.items == answered
    assert page_json(page.items) == page_json(answered)
