"""``sidelines schedule``: the organiser re-plans the event's published schedule from the
console, reads what publishing the solve would change, and publishes it, as the Solve page and
``/solves`` do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sidelines.cli.onsite import UserOption, as_organiser
from sidelines.cli.pipes import Console
from sidelines.cli.server import DatabaseOption

if TYPE_CHECKING:
    from sidelines.services.actors import Actor
    from sidelines.services.preview import PreviewView
    from sidelines.storage.db import Database

# The services and the database layer are imported inside the commands, as in ``cli.onsite``:
# ``sidelines --help`` should not pay for loading them.

schedule_app = typer.Typer(
    help="Re-plan the event's schedule, preview what publishing changes, publish it.",
    no_args_is_help=True,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
# What a shell answers for a command stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

KeepOutOption = Annotated[
    list[int] | None,
    typer.Option("--keep-out", help="A meeting to keep as published (repeat for more)."),
]


@schedule_app.command("solve")
def solve_command(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    user: UserOption,
    stability: Annotated[
        str | None,
        typer.Option(help="keep, minimal or free (default: minimal once published, else free)."),
    ] = None,
    max_moves: Annotated[
        str | None,
        typer.Option(help="A minimal solve's budget: a count (3) or a percentage (2%)."),
    ] = None,
    # The API's bounds (``web.schemas``): a solve of no time, or of hours, is no request.
    time_limit: Annotated[
        float, typer.Option(help="Seconds the solver may take.", min=0.1, max=600)
    ] = 10.0,
    database: DatabaseOption = None,
) -> None:
    """Solve against the published schedule and print the preview of publishing it.

    Solves the event's agreed meetings against its published schedule, waits for the solve,
    and prints what publishing its result would change."""
    from sidelines.services import preview, solves

    def act(db: Database, actor: Actor) -> PreviewView | str:
        run = solves.start_solve(
            db, actor, event, time_limit_s=time_limit, stability=stability, max_moves=max_moves
        )
        try:
            finished = solves.wait_for_run(db, run.id, timeout_s=time_limit + 60)
        except KeyboardInterrupt:
            # Not left "running" until the event's next solve clears it.
            solves.stop_run(db, run.id, "interrupted")
            errors.print(f"interrupted: solve {run.id} stopped", highlight=False, markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if finished.status != "done":
            return f"solve {run.id} {(finished.result or {}).get('error', finished.status)}"
        return preview.preview(db, actor, event, run.id)

    shown = as_organiser(database, user, act)
    if isinstance(shown, str):
        errors.print(f"error: {shown}", highlight=False, markup=False)
        raise typer.Exit(1)
    _print(shown)


@schedule_app.command("preview")
def preview_command(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    run: Annotated[int, typer.Argument(help="The finished solve's number.")],
    user: UserOption,
    keep_out: KeepOutOption = None,
    database: DatabaseOption = None,
) -> None:
    """What publishing a finished solve would change against the published version."""
    from sidelines.services import preview

    _print(
        as_organiser(
            database,
            user,
            lambda db, actor: preview.preview(db, actor, event, run, keep_out=keep_out or []),
        )
    )


@schedule_app.command("publish")
def publish_command(
    event: Annotated[str, typer.Argument(help="The event's id.")],
    run: Annotated[int, typer.Argument(help="The finished solve's number.")],
    user: UserOption,
    confirm: Annotated[
        str, typer.Option(help="The digest the preview printed: what you confirm to publish.")
    ],
    keep_out: KeepOutOption = None,
    database: DatabaseOption = None,
) -> None:
    """Publish a finished solve whose preview (with the same --keep-out) you confirm."""
    from sidelines.services import solves

    view = as_organiser(
        database,
        user,
        lambda db, actor: solves.publish(
            db, actor, event, run, keep_out=keep_out or [], confirm=confirm
        ),
    )
    console.print(f"published version {view.version}", highlight=False, markup=False)


def _print(view: PreviewView) -> None:
    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    against = f"published version {view.version}" if view.version else "nothing published"
    say(f"solve {view.run_id} against {against}: {view.summary}")
    if view.stale:
        say(f"planned against version {view.planned_against}; solve again for this one")
    t = view.totals
    say(
        f"weight {t.weight}{_change(t.weight_change)}, breaks {t.breaks}"
        f"{_change(t.breaks_change)}, moves {t.moves}{_change(t.moves_change)}, "
        f"principals affected {t.principals_affected}"
    )
    changes = [*view.moved, *view.left_out, *view.added]
    if changes:
        table = Table("meeting", "change", "what", "was", "now", "notice to", box=None)
        for item in changes:
            table.add_row(
                str(item.meeting_id),
                item.kind.replace("_", " "),
                item.label,
                item.was or "-",
                item.now or "-",
                ", ".join(item.delegations),
            )
        console.print(table, highlight=False, markup=False)
    for rule in view.conflicts:
        say(f"conflict [{rule.rule}] {rule.message}")
    say(f"confirm with: --confirm {view.digest}")


def _change(value: int | None) -> str:
    return "" if value is None else f" ({value:+d})"
