"""The organiser sets an event up through the API: creates it from the event file's structure,
edits its own fields, and adds, replaces or removes its parties, principals, delegations,
spaces and programme sessions; everyone reads them as their role may.

The event's description is stored as the event file's data (``events.spec``), with the rows
other tables refer to (parties, principals, spaces) beside it. Every edit changes that data and
builds the event again with the file's own loader, so the API accepts exactly what an event file
may say and names a bad field by its path. An edit that would leave a request, a meeting, a
login, a statement or a published placement naming what is gone, or break a hard rule of the
published schedule, is refused with 409 saying which; nothing is written then.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.errors import InputError
from sidelines.formats.event_file import DelegationIn, PartyIn, PrincipalIn, SessionIn, SpaceIn
from sidelines.formats.event_loader import dump_event, event_from_data, format_path
from sidelines.scheduling import validate
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    RulesBroken,
    Unauthenticated,
    not_found,
)
from sidelines.services.event_problem import onsite_problem
from sidelines.services.events import (
    domain_event,
    event_row,
    import_event,
)
from sidelines.services.idempotency import Once
from sidelines.services.replans import lock_schedule
from sidelines.services.visibility import takes_part
from sidelines.storage.db import Database
from sidelines.storage.event_rows import meeting_facts_as_domain
from sidelines.storage.tables import (
    CalendarFeedRow,
    ContactRow,
    EncounterPartyRow,
    EncounterRow,
    EventRow,
    InterestRow,
    MeetingPrincipalRow,
    MeetingRow,
    OnsiteChangeRow,
    PartyRow,
    PrincipalRow,
    ProposalRow,
    RequestPartyRow,
    RequestRow,
    SpaceBookingRow,
    SpaceRow,
    StatementRow,
    UserRow,
)

# Each list of the event file an organiser edits item by item: the field that names an item,
# and the item's shape in the file.
SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "parties": ("id", PartyIn),
    "principals": ("id", PrincipalIn),
    "delegations": ("party", DelegationIn),
    "spaces": ("id", SpaceIn),
    "programme": ("id", SessionIn),
}
# The event's own fields an edit may change. Its id names it for good; its meetings come from
# the negotiations (or the import); what the organiser sees changes through ``set_policy``.
EVENT_FIELDS = frozenset(
    {
        "name",
        "series",
        "host_city",
        "host_country",
        "venue",
        "timezone",
        "days",
        "day_start",
        "day_end",
        "morning_ends",
        "grain_min",
        "policy",
        "walking_times",
        "interpreters",
        "meeting_defaults",
    }
)
# Ids as the database stores them (``storage/tables.py``); a longer one is refused by name.
ID_MAX = 64
NAME_MAX = 200
# Any other text of the event (a venue, a space's location, a language, a host city) is short:
# at most this long, so that an edit cannot store, and every page and export repeat, a
# megabyte where a word was meant.
TEXT_MAX = 1000
_ID_FIELDS = frozenset({"id", "party", "host_party"})
_NAME_FIELDS = frozenset({"name", "title"})


def _require_organiser(actor: Actor) -> None:
    if not actor.is_organiser:
        raise Forbidden("only the organiser sets up an event")


def _check_text(data: object, path: tuple[str | int, ...] = ()) -> None:
    """Refuse, by path, what the database cannot store: NUL characters, ids longer than its
    columns, names longer than 200 characters, other texts longer than 1,000. The file's
    loader does not bound lengths, as a file on disk needs no such bound."""
    if isinstance(data, dict):
        for key, value in data.items():
            where = (*path, str(key))
            if isinstance(value, str) and key in _ID_FIELDS and len(value) > ID_MAX:
                raise Invalid(f"an id is at most {ID_MAX} characters", format_path(where))
            if isinstance(value, str) and key in _NAME_FIELDS and len(value) > NAME_MAX:
                raise Invalid(f"a name is at most {NAME_MAX} characters", format_path(where))
            _check_text(value, where)
    elif isinstance(data, str) and len(data) > TEXT_MAX:
        raise Invalid(f"a text is at most {TEXT_MAX} characters", format_path(path))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _check_text(value, (*path, index))
    elif isinstance(data, str) and "\x00" in data:
        raise Invalid("text may not contain NUL characters", format_path(path))


def _build(data: dict[str, Any]) -> Event:
    """The event the data describes; ``Invalid`` naming the first bad field's path."""
    _check_text(data)
    try:
        return event_from_data(data, source="body")
    except InputError as error:
        raise Invalid(error.message, error.path) from None


