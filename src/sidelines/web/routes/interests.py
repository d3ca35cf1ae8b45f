from __future__ import annotations

from fastapi import APIRouter

from sidelines.services import interests
from sidelines.web.deps import DbDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.schemas import MarkCreate, MarksPublic

router = APIRouter(prefix="/api/events/{event_id}", tags=["mutual interest"])


@router.get("/interests")
def list_interests(event_id: str, db: DbDep, actor: UserDep) -> MarksPublic:
    """Whom this delegation would like to meet, and which of those wishes are mutual."""
    return MarksPublic.model_validate(interests.interests(db, actor, event_id))


@router.post("/interests", status_code=201)
def mark_interest(event_id: str, body: MarkCreate, db: DbDep, actor: UserDep) -> MarksPublic:
    with fields_in("body"):
        return MarksPublic.model_validate(interests.mark_interest(db, actor, event_id, body.party))


@router.delete("/interests/{party}")
def unmark_interest(event_id: str, party: str, db: DbDep, actor: UserDep) -> MarksPublic:
    with fields_in("path"):
        return MarksPublic.model_validate(
            interests.mark_interest(db, actor, event_id, party, on=False)
        )


@router.get("/contacts")
def list_contacts(event_id: str, db: DbDep, actor: UserDep) -> MarksPublic:
    """Pairs this delegation marked open to contact ("no meeting planned, but possible")."""
    return MarksPublic.model_validate(interests.open_contacts(db, actor, event_id))


@router.post("/contacts", status_code=201)
def mark_contact(event_id: str, body: MarkCreate, db: DbDep, actor: UserDep) -> MarksPublic:
    with fields_in("body"):
        return MarksPublic.model_validate(
            interests.mark_open_to_contact(db, actor, event_id, body.party)
        )


@router.delete("/contacts/{party}")
def unmark_contact(event_id: str, party: str, db: DbDep, actor: UserDep) -> MarksPublic:
    with fields_in("path"):
        return MarksPublic.model_validate(
            interests.mark_open_to_contact(db, actor, event_id, party, on=False)
        )
