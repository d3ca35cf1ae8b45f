"""Jinja2 templates and the filters that show stored UTC instants in the event's local time."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from sidelines import i18n
from sidelines.domain import Event
from sidelines.i18n import service_texts
from sidelines.i18n.words import field_words, words
from sidelines.services import notice_text
from sidelines.services.venue_time import dated, dated_span
from sidelines.web.pages.session import csrf_token, page_actor, remember_nonce

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES)
# Every text a person reads goes through gettext: ``{{ _("...") }}`` or ``{% trans %}``.
templates.env.add_extension("jinja2.ext.i18n")
# The catalogs of sidelines.i18n, in the language the request chose (``language.py``).
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
)


def local(instant: datetime | None, zone: str, fmt: str = "%H:%M") -> str:
    """An instant as people at the venue read it (DESIGN.md: store UTC, show local time)."""
    if instant is None:
        return ""
    return i18n.format_instant(instant, zone, fmt)


def span(start: datetime, end: datetime, zone: str, fmt: str = "%H:%M") -> str:
    """A meeting's or a session's time at the venue, "10:00–10:30" (``i18n.format_span``): the
    start by ``fmt``, the end on the clock; the zone on both ends when clocks go back."""
    return i18n.format_span(start, end, zone, fmt)


def day(value: date, fmt: str = "%a %d %b") -> str:
    """A day of the event with the reader's weekday and month names."""
    return i18n.format_day(value, fmt)


def stamp(instant: datetime, event: Event, time: bool = True, weekday: bool = False) -> str:
    """When something was said or done, in the venue's time: "19 Nov 14:05", with the year
    ("19 Nov 2016 14:05") unless the event and the instant both fall in the current year, so
    that a past event's thread does not read as this year's (``services.venue_time``)."""
    return dated(instant, event, time=time, weekday=weekday)


templates.env.filters["local"] = local
templates.env.filters["span"] = span
templates.env.filters["dated_span"] = dated_span
# For a span whose two ends are marked up apart (``<time>``): what follows each end's time.
templates.env.globals["zone_marks"] = i18n.zone_marks
templates.env.filters["day"] = day
templates.env.filters["words"] = words
# A meeting's format as a sentence names it ("Expanded bilateral"), not as a value in words.
templates.env.filters["format_words"] = notice_text.format_label
templates.env.filters["field_words"] = field_words
# A sentence raised in English below the pages (a rule a schedule breaks), in the reader's.
templates.env.filters["said"] = service_texts.translate
templates.env.filters["stamp"] = stamp
templates.env.filters["fromiso"] = datetime.fromisoformat
templates.env.filters["language_name"] = i18n.language_name


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page; every page gets the acting user and a CSRF token for its forms."""
    full = {
        "actor": page_actor(request),
        "csrf_token": csrf_token(request),
        "language": i18n.current(),
        "languages": i18n.LANGUAGES,
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    remember_nonce(request, response)
    return response