def create_event(
    db: Database, actor: Actor, data: dict[str, Any], *, once: Once[str] | None = None
) -> str:
    """A new event from the event file's structure (its agreed meetings included); its id.
    With ``once``, the request's idempotency key is kept in the same transaction."""
    _require_organiser(actor)
    return import_event(db, actor, _build(data), audited=True, once=once)


# --- reading the sections ----------------------------------------------------------------------


def list_section(db: Database, actor: Actor, event_id: str, section: str) -> list[BaseModel]:
    """The items of one section as ``actor`` may read them, in the file's order.

    Everyone reads the parties (the public record names them). A delegation reads what it
    needs to compose its requests: every principal with title and rank, every space; of the
    delegations only its own, and a principal's unavailable times only for its own party's.
    The organiser reads everything."""
    key, model = SECTIONS[section]
    with db.reading() as session:
        event = domain_event(session, event_id)
    party = actor.acts_for(event_id)
    if section != "parties" and not takes_part(actor, event_id):
        if actor.user_id is None:
            raise Unauthenticated(f"log in to read the event's {section}")
        raise Forbidden(f"the event's {section} are read by its delegations and the organiser")
    items = [model.model_validate(item) for item in dump_event(event).get(section, [])]
    if actor.is_organiser:
        return items
    if section == "delegations":
        return [item for item in items if getattr(item, key) == party]
    if section == "principals":
        return [
            item.model_copy(update={"unavailable": []})
            if isinstance(item, PrincipalIn) and item.party != party
            else item
            for item in items
        ]
    return items


# --- edits -------------------------------------------------------------------------------------


def update_event(db: Database, actor: Actor, event_id: str, fields: dict[str, Any]) -> Event:
    """Change the event's own fields (``EVENT_FIELDS``); the others stay as they are."""
    _require_organiser(actor)
    for name in fields:
        if name not in EVENT_FIELDS:
            raise Invalid("not a field an edit of the event may change", name)

    def change(spec: dict[str, Any], row: EventRow) -> dict[str, Any]:
        policy = fields.get("policy")
        if policy is not None and policy.get("organiser_sees", row.organiser_sees) != (
            row.organiser_sees
        ):
            raise Invalid(
                "what the organiser sees changes through the event's policy",
                "policy.organiser_sees",
            )
        # The policy's fields left out stay as they are, as the event's own do.
        spec.update({**fields, "policy": {**spec.get("policy", {}), **(policy or {})}})
        return spec

    def locate(path: str, message: str) -> Exception:
        if path.split("[")[0].split(".")[0] in fields:
            return Invalid(message, path)
        return Conflict(f"this change leaves {path} wrong: {message}", path)

    return _edit(db, actor, event_id, change, locate, {"fields": sorted(fields)})


