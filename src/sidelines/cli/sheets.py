"""``sidelines print``: a delegation's run-sheet, a space's door sheet or the organiser's day
overview as PDF, read from the event's database as the pages read it, as the account named
with ``--user`` may see it (``services.sheets``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from sidelines.cli.onsite import EXIT_BAD_INPUT, acting
from sidelines.cli.output import check_out, write_out
from sidelines.cli.pipes import Console
from sidelines.cli.server import DatabaseOption

if TYPE_CHECKING:
    from sidelines.domain import Event
    from sidelines.services.actors import Actor
    from sidelines.services.sheets import SheetRef
    from sidelines.storage.db import Database

# The services, the database layer and the PDF library are imported inside the commands:
# ``sidelines --help`` should not pay for loading them.

S = TypeVar("S")

print_app = typer.Typer(
    help="Print a run-sheet, door sheets or the day overview as PDF.", no_args_is_help=True
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

EventOption = Annotated[str, typer.Option("--event", help="The event's id.")]
ReaderOption = Annotated[
    str,
    typer.Option(
        "--user", help="The account the sheet is read as: the organiser or a delegation member."
    ),
]
DayOption = Annotated[
    str | None, typer.Option("--day", help="A day of the event, 2016-11-20 (default: every day).")
]
OutOption = Annotated[Path, typer.Option("--out", help="The PDF file to write.")]
BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="SIDELINES_BASE_URL",
        help=(
            "The server's address, for the link and QR code that check a sheet is current "
            "(sealed with SIDELINES_SECRET_KEY: set it as the server's)."
        ),
    ),
]
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="The sheet's language, en or ru (default: the one the --user account chose).",
    ),
]


def _days(event: Event, day: str | None) -> list[date]:
    if day is None:
        return list(event.days)
    try:
        return [date.fromisoformat(day)]
    except ValueError:
        errors.print(f"error: --day: not a date like 2016-11-20: {day!r}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _write(
    database: str | None,
    user: str,
    event_id: str,
    day: str | None,
    build: Callable[[Database, Actor, date], list[S]],
    ref: Callable[[S], SheetRef],
    layout: Callable[[Sequence[S], Sequence[str], datetime], bytes],
    base_url: str,
    out: Path,
    language: str | None = None,
) -> None:
    from sidelines import i18n
    from sidelines.cli.sheets_pdf import FontMissing
    from sidelines.services import accounts, sheet_links, sheets
    from sidelines.services.clock import now
    from sidelines.services.events import domain_event
    from sidelines.web.settings import Settings

    check_out(out)
    if language is not None and i18n.supported(language) is None:
        known = ", ".join(i18n.LANGUAGES)
        errors.print(f"error: --language: one of {known}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    # The server's key (SIDELINES_SECRET_KEY) seals the links, as the pages' own: the same
    # sheet, the same link, and it opens on that server.
    try:
        secret = Settings().secret_key.encode()
    except ValueError as error:
        errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    def act(db: Database, actor: Actor) -> tuple[str, list[S]]:
        chosen = language
        if chosen is None and actor.user_id is not None:
            chosen = accounts.language_of(db, actor.user_id)
        chosen = i18n.supported(chosen) or i18n.DEFAULT
        with db.reading() as session:
            event = domain_event(session, event_id)
        with i18n.speaking(chosen):
            return chosen, [sheet for d in _days(event, day) for sheet in build(db, actor, d)]

    spoken, found = acting(database, lambda db: sheets.reader_named(db, user), act)
    links = [base_url.rstrip("/") + sheet_links.check_path(secret, event_id, ref(s)) for s in found]
    try:
        with i18n.speaking(spoken):
            printed = layout(found, links, now())
    except FontMissing as error:
        errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    write_out(out, lambda path: path.write_bytes(printed))
    console.print(f"wrote {out} ({len(found)} page{'s' if len(found) != 1 else ''})", markup=False)


@print_app.command("run-sheet")
def run_sheet_command(
    event: EventOption,
    user: ReaderOption,
    out: OutOption,
    delegation: Annotated[
        str | None,
        typer.Option(help="The delegation's party id (default: the user's own delegation)."),
    ] = None,
    day: DayOption = None,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    database: DatabaseOption = None,
    language: LanguageOption = None,
) -> None:
    """A delegation's run-sheet: its meetings and programme, one page per day."""
    from sidelines.cli.sheets_pdf import run_sheets_pdf
    from sidelines.services import sheets
    from sidelines.services.errors import Invalid

    def build(db: Database, actor: Actor, d: date) -> list[sheets.RunSheet]:
        party = delegation or actor.acts_for(event)
        if party is None:
            raise Invalid("name the delegation with --delegation", "delegation")
        return [sheets.run_sheet(db, actor, event, party, d)]

    _write(
        database, user, event, day, build, lambda s: s.ref, run_sheets_pdf, base_url, out, language
    )


@print_app.command("door-sheet")
def door_sheet_command(
    event: EventOption,
    user: ReaderOption,
    out: OutOption,
    space: Annotated[
        str | None, typer.Option(help="The space's id (default: every space, a page each).")
    ] = None,
    day: DayOption = None,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    database: DatabaseOption = None,
    language: LanguageOption = None,
) -> None:
    """What a space holds on a day, in order, with the names: one page per space and day."""
    from sidelines.cli.sheets_pdf import door_sheets_pdf
    from sidelines.services import sheets

    def build(db: Database, actor: Actor, d: date) -> list[sheets.DoorSheet]:
        if space is None:
            return sheets.door_sheets(db, actor, event, d)
        return [sheets.door_sheet(db, actor, event, space, d)]

    _write(
        database, user, event, day, build, lambda s: s.ref, door_sheets_pdf, base_url, out, language
    )


@print_app.command("overview")
def overview_command(
    event: EventOption,
    user: ReaderOption,
    out: OutOption,
    day: DayOption = None,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    database: DatabaseOption = None,
    language: LanguageOption = None,
) -> None:
    """The organiser's day overview: every space across, the day's time down."""
    from sidelines.cli.sheets_pdf import overviews_pdf
    from sidelines.services import sheets

    def build(db: Database, actor: Actor, d: date) -> list[sheets.Overview]:
        return [sheets.overview(db, actor, event, d)]

    _write(
        database, user, event, day, build, lambda s: s.ref, overviews_pdf, base_url, out, language
    )
