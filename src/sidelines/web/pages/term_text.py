"""The terms of a request in words, as the thread page shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sidelines.domain import Event, PartyId, PrincipalId, SpaceId
from sidelines.domain.attendance import Level
from sidelines.domain.terms import HOST_SUITE, Term, TermState
from sidelines.services.negotiation import TermView

OPEN = "—"


def _party(event: Event, party: str) -> str:
    found = event.party_by_id.get(PartyId(party))
    return found.name if found is not None else party


def _window(event: Event, start: str, end: str) -> str:
    begin = datetime.fromisoformat(start).astimezone(event.zone)
    finish = datetime.fromisoformat(end).astimezone(event.zone)
    return f"{begin:%a %d %b %H:%M}–{finish:%H:%M}"


def _attendee(event: Event, party: str, entry: dict[str, Any]) -> str:
    if "principal" in entry:
        principal = event.principal_by_id.get(PrincipalId(entry["principal"]))
        who = principal.display_name if principal is not None else entry["principal"]
    else:
        who = f"at the level {Level(entry['level']).label}"
    plus = int(entry.get("plus", 0))
    return f"{_party(event, party)}: {who}" + (f" + {plus}" if plus else "")


def describe(event: Event, term: TermView) -> str:
    """One term's value in words; a dash for an open term."""
    value = term.value
    if term.state is TermState.OPEN or value is None:
        return OPEN
    if term.term is Term.CONTACT:
        return "they meet"
    if term.term is Term.FORMAT:
        return f"{value['format'].replace('_', ' ')}, {value['duration_min']} min"
    if term.term is Term.TIME:
        return ", ".join(_window(event, a, b) for a, b in value) or "any time"
    if term.term is Term.PLACE:
        if value == HOST_SUITE:
            return "the host's suite"
        space = event.space_by_id.get(SpaceId(value))
        return space.name if space is not None else str(value)
    if term.term is Term.HOST:
        return _party(event, value)
    if term.term is Term.ATTENDEES:
        return "; ".join(_attendee(event, p, e) for p, e in value.items())
    if term.term is Term.INTERPRETATION:
        own = value["own"]
        if not own:
            return "from the event's pool"
        return ", ".join(_party(event, p) for p in own) + " bring their own"
    return str(value).replace("_", " ")
