"""The seed story in the demo (DESIGN.md §8), played as written.

Before the summit the Kremlin says that no separate talks with the US president are planned,
but that they are possible; on arrival Putin and Obama are open to contact; they agree at the
venue on a brief conversation at the start of the retreat, which the schedule places at the
retreat's opening, at the session itself; it is held; the Kremlin's press secretary confirms
it, as Reuters and RIA Novosti reported. The pair's history, back to their meeting on the
sidelines of the G20 summit in Hangzhou, is in the demo from the start: it happened before.

``sidelines demo`` leaves the story for its user to play (the README says how);
``sidelines demo --played`` plays it here with the same services the pages and the API call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sidelines.domain import MeetingFormat, TimeSpan
from sidelines.domain.negotiation import Answer, MeetingStatus
from sidelines.formats.history_file import load_history
from sidelines.services import history, interests, meetings, negotiation, record, statements
from sidelines.services.actors import Actor
from sidelines.services.errors import Conflict
from sidelines.services.events import domain_event
from sidelines.services.negotiation import Terms
from sidelines.services.record import Outcome
from sidelines.services.statements import (
    Source,
    SourceKind,
    StatementIn,
    StatementKind,
    Visibility,
)
from sidelines.storage.db import Database

RETREAT_DAY = date(2016, 11, 20)
RETREAT = "retreat-1"  # "Leaders' retreat, session I", examples/apec-2016-lima.yaml
PESKOV = "Dmitry Peskov, Press Secretary of the President of Russia"
# Before the summit, as the seed article reports it; the day is not reported.
NOT_PLANNED = (
    "A separate meeting of the two presidents is not planned, but they can meet during the "
    "event: one way or another they will cross paths during the summit."
)
NOT_PLANNED_AT = datetime(2016, 11, 17, 9, 0, tzinfo=UTC)
# Peskov's words, as RIA Novosti quoted them.
CONFIRMED = (
    "At the beginning of the retreat (working session) the presidents greeted each other and "
    "briefly spoke."
)
# A brief contact is five minutes; asked for in the retreat's first quarter of an hour.
OPENING_WINDOW = timedelta(minutes=15)


def add_pair_history(db: Database, organiser: Actor, event_id: str, history_file: Path) -> str:
    """Import the pair's earlier meetings; the "last met" answer before the event."""
    history.import_history(db, organiser, load_history(history_file))
    with db.reading() as session:
        event = domain_event(session, event_id)
    found = history.last_met(db, organiser, ("RUS", "USA"), before=event.days[0])
    assert found is not None
    return f"Before Lima, Putin and Obama last met {found.sentence}."


def play_seed_story(db: Database, russia: Actor, usa: Actor) -> int:
    """Play the seed story through the services; the id of the meeting held at the retreat."""
    assert russia.event_id is not None
    event_id = russia.event_id
    with db.reading() as session:
        event = domain_event(session, event_id)
    retreat = next(s for s in event.programme if s.id == RETREAT)
    statements.make_statement(
        db,
        russia,
        event_id,
        StatementIn(
            kind=StatementKind.ANNOUNCEMENT,
            text=NOT_PLANNED,
            said_at=NOT_PLANNED_AT,
            about_parties=("RUS", "USA"),
            visibility=Visibility.PUBLIC,
            speaker=PESKOV,
            sources=(Source("Kremlin press service", SourceKind.OFFICIAL),),
        ),
    )
    interests.mark_open_to_contact(db, russia, event_id, "USA")
    interests.mark_open_to_contact(db, usa, event_id, "RUS")
    opening = TimeSpan(retreat.span.start, retreat.span.start + OPENING_WINDOW)
    asked = negotiation.create_request(
        db,
        russia,
        event_id,
        ["USA"],
        Terms(format=MeetingFormat.BRIEF_CONTACT, windows=(opening,), topics=("Syria", "Ukraine")),
        priority=8,
        on_site=True,
    )
    agreed = negotiation.respond(db, usa, event_id, asked.id, Answer.ACCEPT)
    assert agreed.meeting_id is not None
    placed = meetings.get_meeting(db, russia, event_id, agreed.meeting_id)
    if placed.starts_at != retreat.span.start:
        raise Conflict(
            f"the brief contact was placed at {placed.starts_at}, not as the retreat opens"
        )
    record.record_outcome(
        db,
        russia,
        event_id,
        agreed.meeting_id,
        Outcome(MeetingStatus.HELD, started_at=placed.starts_at, ended_at=placed.ends_at),
    )
    statements.make_statement(
        db,
        russia,
        event_id,
        StatementIn(
            kind=StatementKind.CONFIRMATION,
            text=CONFIRMED,
            said_at=event.local(RETREAT_DAY, time(10, 30)),
            meeting_id=agreed.meeting_id,
            visibility=Visibility.PUBLIC,
            speaker=PESKOV,
            described_format="a short conversation",
            sources=(Source("RIA Novosti"), Source("Reuters")),
        ),
    )
    return agreed.meeting_id
