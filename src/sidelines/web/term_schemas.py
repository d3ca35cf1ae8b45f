"""What a term-by-term answer to a request reads (``POST .../requests/{id}/terms``)."""

from __future__ import annotations

from pydantic import Field, StrictInt

from sidelines.domain import MeetingFormat
from sidelines.domain.terms import Term
from sidelines.web.bounds import Ref
from sidelines.web.schemas import AttendeeIn, Strict, WindowIn


class TermCounterIn(Strict):
    """New values for some terms; a term left out stays as it is on the table. ``place`` is a
    space id or ``"host_suite"``; ``windows`` empty means any time of the event;
    ``own_interpreters`` empty means interpreters from the event's pool."""

    format: MeetingFormat | None = None
    duration_min: StrictInt | None = Field(default=None, ge=1, le=24 * 60)
    windows: list[WindowIn] | None = Field(default=None, max_length=50)
    place: str | None = Field(default=None, max_length=64)
    host: str | None = Field(default=None, max_length=64)
    attendees: dict[Ref, AttendeeIn] | None = Field(default=None, max_length=10)
    own_interpreters: list[Ref] | None = Field(default=None, max_length=10)
    press: str | None = Field(default=None, max_length=32)


class TermsAnswerCreate(Strict):
    """Agree some terms as they are on the table and counter others, in one answer."""

    agree: list[Term] = Field(default_factory=list, max_length=len(Term))
    counter: TermCounterIn = Field(default_factory=TermCounterIn)
    message: str = Field(default="", max_length=5000)
