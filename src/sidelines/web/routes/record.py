"""The record of an event: meetings' outcomes, encounters, and each side's statements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from sidelines.services import record, statements
from sidelines.services.errors import Invalid
from sidelines.services.record import EncounterIn, Outcome
from sidelines.services.statements import Source, StatementIn
from sidelines.web.bounds import PathId, QueryId
from sidelines.web.deps import ActorDep, DbDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.record_schemas import (
    EncounterCreate,
    EncounterPublic,
    OutcomeCreate,
    OutcomePublic,
    StatementCreate,
    StatementLink,
    StatementPublic,
    StatementUpdate,
)

router = APIRouter(prefix="/api/events/{event_id}", tags=["record"])


def statement_in(
    body: StatementUpdate,
    meeting_id: QueryId = None,
    encounter_id: QueryId = None,
    about_parties: list[str] | None = None,
) -> StatementIn:
    return StatementIn(
        kind=body.kind,
        text=body.text,
        said_at=body.said_at,
        meeting_id=meeting_id,
        encounter_id=encounter_id,
        about_parties=tuple(about_parties or ()),
        visibility=body.visibility,
        speaker=body.speaker,
        described_format=body.described_format,
        topics=tuple(body.topics),
        sources=tuple(Source(s.name, s.kind, s.url) for s in body.sources),
    )


@router.post("/meetings/{meeting_id}/outcome")
def record_outcome(
    event_id: str, meeting_id: PathId, body: OutcomeCreate, db: DbDep, actor: UserDep
) -> OutcomePublic:
    """Record (or amend) what became of a meeting: held with its actual times, held as another
    format, cancelled by a side (the reason is for the two sides only) or not held."""
    outcome = Outcome(
        status=body.status,
        started_at=body.started_at,
        ended_at=body.ended_at,
        held_format=body.held_format,
        cancelled_by=body.cancelled_by,
        reason=body.reason,
    )
    with fields_in("body"):
        return OutcomePublic.model_validate(
            record.record_outcome(db, actor, event_id, meeting_id, outcome)
        )


@router.get("/meetings/{meeting_id}/outcome")
def get_outcome(event_id: str, meeting_id: PathId, db: DbDep, actor: ActorDep) -> OutcomePublic:
    return OutcomePublic.model_validate(record.get_outcome(db, actor, event_id, meeting_id))


@router.post(
    "/encounters",
    status_code=201,
    responses={200: {"model": EncounterPublic, "description": "Joined the other side's log"}},
)
def log_encounter(
    event_id: str, body: EncounterCreate, db: DbDep, actor: UserDep, response: Response
) -> EncounterPublic:
    """Log a contact nobody planned — a greeting, a pull-aside, a word at dinner — afterwards.
    When the other side logged it already (same parties and place, starts within ten
    minutes), this log joins it: 200 with ``joined``, and both sides own it."""
    encounter = EncounterIn(
        parties=tuple(body.parties),
        started_at=body.started_at,
        ended_at=body.ended_at,
        format=body.format,
        place=body.place,
        session_id=body.session_id,
        principals=tuple(body.principals),
        description=body.description,
        topics=tuple(body.topics),
    )
    with fields_in("body"):
        view = record.log_encounter(db, actor, event_id, encounter)
    if view.joined:
        response.status_code = 200
    return EncounterPublic.model_validate(view)


@router.get("/encounters")
def list_encounters(event_id: str, db: DbDep, actor: ActorDep) -> list[EncounterPublic]:
    return [EncounterPublic.model_validate(v) for v in record.list_encounters(db, actor, event_id)]


@router.get("/encounters/{encounter_id}")
def get_encounter(
    event_id: str, encounter_id: PathId, db: DbDep, actor: ActorDep
) -> EncounterPublic:
    return EncounterPublic.model_validate(record.get_encounter(db, actor, event_id, encounter_id))


@router.post("/statements", status_code=201)
def make_statement(
    event_id: str, body: StatementCreate, db: DbDep, actor: UserDep
) -> StatementPublic:
    """A side's statement about one of its meetings or encounters, or on its own about parties
    at the event (``about_parties``); seen by the side only, by its counterpart too, or by
    everyone (``visibility``). A joint statement is a draft between the sides until each has
    signed it."""
    statement = statement_in(body, body.meeting_id, body.encounter_id, body.about_parties)
    with fields_in("body"):
        return StatementPublic.model_validate(
            statements.make_statement(db, actor, event_id, statement)
        )


@router.get("/statements")
def list_statements(
    event_id: str,
    db: DbDep,
    actor: ActorDep,
    meeting_id: QueryId = None,
    encounter_id: QueryId = None,
    about: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> list[StatementPublic]:
    """The statements this reader may see, each side's own, in time order; about one meeting
    or encounter, or about exactly the parties named by ``about`` (repeated)."""
    with fields_in("query"):
        try:
            views = statements.list_statements(
                db,
                actor,
                event_id,
                meeting_id=meeting_id,
                encounter_id=encounter_id,
                about_parties=tuple(about or ()),
            )
        except Invalid as error:
            # The service names the parties as it was given them; the query calls them about.
            error.field = error.field.replace("about_parties", "about")
            raise
    return [StatementPublic.model_validate(v) for v in views]


@router.post("/statements/{statement_id}/signatures")
def sign_statement(
    event_id: str, statement_id: PathId, db: DbDep, actor: UserDep
) -> StatementPublic:
    """Co-sign a joint statement the other side proposed: joint once every side signed."""
    return StatementPublic.model_validate(
        statements.sign_statement(db, actor, event_id, statement_id)
    )


@router.post("/statements/{statement_id}/link")
def link_statement(
    event_id: str, statement_id: PathId, body: StatementLink, db: DbDep, actor: UserDep
) -> StatementPublic:
    """Link a statement made on its own to the meeting or encounter it was about."""
    if (body.meeting_id is None) == (body.encounter_id is None):
        raise Invalid("name a meeting or an encounter", "body.meeting_id")
    with fields_in("body"):
        view = statements.link_statement(
            db,
            actor,
            event_id,
            statement_id,
            meeting_id=body.meeting_id,
            encounter_id=body.encounter_id,
        )
    return StatementPublic.model_validate(view)


@router.get("/statements/{statement_id}")
def get_statement(
    event_id: str, statement_id: PathId, db: DbDep, actor: ActorDep, response: Response
) -> StatementPublic:
    """One statement, with its version as the `ETag` to send back in `If-Match` on `PUT`."""
    view = statements.get_statement(db, actor, event_id, statement_id)
    response.headers["ETag"] = statements.version_tag(view)
    return StatementPublic.model_validate(view)


@router.put(
    "/statements/{statement_id}",
    responses={412: {"description": "The statement changed since the `ETag` in `If-Match`."}},
)
def amend_statement(
    event_id: str,
    statement_id: PathId,
    body: StatementUpdate,
    db: DbDep,
    actor: UserDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> StatementPublic:
    """Change a side's own statement, e.g. publish it; a public statement stays public. With
    `If-Match` holding the `ETag` it was read with, a statement changed since is refused with
    412 and nothing is written; the answer carries the new `ETag`."""
    with fields_in("body"):
        view = statements.amend_statement(
            db, actor, event_id, statement_id, statement_in(body), if_match=if_match
        )
    response.headers["ETag"] = statements.version_tag(view)
    return StatementPublic.model_validate(view)
