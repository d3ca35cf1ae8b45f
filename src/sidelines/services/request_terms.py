"""The terms of a request in the database, checked against the event, and what binds a meeting.

Values are stored as ``domain.terms`` describes them, in JSON:

- ``contact``: true
- ``format``: {"format": "pull_aside", "duration_min": 10}
- ``time``: [[start ISO, end ISO], ...]  (an empty list: any time of the event)
- ``place``: a space id, or "host_suite" (the host side's own premises)
- ``host``: a party id, one of the sides
- ``attendees``: {party_id: {"principal": id} or {"level": level, "plus": n}}
- ``interpretation``: {"own": [party_id, ...]}  (the sides that bring their own interpreter;
  an empty list: from the event's pool)
- ``press``: "none" | "pool_spray" | "open_press"

Every value is checked against the event and the sides before anything is written; a bad one
is refused with ``Invalid`` naming the field as the client sent it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from sidelines.domain import (
    DomainError,
    Event,
    MeetingFormat,
    PartyId,
    Principal,
    PrincipalId,
    SpaceId,
)
from sidelines.domain.attendance import Attendance, Level, attending, by_seniority
from sidelines.domain.formats import defaults_for
from sidelines.domain.meeting import PressPlan
from sidelines.domain.space import Feature, SpaceKind
from sidelines.domain.terms import HOST_SUITE, PRESS_PLANS, Term, TermStatus, open_terms
from sidelines.services.errors import Invalid
from sidelines.storage.inserts import New, table_of
from sidelines.storage.tables import RequestTermRow


@dataclass(frozen=True)
class Sides:
    """The parties of a request and the principal each was asked for (its leading one)."""

    asked: Mapping[str, str]  # party id -> principal id

    @property
    def parties(self) -> list[PartyId]:
        return [PartyId(p) for p in self.asked]


# --- reading and writing the rows ------------------------------------------------------------


# Built once, with the requests as a parameter (every answer reads them).
_TERMS = select(
    RequestTermRow.request_id,
    RequestTermRow.term,
    RequestTermRow.value,
    RequestTermRow.proposed_by,
    RequestTermRow.proposed_in,
    RequestTermRow.agreed_by,
).where(RequestTermRow.request_id.in_(bindparam("request_ids", expanding=True)))


def load(session: Session, request_id: int) -> dict[Term, TermStatus]:
    return load_many(session, [request_id])[request_id]


def load_many(session: Session, request_ids: Sequence[int]) -> dict[int, dict[Term, TermStatus]]:
    """The terms of several requests in one query (for lists of requests)."""
    result = {request_id: open_terms() for request_id in request_ids}
    # Plain columns, not mapped objects: every page of requests reads a few terms per request,
    # and nothing here is written back through them.
    rows = session.execute(_TERMS, {"request_ids": list(request_ids)})
    for request_id, name, value, proposed_by, proposed_in, agreed_by in rows:
        term = Term(name)
        result[request_id][term] = TermStatus(
            term, value, PartyId(proposed_by), proposed_in, frozenset(agreed_by)
        )
    return result


def _changed(
    before: Mapping[Term, TermStatus], after: Mapping[Term, TermStatus]
) -> list[tuple[Term, TermStatus]]:
    """The terms on the table that ``after`` changes (an open term has no row)."""
    return [(t, s) for t, s in after.items() if s != before[t] and s.proposed_by is not None]


def _fill(row: RequestTermRow, status: TermStatus) -> None:
    assert status.proposed_by is not None  # ``_changed`` passes only terms on the table
    row.value = status.value
    row.proposed_by = status.proposed_by
    row.proposed_in = status.proposed_in
    row.agreed_by = sorted(status.agreed_by)


def save(
    session: Session,
    request_id: int,
    before: Mapping[Term, TermStatus],
    after: Mapping[Term, TermStatus],
) -> None:
    """Write the terms that changed, with no read: a term on the table in ``before`` has its
    row, updated; an open one has none, inserted. One statement each, whatever the terms."""
    updates = []
    for term, status in _changed(before, after):
        if before[term].proposed_by is None:
            row = RequestTermRow(request_id=request_id, term=str(term))
            _fill(row, status)
            session.add(row)
        else:
            assert status.proposed_by is not None  # ``_changed`` passes only terms on the table
            updates.append(
                {
                    "of_request": request_id,
                    "of_term": str(term),
                    "new_value": status.value,
                    "new_proposed_by": status.proposed_by,
                    "new_proposed_in": status.proposed_in,
                    "new_agreed_by": sorted(status.agreed_by),
                }
            )
    if updates:
        # A plain executemany on the table, with no autoflush of the transaction's other
        # changes first: they go with its one flush at the commit (the unit of work costs more
        # CPU per flush than the statements it sends).
        with session.no_autoflush:
            session.execute(_UPDATE_TERMS, updates)


# Built once: building a statement costs about what running it does.
_TERMS_TABLE = table_of(RequestTermRow)
_UPDATE_TERMS = (
    update(_TERMS_TABLE)
    .where(
        _TERMS_TABLE.c.request_id == bindparam("of_request"),
        _TERMS_TABLE.c.term == bindparam("of_term"),
    )
    .values(
        {
            key: bindparam(f"new_{key}")
            for key in ("value", "proposed_by", "proposed_in", "agreed_by")
        }
    )
)


def new_rows(
    request_id: int, before: Mapping[Term, TermStatus], after: Mapping[Term, TermStatus]
) -> list[New]:
    """The terms of a new request, which has none stored yet, as rows to insert (the columns
    ``_fill`` sets): no row to look for, and no object, which nothing reads."""
    return [
        New(
            RequestTermRow,
            {
                "request_id": request_id,
                "term": str(term),
                "value": status.value,
                "proposed_by": status.proposed_by,
                "proposed_in": status.proposed_in,
                "agreed_by": sorted(status.agreed_by),
            },
        )
        for term, status in _changed(before, after)
    ]


# --- checking values against the event ----------------------------------------------------------


def principals_of(event: Event, party: str) -> list[Principal]:
    return [p for p in event.principals if p.party == party]


def check_format(event: Event, value: Mapping[str, Any], path: str) -> None:
    meeting_format = MeetingFormat(value["format"])
    if not event.policy.offers(meeting_format):
        offered = ", ".join(sorted(str(f) for f in event.policy.formats))
        raise Invalid(
            f"this event does not offer the format {meeting_format}; it offers {offered}", path
        )


def check_host(host: str, sides: Sides, path: str) -> None:
    if host not in sides.asked:
        raise Invalid(f"the host {host!r} is not a side of this request", path)


def host_premises(event: Event, host: str) -> list[str]:
    """The host party's own premises: "the host's suite" stands for any of them."""
    return sorted(
        s.id
        for s in event.spaces
        if s.kind is SpaceKind.DELEGATION_PREMISES and s.host_party == host
    )


