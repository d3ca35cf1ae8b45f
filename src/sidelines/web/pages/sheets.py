"""Sheets to print from the browser (``services.sheets``): a delegation's run-sheet, the door
sheets of the spaces, the organiser's day overview, each with its version stamp and a QR code
to the page that says whether it is still current. The print stylesheet (``style.css``, ``@media
print``) leaves out the navigation and the buttons and starts each day or space on a new page."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated

import segno
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from sidelines.domain import Event
from sidelines.services import sheet_links, sheets
from sidelines.services.clock import now
from sidelines.services.errors import Invalid, ServiceError
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import chosen_day, event_of
from sidelines.web.pages.session import PageActor, PageUser, page_settings
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)
# The sealed link of a printed sheet, open to anyone who holds it (the space's staff).
public_router = APIRouter(tags=["pages"], include_in_schema=False)


def check_url(request: Request, event_id: str, ref: sheets.SheetRef) -> str:
    secret = page_settings(request).secret
    return str(request.base_url).rstrip("/") + sheet_links.check_path(secret, event_id, ref)


@lru_cache(maxsize=1024)  # a sheet is printed again and again under the same link
def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG, drawn here: a venue's closed network reaches no
    QR service. Segno escapes nothing of ours into it but the path data it draws."""
    return Markup(segno.make(url, error="m").svg_inline(scale=2, title="Is this sheet current?"))


def _days(event: Event, day: str | None) -> list[date]:
    """The day asked for, or every day of the event (each prints on its own page)."""
    return list(event.days) if day is None else [chosen_day(event, day)]


def _stamps(request: Request, event_id: str, refs: list[sheets.SheetRef]) -> dict[str, object]:
    links = {ref.code: check_url(request, event_id, ref) for ref in refs}
    return {
        "links": links,
        "qr": {code: qr_svg(url) for code, url in links.items()},
        "now_at": now(),
    }


@router.get("/print/run-sheet", response_class=HTMLResponse)
def run_sheet(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    day: str | None = None,
    party: str | None = None,
) -> Response:
    event = event_of(db, event_id)
    whose = actor.acts_for(event_id) or party
    if whose is None:
        raise Invalid("name the delegation whose run-sheet to print", "party")
    shown = [sheets.run_sheet(db, actor, event_id, whose, d) for d in _days(event, day)]
    context = {
        "event": event,
        "sheets": shown,
        **_stamps(request, event_id, [s.ref for s in shown]),
    }
    return render(request, "print_run_sheet.html", context)


@router.get("/print/door-sheets", response_class=HTMLResponse)
def door_sheets(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    day: str | None = None,
    space: str | None = None,
) -> Response:
    event = event_of(db, event_id)
    shown = [
        sheet
        for d in _days(event, day)
        for sheet in (
            [sheets.door_sheet(db, actor, event_id, space, d)]
            if space
            else sheets.door_sheets(db, actor, event_id, d)
        )
    ]
    context = {
        "event": event,
        "sheets": shown,
        **_stamps(request, event_id, [s.ref for s in shown]),
    }
    return render(request, "print_door_sheets.html", context)


@router.get("/print/overview", response_class=HTMLResponse)
def overview(
    request: Request, event_id: str, db: DbDep, actor: PageUser, day: str | None = None
) -> Response:
    event = event_of(db, event_id)
    shown = [sheets.overview(db, actor, event_id, d) for d in _days(event, day)]
    context = {
        "event": event,
        "sheets": shown,
        **_stamps(request, event_id, [s.ref for s in shown]),
    }
    return render(request, "print_overview.html", context)


@router.get("/check/{code}", response_class=HTMLResponse)
def check(request: Request, event_id: str, code: str, db: DbDep, actor: PageUser) -> Response:
    """A sheet's check code, for a reader who may read the sheet: is the version it was
    printed from still current, and what changed on it since?"""
    event = event_of(db, event_id)
    currency = sheets.check(db, actor, event_id, sheets.parse_code(code))
    context = {"event": event, "currency": currency, "full": True}
    return render(request, "sheet_check.html", context)


Token = Annotated[str, Path(max_length=sheet_links.TOKEN_MAX)]


@public_router.get("/check/{token}", response_class=HTMLResponse)
def check_sealed(request: Request, token: Token, db: DbDep, actor: PageActor) -> Response:
    """Where a sheet's QR code leads, for anyone: current or superseded, and since when. A
    reader logged in who may read the sheet reads what changed on it too."""
    event_id, ref = sheet_links.unseal(page_settings(request).secret, token)
    currency = sheets.public_check(db, event_id, ref)
    full = False
    if actor.user_id is not None:
        try:
            currency = sheets.check(db, actor, event_id, ref)
            full = True
        except ServiceError:
            pass  # not this reader's sheet: what anyone holding the link reads
    event = event_of(db, event_id)
    context = {"event": event, "currency": currency, "full": full}
    page = render(request, "sheet_check.html", context)
    # The answer changes with the next version: never kept by a browser or a proxy.
    page.headers["Cache-Control"] = "no-store"
    return page