def put_item(
    db: Database, actor: Actor, event_id: str, section: str, item_id: str, item: dict[str, Any]
) -> tuple[BaseModel, bool]:
    """Add the item named ``item_id`` to ``section``, or replace the one of that name; the item
    as stored, and whether it is new. ``item`` is written as in the event file."""
    _require_organiser(actor)
    key, model = SECTIONS[section]
    if item.get(key) not in (None, item_id):
        raise Invalid(f"the {key} is the one in the path, {item_id!r}", key)
    item = {**item, key: item_id}
    added = False
    index = 0

    def change(spec: dict[str, Any], _row: EventRow) -> dict[str, Any]:
        nonlocal added, index
        items = spec.setdefault(section, [])
        index = next((i for i, old in enumerate(items) if old.get(key) == item_id), len(items))
        added = index == len(items)
        items[index : index + 1] = [item]
        return spec

    def locate(path: str, message: str) -> Exception:
        own = f"{section}[{index}]"
        if path == own or path.startswith((own + ".", own + "[")):
            return Invalid(message, path[len(own) :].lstrip("."))
        return Conflict(f"this change leaves {path} wrong: {message}", path)

    event = _edit(
        db,
        actor,
        event_id,
        change,
        locate,
        {"section": section, "item": item_id},
        lambda: {"change": "added" if added else "replaced"},
    )
    stored = next(i for i in dump_event(event)[section] if i.get(key) == item_id)
    return model.model_validate(stored), added


def remove_item(db: Database, actor: Actor, event_id: str, section: str, item_id: str) -> None:
    """Remove the item named ``item_id`` from ``section``; a Conflict where anything still
    names it (another item of the event, a request, a meeting, a login, a statement)."""
    _require_organiser(actor)
    key, _ = SECTIONS[section]

    def change(spec: dict[str, Any], _row: EventRow) -> dict[str, Any]:
        items = spec.get(section, [])
        kept = [item for item in items if item.get(key) != item_id]
        if len(kept) == len(items):
            raise not_found(section.rstrip("s").replace("programme", "programme session"), item_id)
        spec[section] = kept
        return spec

    def locate(path: str, message: str) -> Exception:
        return Conflict(f"{item_id!r} is still named at {path}: {message}", path)

    _edit(
        db,
        actor,
        event_id,
        change,
        locate,
        {"section": section, "item": item_id, "change": "removed"},
    )


def _edit(
    db: Database,
    actor: Actor,
    event_id: str,
    change: Callable[[dict[str, Any], EventRow], dict[str, Any]],
    locate: Callable[[str, str], Exception],
    detail: dict[str, Any],
    more_detail: Callable[[], dict[str, Any]] = dict,
) -> Event:
    """Apply ``change`` to the event's data and store the event it then describes, in one
    transaction under the event's lock (no schedule edit or other setup edit runs beside it).
    ``locate`` turns a loader's error (path, message) into the error the client gets."""

    def work(session: Session) -> Event:
        lock_schedule(session, event_id)
        row = event_row(session, event_id)
        before = domain_event(session, event_id)
        data = change(copy.deepcopy(row.spec), row)
        # What the organiser sees is the row's (``events.set_policy``); the description says
        # the same, so that the event read from it does.
        data["policy"] = {**data.get("policy", {}), "organiser_sees": row.organiser_sees}
        try:
            _check_text(data)
        except Invalid as error:
            # Its path is into the whole event: named as the client wrote it, like the loader's.
            raise locate(error.field, error.english) from None
        # What the database still names first: it says more than the file's dangling paths.
        _refuse_dangling(session, event_id, before, data)
        try:
            after = event_from_data(data, source=f"event {event_id}")
        except InputError as error:
            raise locate(error.path, error.message) from None
        spec = dump_event(replace(after, meetings=()))
        if spec == row.spec:
            return after  # nothing changes (a retried edit, say): nothing to write or audit
        _refuse_broken_schedule(session, event_id, before, after)
        row.spec = spec
        row.name = after.name
        row.timezone = after.timezone
        _store_rows(session, event_id, after)
        # The caches of every process: the parsed description, and what was read from it.
        row.setup_revision = EventRow.setup_revision + 1
        row.revision = EventRow.revision + 1
        audit.record(
            session,
            actor,
            event_id,
            "event.setup_changed",
            "event",
            event_id,
            **{**detail, **more_detail()},
        )
        return after

    return db.write(work)


# --- what an edit may not break ----------------------------------------------------------------