def place_spaces(event: Event, place: str, host: str | None, path: str) -> list[str]:
    """The spaces a place stands for; refused when it names no space of the event."""
    if place == HOST_SUITE:
        if host is None:
            raise Invalid("the host's suite needs a host side: propose one", path)
        premises = host_premises(event, host)
        if not premises:
            raise Invalid(f"the host {host!r} has no premises of its own at this event", path)
        return premises
    if SpaceId(place) not in event.space_by_id:
        raise Invalid(f"unknown space {place!r}", path)
    return [place]


def place_capacity(event: Event, spaces: Sequence[str]) -> int:
    """The most people the place can hold: the meeting may go to any of its spaces."""
    return max(event.space_by_id[SpaceId(s)].capacity for s in spaces)


def attendance_of(value: Mapping[str, Any]) -> Attendance:
    level = value.get("level")
    principal = value.get("principal")
    return Attendance(
        principal=PrincipalId(principal) if principal is not None else None,
        level=Level(level) if level is not None else None,
        plus=int(value.get("plus", 0)),
    )


def check_attendees(event: Event, value: Mapping[str, Any], sides: Sides, path: str) -> None:
    for party, entry in value.items():
        if party not in sides.asked:
            raise Invalid(f"{party!r} is not a side of this request", f"{path}.{party}")
        try:
            attending(attendance_of(entry), principals_of(event, party))
        except DomainError as error:
            raise Invalid(error.message, f"{path}.{party}.{error.path}") from None


