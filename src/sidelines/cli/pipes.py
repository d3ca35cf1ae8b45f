"""A reader of stdout that goes away (``sidelines solve … | head``) ends the command quietly, as
it ends a Unix tool: no traceback, no message, the status a shell reports for a tool SIGPIPE
ended (141). Click's own handling, and rich's, say nothing but exit 1, the status of a schedule
that breaks rules."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any, NoReturn

import rich.console
import typer
from typer.core import TyperGroup

EXIT_PIPE_CLOSED = 128 + signal.SIGPIPE


def pipe_closed() -> NoReturn:
    """End quietly once stdout's reader has gone: what is still buffered goes to the null
    device, so that the flush at exit raises nothing more (the ``signal`` module's note on
    SIGPIPE), and the status says the pipe closed."""
    # stdout may be no file (an in-process test's): nothing will then flush to the pipe.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(EXIT_PIPE_CLOSED)


class QuietOnClosedPipe(TyperGroup):
    """The commands, any of which ends quietly when what it writes to stdout has no reader."""

    # ``ctx`` is the Click context Typer vendors (``typer._click``), which it does not export.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            pipe_closed()


class Console(rich.console.Console):
    """rich's console, ending quietly as the commands do when its reader has gone."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        pipe_closed()