def _count(session: Session, query: Select[int]) -> int:
    return session.scalar(query) or 0


def _ids(data: dict[str, Any], section: str) -> set[str]:
    key, _ = SECTIONS[section]
    return {str(item.get(key)) for item in data.get(section, [])}


def _refuse_dangling(session: Session, event_id: str, before: Event, data: dict[str, Any]) -> None:
    """A Conflict naming what still refers to a party, principal, space or programme session
    the edit takes away (a principal moved to another party counts as taken away). ``data`` is
    the edited event's, whose items name themselves (the stored data always does)."""
    parties = {str(p.id) for p in before.parties} - _ids(data, "parties")
    party_of = {str(p.get("id") or p.get("party")): p.get("party") for p in data["principals"]}
    principals = {str(p.id) for p in before.principals if party_of.get(p.id) != p.party}
    spaces = {str(s.id) for s in before.spaces} - _ids(data, "spaces")
    sessions = {str(s.id) for s in before.programme} - _ids(data, "programme")
    of_requests = select(RequestRow.id).where(RequestRow.event_id == event_id)
    of_meetings = select(MeetingRow.id).where(MeetingRow.event_id == event_id)
    of_encounters = select(EncounterRow.id).where(EncounterRow.event_id == event_id)
    checks: list[tuple[str, set[str], str, Select[int]]] = []

    def check(kind: str, ids: set[str], what: str, column: Any, *where: Any) -> None:
        if ids:
            query = select(func.count()).where(column.in_(sorted(ids)), *where)
            checks.append((kind, ids, what, query))

    check("party", parties, "logins", UserRow.party_id, UserRow.event_id == event_id)
    check(
        "party",
        parties,
        "requests",
        RequestPartyRow.party_id,
        RequestPartyRow.request_id.in_(of_requests),
    )
    check(
        "party",
        parties,
        "meetings",
        MeetingPrincipalRow.party_id,
        MeetingPrincipalRow.meeting_id.in_(of_meetings),
    )
    for table in (InterestRow, ContactRow):
        check("party", parties, "marks of interest", table.from_party, table.event_id == event_id)
        check("party", parties, "marks of interest", table.to_party, table.event_id == event_id)
    check("party", parties, "statements", StatementRow.party_id, StatementRow.event_id == event_id)
    check(
        "party",
        parties,
        "encounters",
        EncounterPartyRow.party_id,
        EncounterPartyRow.encounter_id.in_(of_encounters),
    )
    check(
        "party",
        parties,
        "calendar feeds",
        CalendarFeedRow.party_id,
        CalendarFeedRow.event_id == event_id,
    )
    check(
        "principal",
        principals,
        "meetings",
        MeetingPrincipalRow.principal_id,
        MeetingPrincipalRow.meeting_id.in_(of_meetings),
    )
    check(
        "principal",
        principals,
        "requests",
        RequestPartyRow.principal_id,
        RequestPartyRow.request_id.in_(of_requests),
    )
    check(
        "principal",
        principals,
        "encounters",
        EncounterPartyRow.principal_id,
        EncounterPartyRow.encounter_id.in_(of_encounters),
    )
    check("space", spaces, "meetings", MeetingRow.space_id, MeetingRow.event_id == event_id)
    check(
        "space", spaces, "bookings", SpaceBookingRow.space_id, SpaceBookingRow.event_id == event_id
    )
    check(
        "space", spaces, "requests", ProposalRow.space_id, ProposalRow.request_id.in_(of_requests)
    )
    for kind, ids, column in (
        ("party", parties, OnsiteChangeRow.party_id),
        ("principal", principals, OnsiteChangeRow.principal_id),
        ("space", spaces, OnsiteChangeRow.space_id),
        ("programme session", sessions, OnsiteChangeRow.session_id),
    ):
        check(
            kind, ids, "changes reported at the venue", column, OnsiteChangeRow.event_id == event_id
        )
    check(
        "programme session",
        sessions,
        "encounters",
        EncounterRow.session_id,
        EncounterRow.event_id == event_id,
    )
    for kind, ids, what, query in checks:
        found = _count(session, query)
        if found:
            raise Conflict(
                f"{kind} {', '.join(sorted(ids))} is still named by {found} {what}", kind
            )
    if spaces:
        # The agreed place of a meeting, or its lock, is written in its terms.
        statuses = (MeetingStatus.AGREED, MeetingStatus.SCHEDULED)
        for row, meeting in meeting_facts_as_domain(session, event_id, statuses):
            named = {str(space) for space in meeting.spaces}
            if meeting.locked is not None and meeting.locked.space is not None:
                named.add(meeting.locked.space)
            if named & spaces:
                raise Conflict(
                    f"space {', '.join(sorted(named & spaces))} is the agreed place of "
                    f"meeting {row.id}",
                    "space",
                )


