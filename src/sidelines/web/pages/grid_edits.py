"""The organiser's edits on the schedule grid: pick a meeting, see where it fits (and why not
elsewhere), move it there, lock, unlock or unplace it.

The grid shows the picked meeting's places (``?meeting=ID``): each cell where it fits holds a
"Move here" button, each other cell the rule it would break. Every edit goes through
``services.edits`` and comes back to the grid, with what was done or why it was refused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.domain import Event
from sidelines.i18n import N_, _
from sidelines.services import edits, meetings, notice_text, schedule_versions
from sidelines.services.actors import Actor
from sidelines.services.edits import ChangeView, EditRefused, PlaceTaken, Target
from sidelines.services.errors import Invalid, ServiceError
from sidelines.web.bounds import DB_ID_MAX, PathId
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import chosen_day, event_of, event_on_site
from sidelines.web.pages.grid import build_grid
from sidelines.web.pages.live import live
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}/grid", tags=["pages"], include_in_schema=False)

# What the grid says after an edit; the query names one of these, never free text.
DONE = {
    "move": N_("Moved. Both sides have a change notice."),
    "lock": N_("Locked: no solve or on-site change will move it."),
    "unlock": N_("Unlocked."),
    "unplace": N_("Taken off the schedule: it stays agreed, waiting for a place."),
}


class DayForm(BaseModel):
    """``seen_version`` is the schedule version the grid was shown at: an edit of a meeting
    another organiser changed since is refused (``edits.ChangedSince``), and the grid shown
    again as it now is."""

    day: str = Field(max_length=10)
    seen_version: int | None = Field(default=None, ge=0, le=DB_ID_MAX)

    @property
    def seen(self) -> int | None:
        return self.seen_version or None  # 0: nothing was published when the grid was shown


class MoveForm(DayForm):
    """``target`` is ``starts_at|space_id`` (no space after the bar: no room)."""

    target: str = Field(max_length=200)
    override: bool = False
    push: bool = False
    waiting: bool = False  # the meeting is agreed and waiting: it is placed, not moved


def _named(
    db: DbDep, actor: Actor, event: Event, meeting_id: int
) -> tuple[str, notice_text.MeetingLabel, str | None]:
    """A meeting as the organiser reads it ("Bilateral, China and United States"), what a
    sentence about it needs, and where it is now in words (None: not placed)."""
    view = meetings.get_meeting(db, actor, event.id, meeting_id)
    label = notice_text.MeetingLabel(view.format, view.parties, view.principals)
    return notice_text.meeting_label(event, label, None), label, view.place


def _pushes(db: DbDep, actor: Actor, event: Event, pushes: list[ChangeView]) -> list[str]:
    """Each meeting a move would push out of the way, in a sentence: which, from where, to
    where ("Bilateral, China and United States moved from Sat 10:00, ... to Sat 11:00, ...")."""
    said = []
    for push in pushes:
        named, label, _place = _named(db, actor, event, push.meeting_id)
        said.append(notice_text.describe(event, "moved", named, push.before, push.after, label))
    return said


def edit_context(
    db: DbDep, actor: Actor, event: Event, day: date, meeting: int | None, done: str | None
) -> dict[str, Any]:
    """What the grid shows beside the day: locked meetings, the agreed meetings waiting for a
    place, and the picked meeting (in words) with its places by (start, space id or "")."""
    context: dict[str, Any] = {
        "locked": edits.locked_meetings(db, actor, event.id),
        "waiting": edits.waiting_meetings(db, actor, event.id),
        "done": _(DONE[done]) if done in DONE else None,
        "picked": None,
        "picked_label": None,
        "picked_place": None,
        # Each cell's place; one that only meetings able to move are in offers to make room.
        "places": {},
    }
    if meeting is not None:
        view = edits.meeting_places(db, actor, event.id, meeting, day)
        context["picked"] = view
        context["picked_label"], _label, context["picked_place"] = _named(db, actor, event, meeting)
        context["places"] = {(p.starts_at, p.space_id or ""): p for p in view.places}
    return context


def grid_page(
    request: Request,
    db: DbDep,
    actor: Actor,
    event: Event,
    day: date,
    meeting: int | None,
    done: str | None = None,
    error: ServiceError | None = None,
) -> Response:
    published = schedule_versions.schedule(db, actor, event.id)
    context = {
        "event": event,
        "schedule": published,
        # The day as it stands: a room closed on site shows closed, an overrun runs on.
        "grid": build_grid(event_on_site(db, event.id), day, published.entries),
        "error": error,
        "violations": error.violations if isinstance(error, EditRefused) else [],
        # The meetings the rules' sentences name, in the reader's language.
        "names": edits.engine_names(db, actor, event.id) if meeting or error else {},
        "pushes": _pushes(db, actor, event, error.pushes) if isinstance(error, PlaceTaken) else [],
        **edit_context(db, actor, event, day, meeting, done),
        **live(db, actor, event.id),
    }
    return render(request, "grid.html", context, status_code=error.status if error else 200)


def _after(
    request: Request,
    db: DbDep,
    actor: Actor,
    event_id: str,
    meeting_id: PathId,
    day: str,
    edit: str,
    call: Any,
) -> Response:
    """Make the edit; back to the grid, with what was done or, refused, with why."""
    event = event_of(db, event_id)
    shown = chosen_day(event, day)
    try:
        call()
    except ServiceError as error:
        picked = meeting_id if not isinstance(error, EditRefused) or edit == "move" else None
        return grid_page(request, db, actor, event, shown, picked, error=error)
    query = f"day={shown.isoformat()}&done={edit}"
    if edit in ("lock", "unlock"):
        query += f"&meeting={meeting_id}"
    return RedirectResponse(f"/events/{event_id}/grid?{query}#grid-status", 303)


def _target(text: str) -> Target:
    start, _bar, space = text.partition("|")
    try:
        starts_at = datetime.fromisoformat(start)
    except ValueError:
        raise Invalid(_("choose a place on the grid"), "target") from None
    return Target(starts_at, space or None)


@router.post("/meetings/{meeting_id}/move", dependencies=[CsrfChecked])
def move(
    request: Request,
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[MoveForm, Form()],
) -> Response:
    """Move a scheduled meeting, or place a waiting one, where the organiser clicked."""
    target = _target(form.target)
    edit = edits.place if form.waiting else edits.move
    return _after(
        request,
        db,
        actor,
        event_id,
        meeting_id,
        form.day,
        "move",
        lambda: edit(
            db,
            actor,
            event_id,
            meeting_id,
            target,
            override=form.override,
            push_others=form.push,
            seen_version=form.seen,
        ),
    )


@router.post("/meetings/{meeting_id}/{action}", dependencies=[CsrfChecked])
def lock_or_unplace(
    request: Request,
    event_id: str,
    meeting_id: PathId,
    action: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[DayForm, Form()],
) -> Response:
    seen = form.seen
    calls = {
        "lock": lambda: edits.lock(db, actor, event_id, meeting_id, locked=True, seen_version=seen),
        "unlock": lambda: edits.lock(
            db, actor, event_id, meeting_id, locked=False, seen_version=seen
        ),
        "unplace": lambda: edits.unplace(db, actor, event_id, meeting_id, seen_version=seen),
    }
    if action not in calls:
        raise Invalid(_("no edit %(action)r") % {"action": action}, "action")
    return _after(request, db, actor, event_id, meeting_id, form.day, action, calls[action])
