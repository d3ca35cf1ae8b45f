"""``sidelines serve``, ``sidelines demo``, ``sidelines user add``, ``sidelines event import``."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sidelines.cli import demo_guard
from sidelines.cli.output import check_out
from sidelines.cli.pipes import Console
from sidelines.domain import MeetingId
from sidelines.formats.errors import InputError
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import ServiceError

if TYPE_CHECKING:
    from sidelines.storage.db import Database

# The web stack, the database layer and the event reader are imported inside the commands that
# use them: ``sidelines --help`` and ``sidelines solve`` should not pay for loading them.

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DEMO_EVENT = "apec-2016-lima.yaml"
DEMO_HISTORY = "history-russia-usa.csv"
# The seed story's meeting is not agreed beforehand: it comes about on site, if both sides want.
DEMO_LEFT_TO_NEGOTIATE = MeetingId("rus-usa")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
# A port a socket can have: 0 (the system picks one) would leave the address unknown.
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: SIDELINES_DATABASE_URL or SQLite)."),
]


def database_url(database: str | None) -> str:
    from sidelines.storage.db import DEFAULT_URL

    return database or os.environ.get("SIDELINES_DATABASE_URL", DEFAULT_URL)


def open_database(
    database: str | None, *, migrate: bool = True, pool_size: int | None = None
) -> Database:
    """The database ``--database`` (or SIDELINES_DATABASE_URL) names, migrated to this
    version's schema (``migrate``) or else only reached once. A URL no driver takes, or a
    database that cannot be opened, ends the command with exit code 2 and one line naming
    ``--database`` (never the URL's password)."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    from sidelines.storage.db import Database

    url = database_url(database)
    try:
        db = Database(url) if pool_size is None else Database(url, pool_size=pool_size)
    except ArgumentError as error:
        dialect = str(error).rpartition("sqlalchemy.dialects:")[2]
        raise _fail(
            f"--database: no database driver for {dialect!r}; " + URL_EXAMPLES
            if "sqlalchemy.dialects:" in str(error)
            else "--database: not a database URL; " + URL_EXAMPLES
        ) from None
    except ValueError:  # a port that is not a number, a broken IPv6 address
        raise _fail("--database: not a database URL; " + URL_EXAMPLES) from None
    try:
        if migrate:
            db.upgrade()
        else:
            with db.engine.connect():
                pass
    except OperationalError as error:
        db.dispose()
        reason = " ".join(str(error.orig).split())
        raise _fail(f"--database: cannot open the database: {reason}") from None
    return db


URL_EXAMPLES = "for example postgresql://user@host/db or sqlite:///sidelines.sqlite3"


# The services' names of what was wrong, as the command line spells what was typed: an option,
# or an argument in capitals as --help shows it.
AS_TYPED = {
    "at": "--at",
    "day": "--day",
    "delegation": "--delegation",
    "end": "--end",
    "event_id": "--event",
    "keep_out": "--keep-out",
    "leaves_at": "--leaves-at",
    "max_moves": "--max-moves",
    "party_id": "--party",
    "password": "--password",
    "principal_id": "--principal",
    "role": "--role",
    "session_id": "SESSION",
    "space": "--space",
    "space_id": "SPACE",
    "stability": "--stability",
    "start": "--start",
    "user": "--user",
    "username": "USERNAME",
}


def as_typed(error: ServiceError) -> str:
    """A service's refusal as the command line says it: what was wrong as it was typed."""
    where = f"{AS_TYPED.get(error.field, error.field)}: " if error.field else ""
    return where + error.message


def _fail(message: str) -> typer.Exit:
    errors.print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(2)


SYSTEM = Actor(Role.ORGANISER, channel="cli")
WORKER_HEALTHCHECK_S = 30
KEEP_ALIVE_S = 75  # idle seconds before a kept-alive connection is closed (nginx's default)


def pool_size_for_server(db: Database, workers: int, pool_size: int | None) -> int:
    """Database connections per worker process: ``pool_size`` if given, else an equal share of
    what PostgreSQL allows (less ``ADMIN_HEADROOM``). Refuses pools that the server can never
    hold all at once, and warns when they would not fit beside the connections others hold."""
    from sidelines.storage.db import ADMIN_HEADROOM, connection_limits, pool_size_for

    limits = connection_limits(db.engine)
    if limits is None:
        return pool_size or pool_size_for(workers)
    if pool_size is None:
        pool_size = pool_size_for(workers, limits.allowed - ADMIN_HEADROOM)
    wanted = workers * pool_size
    reserved = f", {limits.reserved} of them reserved for superusers" if limits.reserved else ""
    if wanted > limits.allowed:
        raise _fail(
            f"{workers} workers need {wanted} database connections ({pool_size} each), more "
            f"than the {limits.allowed} PostgreSQL allows (max_connections = "
            f"{limits.max_connections}{reserved}); lower --pool-size or --workers, or raise "
            "max_connections"
        )
    if wanted > limits.free:
        errors.print(
            f"warning: {workers} workers need {wanted} database connections ({pool_size} "
            f"each), but only {limits.free} of the {limits.allowed} PostgreSQL allows are free "
            f"({limits.in_use} in use); under load some requests may be refused with 503",
            highlight=False,
            markup=False,
        )
    return pool_size


def serve(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    pool_size: Annotated[
        int | None,
        typer.Option(
            help="Database connections per worker, and so requests each serves at once "
            "(default: an equal share of PostgreSQL's max_connections, at most 4).",
            envvar="SIDELINES_POOL_SIZE",
            min=1,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Addresses of the reverse proxy, comma-separated, whose X-Forwarded-For and "
            "X-Forwarded-Proto are trusted (default: nobody's; the peer is the client).",
            envvar="SIDELINES_FORWARDED_ALLOW_IPS",
        ),
    ] = None,
    worker: Annotated[
        bool,
        typer.Option(
            help="Start one `sidelines worker` beside the server for messages, batch solves "
            "and the attendance and request sweeps (--no-worker where workers run on their own)."
        ),
    ] = True,
) -> None:
    """Serve the API and the pages, with a worker (migrating the database first).

    The worker sends messages, runs batch solves and the attendance and request sweeps."""

    from sidelines.web.settings import Settings

    url = database_url(database)
    os.environ["SIDELINES_DATABASE_URL"] = url
    try:
        Settings()
    except ValueError as error:
        raise _fail(str(error)) from None
    db = open_database(url, pool_size=1)
    pool_size = pool_size_for_server(db, workers, pool_size)
    db.dispose()
    # The workers read their settings from the environment (``web.main``).
    os.environ["SIDELINES_WORKERS"] = str(workers)
    os.environ["SIDELINES_POOL_SIZE"] = str(pool_size)
    at_once = Settings().at_once_per_process()
    each = "s, each" if workers > 1 else ""
    console.print(
        f"{workers} worker{each} with {pool_size} database connection"
        f"{'s' if pool_size > 1 else ''} and {at_once} request{'s' if at_once > 1 else ''} "
        "at once",
        highlight=False,
    )
    from sidelines.cli.worker import start_worker

    if worker:
        # Batch solves go to the worker, out of the web processes' interpreters (unless the
        # environment says otherwise).
        os.environ.setdefault("SIDELINES_SOLVE_IN_WORKER", "true")
    messages = start_worker(url) if worker else None
    try:
        _run_server(host, port, workers, forwarded_allow_ips)
    finally:
        if messages is not None:
            messages.terminate()
            messages.wait(timeout=30)


def _run_server(host: str, port: int, workers: int, forwarded_allow_ips: str | None) -> None:
    import uvicorn

    uvicorn.run(
        "sidelines.web.main:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The supervisor kills a worker that does not answer its ping in time, and a worker
        # starting on a busy machine can take longer than uvicorn's 5 s to import everything
        # before it answers (seen three times in a row under load: each replacement started
        # over, and served nothing meanwhile).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        # A client that keeps connections for reuse must let them go before the server does:
        # with uvicorn's 5 s, the same as httpx's default, a request sent on a connection just
        # as the server closed it failed as a broken connection (two in each 5-minute run).
        timeout_keep_alive=KEEP_ALIVE_S,
        # Forwarded headers name the client and the scheme only when they come from the proxy
        # named here; uvicorn's own default trusts any process on the same machine.
        **forwarding(forwarded_allow_ips),
        log_level="info",
    )


def forwarding(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn's settings for forwarded headers: trusted from ``forwarded_allow_ips`` only."""
    if not forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}


def demo(
    database: Annotated[Path, typer.Option(help="SQLite file for the demo (made anew).")] = Path(
        "sidelines-demo.sqlite3"
    ),
    port: PortOption = 8000,
    # Named as typed: a flag named for itself has no --no- twin ("--no-no-serve").
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up the database and stop.")
    ] = False,
    played: Annotated[
        bool, typer.Option(help="Play the seed story too, for a look at how it ends.")
    ] = False,
) -> None:
    """A fresh demo: APEC 2016 Lima with its agreed meetings scheduled, and logins.

    The seed story is left for you to play (the README says how), unless --played. Refuses to
    start over a demo still running on the same database or port."""
    check_out(database, "--database")
    refused = demo_guard.refusal(database, None if no_serve else port)
    if refused is not None:
        raise _fail(refused)
    from sidelines.cli.demo_record import add_pair_history, play_seed_story
    from sidelines.formats.event_loader import load_event
    from sidelines.services import accounts, events, solves

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    db = open_database(url)
    event = load_event(EXAMPLES / DEMO_EVENT)
    event = replace(
        event, meetings=tuple(m for m in event.meetings if m.id != DEMO_LEFT_TO_NEGOTIATE)
    )
    logins = {
        "protocol": (Role.ORGANISER, None),
        "russia": (Role.DELEGATE, "RUS"),
        "usa": (Role.DELEGATE, "USA"),
    }
    passwords = {name: secrets.token_urlsafe(9) for name in logins}
    accounts.create_user(db, "protocol", passwords["protocol"], Role.ORGANISER)
    organiser = accounts.log_in(db, "protocol", passwords["protocol"]).actor
    events.import_event(db, organiser, event)
    for name, (role, party) in logins.items():
        if role is Role.DELEGATE:
            accounts.create_user(db, name, passwords[name], role, event_id=event.id, party_id=party)
    run = solves.start_solve(db, organiser, event.id, time_limit_s=5)
    run = solves.wait_for_run(db, run.id, timeout_s=120)
    solves.publish(db, organiser, event.id, run.id)
    last_met = add_pair_history(db, organiser, event.id, EXAMPLES / DEMO_HISTORY)
    if played:
        russia, usa = (
            accounts.log_in(db, name, passwords[name]).actor for name in ("russia", "usa")
        )
        play_seed_story(db, russia, usa)
    db.dispose()
    console.print(f"[bold]{event.name}[/bold] — {len(event.meetings)} agreed meetings scheduled")
    console.print(f"database: {database}")
    console.print(last_met)
    if played:
        console.print(
            "The seed story is played: the Kremlin's statement before the summit, the brief "
            "contact at the start of the retreat, Peskov's confirmation."
        )
    else:
        console.print('The seed story is yours to play: README.md, "Playing the seed story".')
    for name, (_, party) in logins.items():
        who = "organiser (host's protocol service)" if party is None else f"delegation {party}"
        console.print(f"  login [bold]{name}[/bold] / {passwords[name]}  — {who}")
    console.print(f"pages: http://127.0.0.1:{port}/   API and its documentation: /docs")
    if not no_serve:
        with demo_guard.noted(database):
            serve(database=url, port=port)