def attendees_size(value: Mapping[str, Any] | None, sides: Sides) -> int:
    """How many people the sides bring: each side's principal and its plus N."""
    entries = value or {}
    return sum(1 + int(entries.get(party, {}).get("plus", 0)) for party in sides.asked)


def check_interpretation(value: Mapping[str, Any], sides: Sides, path: str) -> None:
    for index, party in enumerate(value["own"]):
        if party not in sides.asked:
            raise Invalid(f"{party!r} is not a side of this request", f"{path}[{index}]")


def check_press(value: str, path: str) -> None:
    if value not in PRESS_PLANS:
        raise Invalid(f"press plan must be one of {', '.join(PRESS_PLANS)}", path)


def check_press_room(
    event: Event,
    spaces: Sequence[str],
    press: str | None,
    values: Mapping[Term, Any],
    paths: Mapping[Term, str],
    place_path: str,
) -> None:
    """A pool spray or open press needs a press-ready room in the place
    (``rules.terms.press_ready_space``): agreed elsewhere, the meeting could never be placed.
    The answer's own press plan is named when it changed it, else the place."""
    if press is None or PressPlan(press) is PressPlan.NONE:
        return
    if any(Feature.PRESS in event.space_by_id[SpaceId(s)].features for s in spaces):
        return
    names = ", ".join(event.space_by_id[SpaceId(s)].name for s in spaces)
    path = paths[Term.PRESS] if Term.PRESS in values else place_path
    raise Invalid(
        f"the press plan {press} needs a press-ready room; the place ({names}) has none", path
    )


def check(
    event: Event,
    sides: Sides,
    current: Mapping[Term, TermStatus],
    values: Mapping[Term, Any],
    paths: Mapping[Term, str],
) -> None:
    """Refuse values the event or the sides do not have. ``paths`` names, for each term given,
    the path the client wrote it at; the time's windows and the duration are the caller's."""

    def on_table(term: Term) -> Any:
        return values[term] if term in values else current[term].value

    if Term.FORMAT in values:
        check_format(event, values[Term.FORMAT], paths[Term.FORMAT])
    if Term.HOST in values:
        check_host(values[Term.HOST], sides, paths[Term.HOST])
    if Term.ATTENDEES in values:
        check_attendees(event, values[Term.ATTENDEES], sides, paths[Term.ATTENDEES])
    if Term.INTERPRETATION in values:
        check_interpretation(values[Term.INTERPRETATION], sides, paths[Term.INTERPRETATION])
    if Term.PRESS in values:
        check_press(values[Term.PRESS], paths[Term.PRESS])
    place = on_table(Term.PLACE)
    order = (Term.PLACE, Term.HOST, Term.ATTENDEES, Term.PRESS, Term.FORMAT)
    touched = set(order) & set(values)
    if place is None or not touched:
        return
    # A new host moves "the host's suite" to the new host's premises: name the host then.
    place_path = next(paths[t] for t in order if t in values)
    if place == HOST_SUITE and on_table(Term.HOST) is None and touched <= {Term.PRESS, Term.FORMAT}:
        return  # the suite is named once a host is: the press and size are checked then
    spaces = place_spaces(event, place, on_table(Term.HOST), place_path)
    check_press_room(event, spaces, on_table(Term.PRESS), values, paths, place_path)
    attendees = on_table(Term.ATTENDEES)
    if attendees is not None:
        size = attendees_size(attendees, sides)
    else:
        # Without attendees agreed the meeting seats its format's delegations
        # (``Meeting.effective_size``), which the place must hold as well.
        meeting_format = MeetingFormat(on_table(Term.FORMAT)["format"])
        size = defaults_for(meeting_format).size_for(len(sides.asked))
    capacity = place_capacity(event, spaces)
    if size > capacity:
        # Name what this answer changed: a side's plus N (the largest), the format, else the
        # place.
        if values.get(Term.ATTENDEES):
            given = values[Term.ATTENDEES]
            party = max(given, key=lambda p: int(given[p].get("plus", 0)))
            path = f"{paths[Term.ATTENDEES]}.{party}.plus"
        elif attendees is None and Term.FORMAT in values and not {Term.PLACE, Term.HOST} & touched:
            path = paths[Term.FORMAT]
        else:
            path = place_path
        raise Invalid(f"{size} people do not fit the place, which holds {capacity}", path)


