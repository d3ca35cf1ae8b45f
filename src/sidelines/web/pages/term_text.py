"""The terms of a request in words, as the thread page shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sidelines.domain import Event, PartyId, PrincipalId, SpaceId
from sidelines.domain.attendance import Level
from sidelines.domain.terms import HOST_SUITE, Term, TermState
from sidelines.i18n import _, format_span
from sidelines.i18n.words import words
from sidelines.services.negotiation import TermView

OPEN = "—"


def _party(event: Event, party: str) -> str:
    found = event.party_by_id.get(PartyId(party))
    return found.name if found is not None else party


def _window(event: Event, start: str, end: str) -> str:
    begin, finish = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return format_span(begin, finish, event.zone, "%a %d %b %H:%M")


def _attendee(event: Event, party: str, entry: dict[str, Any]) -> str:
    if "principal" in entry:
        principal = event.principal_by_id.get(PrincipalId(entry["principal"]))
        who = principal.display_name if principal is not None else entry["principal"]
    else:
        who = _("at the level %(level)s") % {"level": words(Level(entry["level"]))}
    plus = int(entry.get("plus", 0))
    return f"{_party(event, party)}: {who}" + (f" + {plus}" if plus else "")


def describe(event: Event, term: TermView) -> str:
    """One term's value in words; a dash for an open term."""
    value = term.value
    if term.state is TermState.OPEN or value is None:
        return OPEN
    if term.term is Term.CONTACT:
        return _("they meet")
    if term.term is Term.FORMAT:
        return _("%(format)s, %(minutes)s min") % {
            "format": words(value["format"]),
            "minutes": value["duration_min"],
        }
    if term.term is Term.TIME:
        return ", ".join(_window(event, a, b) for a, b in value) or _("any time")
    if term.term is Term.PLACE:
        if value == HOST_SUITE:
            return _("the host's suite")
        space = event.space_by_id.get(SpaceId(value))
        return space.name if space is not None else str(value)
    if term.term is Term.HOST:
        return _party(event, value)
    if term.term is Term.ATTENDEES:
        return "; ".join(_attendee(event, p, e) for p, e in value.items())
    if term.term is Term.INTERPRETATION:
        own = value["own"]
        if not own:
            return _("from the event's pool")
        parties = ", ".join(_party(event, p) for p in own)
        return _("%(parties)s bring their own") % {"parties": parties}
    return words(value)
