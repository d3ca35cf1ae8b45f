"""The history of pairs across events, its import, and the public record of an event."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from sidelines import i18n
from sidelines.services import history
from sidelines.services.actors import PUBLIC
from sidelines.services.errors import Forbidden, Invalid
from sidelines.services.history import By
from sidelines.services.public_record import public_record
from sidelines.web.bounds import FILE_BODY_MAX
from sidelines.web.deps import ActorDep, DbDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.record_schemas import (
    HistoryEntryPublic,
    ImportPublic,
    LastMetPublic,
    PublicRecordPublic,
)

router = APIRouter(tags=["history"])

Key = Annotated[str, Query(min_length=1, max_length=64)]


@router.get("/api/history")
def pair_history(
    db: DbDep,
    actor: ActorDep,
    a: Key | None = None,
    b: Key | None = None,
    by: By = "party",
    topic: Annotated[str | None, Query(max_length=200)] = None,
    before: date | None = None,
) -> list[HistoryEntryPublic]:
    """Every meeting of the pair ``a``–``b`` (party keys, or principal ids with
    ``by=principal``) across events, newest first; or, without a pair, every meeting about
    ``topic`` (a part of a topic's name, or the same subject in English or Russian: "Syria"
    finds "Сирия"). Each reader sees what it may: the public record and its own meetings."""
    if (a is None) != (b is None):
        raise Invalid("name both of the pair, a and b", "query.b" if b is None else "query.a")
    pair = (a, b) if a is not None and b is not None else None
    with fields_in("query"):
        entries = history.pair_history(db, actor, pair, by=by, topic=topic, before=before)
    return [HistoryEntryPublic.model_validate(e) for e in entries]


@router.get("/api/history/last-met")
def last_met(
    request: Request,
    db: DbDep,
    actor: ActorDep,
    a: Key,
    b: Key,
    by: By = "party",
    before: date | None = None,
) -> LastMetPublic:
    """When and where the pair last met (before ``before``, say the first day of the event
    at hand, for "their previous meeting"), in a sentence in the reader's language
    (Accept-Language, as the errors are said)."""
    with fields_in("query"):
        found = history.last_met(db, actor, (a, b), by=by, before=before)
    language = i18n.from_accept_language(request.headers.get("accept-language"))
    with i18n.speaking(language or i18n.DEFAULT):
        said = history.answer(found)
    return LastMetPublic(
        pair=[a, b],
        met=found is not None,
        answer=said,
        entry=None if found is None else HistoryEntryPublic.model_validate(found.entry),
    )


@router.post("/api/history/imports", status_code=201, max_body_size=FILE_BODY_MAX)
async def import_history(
    request: Request,
    db: DbDep,
    actor: UserDep,
    name: Annotated[str, Query(min_length=5, max_length=200, pattern=r"(?i)\.(csv|json)$")],
) -> ImportPublic:
    """Import historical meetings from a CSV or JSON file sent as the body; ``name`` is the
    file's name (its suffix says CSV or JSON). Organiser only. A file with any bad row is
    refused whole, every problem listed by line."""
    if not actor.is_organiser:  # before reading a body only the organiser may send
        raise Forbidden("only the organiser imports history")
    raw = await request.body()
    report = await run_in_threadpool(history.import_history_file, db, actor, raw, name)
    return ImportPublic.model_validate(report)


@router.get("/api/public/events/{event_id}")
def public_event(event_id: str, db: DbDep) -> PublicRecordPublic:
    """The event's public record: meetings and encounters a side made public, with the public
    statements about them. The same for everyone, logged in or not."""
    return PublicRecordPublic.model_validate(public_record(db, event_id))


@router.get("/api/public/pairs/{a}/{b}")
def public_pair(a: str, b: str, db: DbDep) -> list[HistoryEntryPublic]:
    """The public record of a pair across events: imported history and public meetings."""
    with fields_in("path"):
        entries = history.pair_history(db, PUBLIC, (a, b))
    return [HistoryEntryPublic.model_validate(e) for e in entries]
