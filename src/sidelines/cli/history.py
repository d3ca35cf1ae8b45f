"""``sidelines history import``: meetings from the public record, into a pair's history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sidelines.cli.pipes import Console
from sidelines.cli.server import SYSTEM, DatabaseOption, open_database
from sidelines.formats.errors import InputError
from sidelines.services.errors import ServiceError

# The exit code of every command for input it cannot read (``sidelines.cli.main``).
EXIT_BAD_INPUT = 2

history_app = typer.Typer(help="The history of pairs across events.", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


@history_app.command("import")
def history_import(
    file: Annotated[Path, typer.Argument(help="Historical meetings (.csv or .json).")],
    database: DatabaseOption = None,
) -> None:
    """Import historical meetings; a file with any bad row is refused whole.

    Each problem is printed as FILE:LINE: FIELD: PROBLEM."""
    # Imported here so that other commands do not load the database layer (``cli.server``).
    from sidelines.formats.history_file import load_history
    from sidelines.services.history import import_history, latest_today

    try:
        records = load_history(file, held_by=latest_today())
    except InputError as error:
        errors.print(
            "\n".join(f"error: {line}" for line in str(error).splitlines()),
            highlight=False,
            markup=False,
        )
        errors.print(f"{file}: nothing imported", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    db = open_database(database)
    try:
        report = import_history(db, SYSTEM, records)
    except ServiceError as error:
        errors.print(f"error: {file}: {error.message}", highlight=False, markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    finally:
        db.dispose()
    console.print(
        f"imported {report.imported} meeting(s) from {file}; {report.known} already known",
        highlight=False,
    )