def _violations(problem_and_schedule: tuple[Any, Any]) -> set[tuple[str, str]]:
    problem, schedule = problem_and_schedule
    return {(v.rule, v.message) for v in validate(problem, schedule)}


def _refuse_broken_schedule(session: Session, event_id: str, before: Event, after: Event) -> None:
    """RulesBroken where the published schedule breaks a hard rule under the edited event
    that it kept before (a session moved over a meeting, a space's hours cut short)."""
    placed = _count(
        session,
        select(func.count()).where(
            MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None)
        ),
    )
    if not placed:
        return
    kept = _violations(onsite_problem(session, event_id, event=before))
    broken = sorted(_violations(onsite_problem(session, event_id, event=after)) - kept)
    if broken:
        raise RulesBroken(
            "the published schedule would break rules: "
            + "; ".join(f"[{rule}] {message}" for rule, message in broken[:5]),
            [{"rule": rule, "message": message} for rule, message in broken],
        )


def _store_rows(session: Session, event_id: str, event: Event) -> None:
    """The rows of parties, principals and spaces as the event now describes them."""
    party_rows = {
        r.id: r for r in session.scalars(select(PartyRow).where(PartyRow.event_id == event_id))
    }
    principal_rows = {
        r.id: r
        for r in session.scalars(select(PrincipalRow).where(PrincipalRow.event_id == event_id))
    }
    space_rows = {
        r.id: r for r in session.scalars(select(SpaceRow).where(SpaceRow.event_id == event_id))
    }
    wanted = {str(p.id): str(p.party) for p in event.principals}
    # Principals go first, and come back after their parties: their rows refer to the parties'.
    for ident, principal_row in principal_rows.items():
        if wanted.get(ident) != principal_row.party_id:
            session.delete(principal_row)
    for ident, space_row in space_rows.items():
        if ident not in {s.id for s in event.spaces}:
            session.delete(space_row)
    session.flush()
    for party in event.parties:
        party_row = party_rows.get(party.id)
        if party_row is None:
            session.add(
                PartyRow(event_id=event_id, id=party.id, name=party.name, kind=str(party.kind))
            )
        else:
            party_row.name, party_row.kind = party.name, str(party.kind)
    session.flush()
    for ident in set(party_rows) - {p.id for p in event.parties}:
        session.delete(party_rows[ident])
    for principal in event.principals:
        known = principal_rows.get(principal.id)
        rank = principal.rank.name.lower()
        if known is None or known.party_id != principal.party:
            session.add(
                PrincipalRow(
                    event_id=event_id,
                    id=principal.id,
                    party_id=principal.party,
                    name=principal.name,
                    title=principal.title,
                    rank=rank,
                )
            )
        else:
            known.name, known.title, known.rank = (
                principal.name,
                principal.title,
                rank,
            )
    for space in event.spaces:
        known_space = space_rows.get(space.id)
        if known_space is None:
            session.add(
                SpaceRow(event_id=event_id, id=space.id, name=space.name, kind=str(space.kind))
            )
        else:
            known_space.name, known_space.kind = space.name, str(space.kind)
