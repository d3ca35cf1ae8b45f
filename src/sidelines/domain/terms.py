"""Consent term by term: what the sides of a request have settled, and what is still open.

A request carries terms (DESIGN.md §3, "Proposal"): that the sides meet at all (``contact``),
the ``format`` and length, the ``time`` window(s), the ``place``, the ``host`` side, who
attends on each side (``attendees``: a principal or a level, plus N), ``interpretation`` (from
the event's pool, or sides that bring their own) and the ``press`` plan. Each term is

- open: nobody has put a value on the table;
- proposed: a side put a value on the table (and agrees to it); the others have not all agreed;
- agreed: every side of the request agrees to the value on the table.

Protocol officers settle terms in stages — the contact first, then the format, then time and
place — so a side may agree some terms and counter others in one answer. A counter puts a new
value on the table, and only its author agrees to it; a value left unchanged keeps the
agreements it had. A whole counter-proposal (the older way, still open to every side) puts all
its values on the table afresh.

The meeting is agreed when every term the event's policy requires is agreed and no counter
waits for an answer. A term proposed with the opening request and never agreed simply lapses
(an optional wish, not a condition); a counter, by contrast, is a condition the side set, and
the meeting waits until the others agree it or counter it back. Who attends is never left to
lapse once named: the meeting would be held by other people than those asked for. This is
also why a substitution (another principal, a lower level) binds only once the other side
agrees: it is a counter on the ``attendees`` term.

Pure: values are plain JSON-able data, checked against the event by the service layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId


class Term(StrEnum):
    CONTACT = "contact"
    FORMAT = "format"
    TIME = "time"
    PLACE = "place"
    HOST = "host"
    ATTENDEES = "attendees"
    INTERPRETATION = "interpretation"
    PRESS = "press"


class TermState(StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"
    AGREED = "agreed"


# What an event requires before a meeting is agreed, unless its policy says otherwise: that the
# sides meet, in which format, and when. Place, host, attendees, interpretation and press may be
# left to the organiser and to the format's defaults.
DEFAULT_REQUIRED_TERMS: tuple[Term, ...] = (Term.CONTACT, Term.FORMAT, Term.TIME)

# The press plans a meeting may have (the meeting terms' "press" key): nothing, a pool spray
# (photographers in for the handshake, then out), or open press.
PRESS_PLANS: tuple[str, ...] = ("none", "pool_spray", "open_press")

# The place a request may name instead of a space: the host side's own premises, resolved to its
# spaces when the meeting is agreed.
HOST_SUITE = "host_suite"


@dataclass(frozen=True, slots=True)
class TermStatus:
    """One term of one request: the value on the table, who put it there and in which step of
    the thread (``proposed_in``, 1 for the opening request), and who agrees to it."""

    term: Term
    value: Any = None
    proposed_by: PartyId | None = None
    proposed_in: int = 0
    agreed_by: frozenset[PartyId] = frozenset()

    def state(self, parties: Iterable[PartyId]) -> TermState:
        if self.proposed_by is None:
            return TermState.OPEN
        if self.agreed_by >= set(parties):
            return TermState.AGREED
        return TermState.PROPOSED

    @property
    def countered(self) -> bool:
        """Whether the value on the table came from a counter rather than the opening request."""
        return self.proposed_in > 1

    @property
    def must_be_answered(self) -> bool:
        """Whether the meeting waits for this term while it is only proposed: a counter always;
        and who attends, once anyone names it, since letting it lapse would change who meets."""
        return self.countered or (self.term is Term.ATTENDEES and self.proposed_by is not None)


def open_terms() -> dict[Term, TermStatus]:
    return {term: TermStatus(term) for term in Term}


def propose(
    terms: Mapping[Term, TermStatus],
    by: PartyId,
    values: Mapping[Term, Any],
    step: int,
    *,
    whole: bool = False,
) -> dict[Term, TermStatus]:
    """Put ``values`` on the table for ``by`` in thread step ``step``. A value equal to the one
    on the table only adds ``by``'s agreement; a new value replaces it, agreed by ``by`` alone.
    A ``whole`` counter-proposal replaces every value it names, changed or not: the others
    answer the proposal as a whole, as they always could."""
    result = dict(terms)
    for term, value in values.items():
        if term is Term.CONTACT and value is not True:
            raise DomainError("the contact can only be agreed, not countered", "contact")
        current = result[term]
        if not whole and current.proposed_by is not None and current.value == value:
            result[term] = replace(current, agreed_by=current.agreed_by | {by})
        else:
            result[term] = TermStatus(term, value, by, step, frozenset({by}))
    return result


def agree(
    terms: Mapping[Term, TermStatus], by: PartyId, which: Iterable[Term]
) -> dict[Term, TermStatus]:
    """``by`` agrees to the values on the table for ``which``; an open term cannot be agreed."""
    result = dict(terms)
    for term in which:
        current = result[term]
        if current.proposed_by is None:
            raise DomainError(f"the {term} is open: there is nothing to agree yet", str(term))
        result[term] = replace(current, agreed_by=current.agreed_by | {by})
    return result


def agree_all(terms: Mapping[Term, TermStatus], by: PartyId) -> dict[Term, TermStatus]:
    """``by`` accepts everything on the table (the whole current proposal)."""
    return agree(terms, by, [t for t, status in terms.items() if status.proposed_by is not None])


def meeting_agreed(
    terms: Mapping[Term, TermStatus], parties: Iterable[PartyId], required: Iterable[Term]
) -> bool:
    """Every required term is agreed by every side, and no counter (nor a named attendance)
    waits for an answer."""
    sides = frozenset(parties)
    for term in required:
        if terms[term].state(sides) is not TermState.AGREED:
            return False
    return not any(
        status.must_be_answered and status.state(sides) is TermState.PROPOSED
        for status in terms.values()
    )


def binding(terms: Mapping[Term, TermStatus], parties: Iterable[PartyId]) -> dict[Term, Any]:
    """The agreed terms' values: what binds the meeting once it is agreed."""
    sides = frozenset(parties)
    return {
        term: status.value
        for term, status in terms.items()
        if status.state(sides) is TermState.AGREED
    }
