"""Reading the fields of the request forms into the service's terms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field

from sidelines.domain import Event, MeetingFormat, TimeSpan
from sidelines.domain.errors import DomainError
from sidelines.domain.negotiation import Answer
from sidelines.domain.terms import Term
from sidelines.i18n import _
from sidelines.services.clock import now
from sidelines.services.errors import Invalid
from sidelines.services.negotiation import TermCounter, Terms
from sidelines.services.statements import Source, StatementIn, StatementKind, Visibility
from sidelines.web.pages.context import local_instant


class StatementForm(BaseModel):
    """What a side says, as typed on the meeting's page and the statements page."""

    kind: StatementKind
    visibility: Visibility
    text: str = Field(min_length=1, max_length=5000)
    speaker: str = Field("", max_length=200)
    sources: str = Field("", max_length=500)  # names, separated by commas
    said_at: str = Field("", max_length=25)  # local to the event, "2016-11-20T07:00"; empty: now


def statement_from(
    form: StatementForm,
    event: Event,
    *,
    meeting_id: int | None = None,
    about_parties: tuple[str, ...] = (),
) -> StatementIn:
    """The statement typed, about a meeting or about parties; a bad "said at" is refused."""
    return StatementIn(
        kind=form.kind,
        text=form.text.strip(),
        said_at=said_at_from(form.said_at, event),
        meeting_id=meeting_id,
        about_parties=about_parties,
        visibility=form.visibility,
        speaker=form.speaker.strip(),
        sources=tuple(Source(name.strip()) for name in form.sources.split(",") if name.strip()),
    )


def said_at_from(text: str, event: Event) -> datetime:
    """When a statement was said, typed as a wall-clock time in the event's zone
    ("2016-11-20T07:00", as a datetime-local field sends it); empty: now."""
    if not text.strip():
        return now()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(_("not a date and time: %(text)r") % {"text": text}, "said_at") from None
    said = local.replace(tzinfo=event.zone) if local.tzinfo is None else local
    try:
        said.astimezone(UTC)  # it is stored in UTC: the year must still be one then
    except OverflowError:
        raise Invalid(_("the time is out of range once converted to UTC"), "said_at") from None
    return said


class TermsForm(BaseModel):
    """The proposal fields as typed: times are wall-clock times in the event's zone. Numbers
    come as text, so that an empty field means "not given" and a wrong one gets our message."""

    format: str = str(MeetingFormat.BILATERAL_RESTRICTED)
    duration_min: str = Field("", max_length=10)
    day: str = Field("", max_length=10)
    window_from: str = Field("", max_length=8)
    window_to: str = Field("", max_length=8)
    topics: str = Field("", max_length=500)
    message: str = Field("", max_length=2000)


class ComposeForm(TermsForm):
    invitees: list[str] = []
    priority: str = Field("", max_length=3)
    note: str = Field("", max_length=2000)
    on_site: bool = False


class AnswerForm(TermsForm):
    # Nothing is chosen in advance: one click must not accept a leaders' meeting.
    answer: str = Field("", max_length=20)
    reason: str = Field("", max_length=500)


def answer_from(form: AnswerForm) -> Answer:
    """The answer chosen; a missing one is refused with words, not a validation dump."""
    if not form.answer:
        raise Invalid(_("choose an answer: accept, counter, defer or decline"), "answer")
    try:
        return Answer(form.answer)
    except ValueError:
        raise Invalid(_("unknown answer %(value)r") % {"value": form.answer}, "answer") from None


class TermsAnswerForm(BaseModel):
    """A term-by-term answer as typed: the terms agreed as they stand, and new values for
    others (an empty field leaves a term as it is)."""

    agree: list[str] = []
    place: str = Field("", max_length=64)
    host: str = Field("", max_length=64)
    press: str = Field("", max_length=32)
    principal: str = Field("", max_length=64)  # who attends for this side
    plus: str = Field("", max_length=3)
    own_interpreter: str = Field("", max_length=3)  # "yes", "no" or empty
    message: str = Field("", max_length=2000)


def term_answer_from(form: TermsAnswerForm, party: str) -> tuple[list[Term], TermCounter]:
    """The terms agreed and the counter a term-by-term form gives, for the side ``party``."""
    agreed: list[Term] = []
    for value in form.agree:
        try:
            agreed.append(Term(value))
        except ValueError:
            raise Invalid(_("unknown term %(value)r") % {"value": value}, "agree") from None
    plus = optional_int(form.plus, "plus", _("the number of companions"))
    attendees = None
    if form.principal or plus is not None:
        if not form.principal:
            raise Invalid(_("name who attends with the companions"), "principal")
        attendees = {party: {"principal": form.principal, "plus": plus or 0}}
    own: tuple[str, ...] | None = None
    if form.own_interpreter == "yes":
        own = (party,)
    elif form.own_interpreter == "no":
        own = ()
    counter = TermCounter(
        place=form.place or None,
        host=form.host or None,
        press=form.press or None,
        attendees=attendees,
        own_interpreters=own,
    )
    return agreed, counter


def optional_int(text: str, field: str, what: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        message = _("%(what)s must be a whole number, got %(text)r")
        raise Invalid(message % {"what": what, "text": text}, field) from None


def terms_from(event: Event, form: TermsForm) -> Terms:
    try:
        meeting_format = MeetingFormat(form.format)
    except ValueError:
        raise Invalid(_("unknown format %(value)r") % {"value": form.format}, "format") from None
    windows: tuple[TimeSpan, ...] = ()
    if form.day and not (form.window_from or form.window_to):
        windows = (whole_day(event, form.day),)
    elif form.window_from or form.window_to:
        if not (form.day and form.window_from and form.window_to):
            raise Invalid(_("a window needs its day, its start and its end"), "window_from")
        start = local_instant(event, form.day, form.window_from, "window_from")
        end = local_instant(event, form.day, form.window_to, "window_to")
        try:
            windows = (TimeSpan(start, end),)
        except DomainError:
            raise Invalid(_("the window must end after it starts"), "window_to") from None
    return Terms(
        format=meeting_format,
        duration_min=optional_int(form.duration_min, "duration_min", _("the duration")),
        windows=windows,
        topics=tuple(t.strip() for t in form.topics.split(",") if t.strip()),
        message=form.message.strip(),
    )


def whole_day(event: Event, day: str) -> TimeSpan:
    """A day picked without times: from its local midnight to the next, not "any day"."""
    try:
        next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    except ValueError:
        raise Invalid(_("give a date like 2016-11-20, got %(day)r") % {"day": day}, "day") from None
    return TimeSpan(
        local_instant(event, day, "00:00", "day"), local_instant(event, next_day, "00:00", "day")
    )


def priority_from(text: str) -> int | None:
    return optional_int(text, "priority", _("the priority"))
