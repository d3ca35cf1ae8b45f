"""A published Lima schedule with a Russia–US bilateral agreed after it: what the tests of the
printed sheets (services, pages, browser) start from."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sidelines.domain.negotiation import Answer
from sidelines.services import edits, meetings, negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.actors import Actor
from sidelines.services.edits import Target
from sidelines.services.meetings import MeetingView
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests.web.helpers import LIMA, Lima, solve_and_publish


def actors(api: Lima) -> dict[str, Actor]:
    found = {party: actor_for_token(api.database, token) for party, token in api.tokens.items()}
    found["organiser"] = actor_for_token(api.database, api.organiser)
    return found


def published_with_russia_us(api: Lima) -> tuple[MeetingView, dict[str, Actor]]:
    """Version 1 from the solver (China–US, Japan–Peru, Australia–Canada), then version 2: a
    Russia–US bilateral agreed and placed; the Russia–US meeting as the US sees it. The
    solver's placements vary from run to run, so tests read where things went."""
    solve_and_publish(api)
    return agree_russia_us(api)


def agree_russia_us(api: Lima) -> tuple[MeetingView, dict[str, Actor]]:
    """A Russia–US bilateral agreed on top of the published schedule, and placed in it."""
    return agree_placed(api, "RUS", "USA")


def agree_placed(api: Lima, a: str, b: str) -> tuple[MeetingView, dict[str, Actor]]:
    """A bilateral of ``a`` and ``b`` agreed on top of the published schedule, and placed."""
    database = api.database
    who = actors(api)
    asked = negotiation.create_request(
        database, who[a], LIMA, [b], Terms(topics=("Syria", "Ukraine"))
    )
    negotiation.respond(database, who[b], LIMA, asked.id, Answer.ACCEPT)
    meeting = _bilateral(database, who, a, b)
    if meeting.starts_at is None:
        # Placing at once has a fraction of a second; on a loaded machine the organiser places it.
        fitting = edits.meeting_places(database, who["organiser"], LIMA, meeting.id)
        spot = next(p for p in fitting.places if p.fits)
        edits.place(
            database, who["organiser"], LIMA, meeting.id, Target(spot.starts_at, spot.space_id)
        )
        meeting = _bilateral(database, who, a, b)
    return meeting, who


def _bilateral(database: Database, who: dict[str, Actor], a: str, b: str) -> MeetingView:
    return next(m for m in meetings.list_meetings(database, who[b], LIMA) if a in m.parties)


def local_day(meeting: MeetingView) -> date:
    assert meeting.starts_at is not None
    return meeting.starts_at.astimezone(ZoneInfo("America/Lima")).date()
