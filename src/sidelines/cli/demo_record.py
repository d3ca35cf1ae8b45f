"""The record of the seed story in the demo (DESIGN.md §8): on site, Putin and Obama agree a
brief conversation at the start of the retreat; it is held; the Kremlin's press secretary
confirms it, as Reuters and RIA Novosti reported; and the pair's history holds their previous
meetings, the last of them on the sidelines of the G20 summit in Hangzhou."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

from sidelines.domain import MeetingFormat, TimeSpan
from sidelines.domain.negotiation import Answer, MeetingStatus
from sidelines.formats.history_file import load_history
from sidelines.services import history, interests, meetings, negotiation, record, statements
from sidelines.services.actors import Actor
from sidelines.services.events import domain_event
from sidelines.services.negotiation import Terms
from sidelines.services.record import Outcome
from sidelines.services.statements import Source, StatementIn, StatementKind, Visibility
from sidelines.storage.db import Database

RETREAT_DAY = date(2016, 11, 20)
# Peskov's words, as RIA Novosti quoted them.
PESKOV = (
    "At the beginning of the retreat (working session) the presidents greeted each other and "
    "briefly spoke."
)


def add_seed_record(
    db: Database, organiser: Actor, russia: Actor, usa: Actor, history_file: Path
) -> str:
    """Play the seed story's record into the demo; the "last met" answer before Lima."""
    assert russia.event_id is not None
    event_id = russia.event_id
    with db.reading() as session:
        event = domain_event(session, event_id)
    interests.mark_open_to_contact(db, russia, event_id, "USA")
    interests.mark_open_to_contact(db, usa, event_id, "RUS")
    window = TimeSpan(event.local(RETREAT_DAY, time(8, 30)), event.local(RETREAT_DAY, time(9, 30)))
    asked = negotiation.create_request(
        db,
        russia,
        event_id,
        ["USA"],
        Terms(format=MeetingFormat.BRIEF_CONTACT, windows=(window,), topics=("Syria", "Ukraine")),
        priority=8,
        on_site=True,
    )
    agreed = negotiation.respond(db, usa, event_id, asked.id, Answer.ACCEPT)
    assert agreed.meeting_id is not None
    placed = meetings.get_meeting(db, russia, event_id, agreed.meeting_id)
    held = record.record_outcome(
        db,
        russia,
        event_id,
        agreed.meeting_id,
        Outcome(MeetingStatus.HELD, started_at=placed.starts_at, ended_at=placed.ends_at),
    )
    said_at = held.ended_at or window.end
    statements.make_statement(
        db,
        russia,
        event_id,
        StatementIn(
            kind=StatementKind.CONFIRMATION,
            text=PESKOV,
            said_at=said_at + timedelta(minutes=30),
            meeting_id=agreed.meeting_id,
            visibility=Visibility.PUBLIC,
            speaker="Dmitry Peskov, Press Secretary of the President of Russia",
            described_format="a short conversation",
            sources=(Source("Reuters"), Source("RIA Novosti")),
        ),
    )
    history.import_history(db, organiser, load_history(history_file))
    found = history.last_met(db, organiser, ("RUS", "USA"), before=event.days[0])
    assert found is not None
    return f"Before Lima, Putin and Obama last met {found.sentence}."
