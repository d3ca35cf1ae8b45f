"""``sidelines attendance sweep``: run once what is due at a moment (no-shows marked and their
time offered, unconfirmed offers released, requests reminded or expired), as the organiser's
API does; a worker can run the same on a clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sidelines.cli.onsite import UserOption, _instant, as_organiser, console
from sidelines.cli.server import DatabaseOption

if TYPE_CHECKING:
    from sidelines.services.actors import Actor
    from sidelines.services.attendance import SweepView
    from sidelines.services.notice_text import Wording
    from sidelines.services.request_expiry import RequestSweepView
    from sidelines.storage.db import Database

attendance_app = typer.Typer(
    help="Check-in and no-shows: mark what is due and offer the time it frees.",
    no_args_is_help=True,
)


@attendance_app.command("sweep")
def sweep(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    user: UserOption,
    at: Annotated[
        str | None, typer.Option(help="The moment to sweep at (ISO 8601, with its zone); now.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Mark no-shows, offer the time they free, remind and expire requests.

    Marks the no-shows due, offers the freed time to meetings that wait, releases offers not
    confirmed in time, and reminds and expires unanswered requests."""
    from sidelines.services import attendance, onsite_changes, request_expiry
    from sidelines.services.clock import now

    moment = _instant(at, "--at") if at is not None else now()

    def act(db: Database, actor: Actor) -> tuple[SweepView, RequestSweepView, Wording]:
        swept = attendance.sweep(db, event, moment, actor)
        # Each meeting by name, as the organiser's pages say it, not by its row number.
        changed = [*swept.no_shows, *swept.offered, *swept.released]
        return (
            swept,
            request_expiry.sweep_requests(db, event, moment, actor),
            onsite_changes.wording(db, actor, event, changed),
        )

    swept, requests, said = as_organiser(database, user, act)

    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    for meeting_id in swept.no_shows:
        say(f"{said.name(meeting_id)}: no-show")
    for meeting_id in swept.offered:
        say(f"{said.name(meeting_id)}: offered the freed time, awaiting both sides' confirmation")
    for meeting_id in swept.released:
        say(f"{said.name(meeting_id)}: released, not confirmed in time")
    for request_id, party in requests.reminded:
        say(f"request {request_id}: {party} reminded before it expires")
    for request_id in requests.expired:
        say(f"request {request_id}: expired")
    if swept.version is not None:
        say(f"schedule version {swept.version}")
    if swept.refill_ms is not None:
        say(f"refill offered {swept.refill_ms:.0f} ms after the no-show was marked")
    if not (swept.version or requests.reminded or requests.expired):
        say("nothing was due")