user_app = typer.Typer(help="Accounts.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="organiser or delegate.")] = Role.ORGANISER,
    event: Annotated[str | None, typer.Option(help="Event of a delegate.")] = None,
    party: Annotated[str | None, typer.Option(help="Party a delegate acts for.")] = None,
    database: DatabaseOption = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,  # not "Password []:"
            help="Asked for when not given; at least 8 characters.",
        ),
    ] = "",
) -> None:
    """Create an account (the first organiser, or a delegation member)."""
    from sidelines.services import accounts

    db = open_database(database)
    try:
        user_id = accounts.create_user(db, username, password, role, event_id=event, party_id=party)
    except ServiceError as error:
        raise _fail(as_typed(error)) from None
    console.print(f"created {role} {username!r} (id {user_id})")


event_app = typer.Typer(help="Events.", no_args_is_help=True)


@event_app.command("import")
def event_import(
    file: Annotated[Path, typer.Argument(help="Event file (.yaml, .yml, .json).")],
    database: DatabaseOption = None,
    without_meetings: Annotated[
        bool, typer.Option(help="Leave out the file's meetings (they come from negotiation).")
    ] = False,
) -> None:
    """Import an event: parties, principals, programme, spaces and (agreed) meetings."""
    from sidelines.formats.event_loader import load_event
    from sidelines.services import events

    try:
        event = load_event(file)
    except InputError as error:
        raise _fail(str(error)) from None
    db = open_database(database)
    try:
        events.import_event(db, SYSTEM, event, with_meetings=not without_meetings)
    except ServiceError as error:
        raise _fail(f"{file}: {error.message}") from None
    meetings = (
        f"{len(event.meetings)} meetings"
        if not without_meetings
        else "no meetings (they come from negotiation)"
    )
    sessions = len(event.programme)
    console.print(
        f"imported {event.id!r}: {len(event.parties)} parties, {len(event.principals)} "
        f"principals, {len(event.spaces)} spaces, {sessions} programme "
        f"session{'' if sessions == 1 else 's'}, {meetings}"
    )


class ExportFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@event_app.command("export")
def event_export(
    event_id: Annotated[str, typer.Argument(help="The event's id.")],
    file_format: Annotated[ExportFormat, typer.Option("--format", help="yaml or json.")] = (
        ExportFormat.YAML
    ),
    database: DatabaseOption = None,
) -> None:
    """Print the event as an event file, which `sidelines event import` reads back."""
    from sidelines.services import exports

    db = open_database(database)
    try:
        data = exports.event_file(db, SYSTEM, event_id)
    except ServiceError as error:
        raise _fail(error.message) from None
    typer.echo(exports.render_event_file(data, str(file_format)), nl=False)
