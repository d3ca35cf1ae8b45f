"""The file a command writes (``--out``): refused before any work when it names a folder, and a
write that fails (a folder missing, no permission, a full disk) said in one line; both exit with
code 2, without a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from sidelines.cli.pipes import Console

# The exit code of every command for input it cannot use (``sidelines.cli.main``).
EXIT_BAD_INPUT = 2

errors = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    errors.print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def check_out(path: Path, option: str = "--out") -> None:
    """Refuse ``path`` before the command works for long: a folder cannot be written over."""
    if path.is_dir():
        raise _fail(f"{option}: {path} is a folder; name the file to write")


def write_out(path: Path, write: Callable[[Path], object]) -> None:
    """``write(path)``; an operating system's refusal ends the command naming the file."""
    try:
        write(path)
    except OSError as error:
        # A file where a folder of the path should be reads as "File exists" or "Not a
        # directory" from the system: named instead.
        blocked = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocked} is a file, not a folder" if blocked else error.strerror or error
        raise _fail(f"{path}: cannot write: {reason}") from None
