"""Errors in input files, located precisely enough to fix them."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A file that cannot be read as what it claims to be.

    It names the file, the line (1-based) when known, the field path when known
    (``meetings[3].principals[1]``), and the problem in words. ``str()`` gives the one-line
    message the command line prints: ``event.yaml:42: meetings[3].principals[1]: unknown
    principal 'XX'``.
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        line: int | None = None,
        path: str = "",
    ) -> None:
        self.file = str(file)
        self.message = message
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