# --- what binds the meeting ---------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """What an agreed request makes of its meeting."""

    format: MeetingFormat
    duration_min: int
    windows: list[Any]
    principals: tuple[PrincipalId, ...]
    host: str | None
    terms: dict[str, Any]  # the meeting row's new keys (the shared contract)
    size: int | None


def binding(
    event: Event,
    sides: Sides,
    terms: Mapping[Term, TermStatus],
    agreed: Mapping[Term, Any],
) -> Binding:
    """The meeting the agreed terms describe. A term that is not agreed does not bind; the
    format, always on the table, is taken as it stands when the policy leaves it optional."""
    fmt = agreed.get(Term.FORMAT, terms[Term.FORMAT].value)
    meeting_format = MeetingFormat(fmt["format"])
    duration = fmt.get("duration_min") or defaults_for(meeting_format).duration_min
    extra: dict[str, Any] = {}
    host = agreed.get(Term.HOST)
    if host is not None:
        extra["host"] = host
    place = agreed.get(Term.PLACE)
    if place is not None:
        # The host's suite binds to the host on the table if the host itself was left open.
        extra["spaces"] = place_spaces(event, place, host or terms[Term.HOST].value, "place")
    press = agreed.get(Term.PRESS)
    if press is not None:
        extra["press"] = press
    interpretation = agreed.get(Term.INTERPRETATION)
    if interpretation is not None and interpretation["own"]:
        extra["own_interpreters"] = sorted(interpretation["own"])
    principals = resolve_attendees(event, sides, agreed.get(Term.ATTENDEES))
    size: int | None = None
    if Term.ATTENDEES in agreed:
        entries = agreed[Term.ATTENDEES]
        extra["attendees"] = {
            party: {
                "principal": principals[party].id,
                "plus": int(entries.get(party, {}).get("plus", 0)),
            }
            for party in sides.asked
        }
        size = attendees_size(entries, sides)
        extra["size"] = size
    return Binding(
        meeting_format,
        duration,
        agreed.get(Term.TIME, []),
        tuple(principals[party].id for party in sides.asked),
        host,
        extra,
        size,
    )


def resolve_attendees(
    event: Event, sides: Sides, attendees: Mapping[str, Any] | None
) -> dict[str, Principal]:
    """Who attends for each side: as the attendees term says, else the principal asked for."""
    entries = attendees or {}
    result: dict[str, Principal] = {}
    for party, asked in sides.asked.items():
        if party in entries:
            result[party] = attending(attendance_of(entries[party]), principals_of(event, party))
        else:
            result[party] = event.principal_by_id[PrincipalId(asked)]
    return result


def participants_in_order(
    event: Event, sides: Sides, terms: Mapping[Term, TermStatus]
) -> list[Principal]:
    """The principals who would attend on the terms on the table, in protocol order."""
    try:
        chosen = resolve_attendees(event, sides, terms[Term.ATTENDEES].value)
    except DomainError:
        chosen = {p: event.principal_by_id[PrincipalId(a)] for p, a in sides.asked.items()}
    return by_seniority(chosen.values())
