"""``sidelines onsite``: the organiser reports a change at the venue from the console, as the API's
``/onsite-changes`` does, and reads what the schedule did to absorb it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from sidelines.cli.pipes import Console
from sidelines.cli.server import DatabaseOption, as_typed, open_database
from sidelines.services.actors import Actor
from sidelines.services.errors import ServiceError

if TYPE_CHECKING:
    from sidelines.services.notice_text import Wording
    from sidelines.services.onsite_changes import AbsorbedView
    from sidelines.storage.db import Database

# The services and the database layer are imported inside the commands: other commands (and
# ``--help``) should not pay for loading them.

T = TypeVar("T")

# The exit code of every command for input it cannot use (``sidelines.cli.main``).
EXIT_BAD_INPUT = 2

onsite_app = typer.Typer(
    help="Changes at the venue: an earlier departure, a session that overruns, a room taken away.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

UserOption = Annotated[
    str, typer.Option("--user", help="The organiser's account the change is recorded under.")
]


def _instant(value: str, name: str) -> datetime:
    """``value`` as an instant: ISO 8601 with its zone (a time without one is no instant: it
    would be read in whatever zone the machine has), else exit code 2 naming ``name``."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        errors.print(f"error: {name}: not an ISO 8601 time: {value!r}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if instant.tzinfo is None:
        errors.print(
            f"error: {name}: must carry a time zone (2016-11-20T10:00-05:00), got "
            f"{instant.isoformat()}",
            highlight=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    return instant


def as_organiser(database: str | None, user: str, act: Callable[[Database, Actor], T]) -> T:
    """Run ``act`` as organiser ``user`` on the database; bad input exits with code 2."""
    from sidelines.services import onsite_changes

    return acting(database, lambda db: onsite_changes.organiser_named(db, user), act)


def acting(
    database: str | None, who: Callable[[Database], Actor], act: Callable[[Database, Actor], T]
) -> T:
    """Run ``act`` as the actor ``who`` finds on the database; bad input exits with code 2."""

    db = open_database(database)
    try:
        return act(db, who(db))
    except ServiceError as error:
        errors.print(f"error: {as_typed(error)}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        db.dispose()


def _run(
    database: str | None,
    user: str,
    event_id: str,
    report: Callable[[Database, Actor], AbsorbedView],
) -> None:
    from sidelines.services import onsite_changes

    def act(db: Database, actor: Actor) -> tuple[AbsorbedView, Wording]:
        view = report(db, actor)
        changed = [m.meeting_id for m in view.moved] + [u.meeting_id for u in view.unplaced]
        return view, onsite_changes.wording(db, actor, event_id, changed)

    _print(*as_organiser(database, user, act))


def _print(view: AbsorbedView, said: Wording) -> None:
    """What the change did, as the organiser's pages say it: each meeting by name, each place
    in venue time with its space by name."""

    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    say(f"recorded {view.change.kind} {view.change.id}")
    if view.version is None:
        say("no meeting had to change")
        return
    say(f"schedule version {view.version}")
    for move in view.moved:
        assert move.after is not None
        before, after = (
            said.place(move.meeting_id, move.before),
            said.place(move.meeting_id, move.after),
        )
        say(f"  {said.name(move.meeting_id)} moved: {before} -> {after}")
    for unplaced in view.unplaced:
        was = said.place(unplaced.meeting_id, unplaced.before)
        say(f"  {said.name(unplaced.meeting_id)} left the schedule (was {was}): {unplaced.reason}")
        say(f"    why: {unplaced.explanation.text}")
        for alternative in unplaced.alternatives:
            say(f"    alternative ({alternative.kind}): {alternative.summary}")


@onsite_app.command("departure")
def departure(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    leaves_at: Annotated[str, typer.Option(help="When they leave (ISO 8601, with its zone).")],
    user: UserOption,
    principal: Annotated[str | None, typer.Option(help="The principal who leaves.")] = None,
    party: Annotated[str | None, typer.Option(help="The party whose principals leave.")] = None,
    database: DatabaseOption = None,
) -> None:
    """A principal, or a whole party, leaves earlier than planned."""
    from sidelines.services import onsite_changes

    at = _instant(leaves_at, "--leaves-at")
    _run(
        database,
        user,
        event,
        lambda db, actor: onsite_changes.report_departure(
            db, actor, event, leaves_at=at, principal_id=principal, party_id=party
        ),
    )


@onsite_app.command("overrun")
def overrun(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    session: Annotated[str, typer.Argument(help="The session's id in the event's programme.")],
    minutes: Annotated[int, typer.Argument(help="How long it runs past its programmed end.")],
    user: UserOption,
    database: DatabaseOption = None,
) -> None:
    """A programme session runs over; its attendees are held for the extra time."""
    from sidelines.services import onsite_changes

    _run(
        database,
        user,
        event,
        lambda db, actor: onsite_changes.report_overrun(
            db, actor, event, session_id=session, extra_min=minutes
        ),
    )


@onsite_app.command("closure")
def closure(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    space: Annotated[str, typer.Argument(help="The space's id.")],
    start: Annotated[str, typer.Option(help="From when (ISO 8601, with its zone).")],
    end: Annotated[str, typer.Option(help="Until when (ISO 8601, with its zone).")],
    user: UserOption,
    database: DatabaseOption = None,
) -> None:
    """A space cannot be used for a while."""
    from sidelines.services import onsite_changes

    span = _instant(start, "--start"), _instant(end, "--end")
    _run(
        database,
        user,
        event,
        lambda db, actor: onsite_changes.report_closure(
            db, actor, event, space_id=space, start=span[0], end=span[1]
        ),
    )
