"""CSV as every export writes it, with the cells a spreadsheet would run defused.

Excel, LibreOffice and Google Sheets read a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula ("CSV injection", OWASP). An export carries text other people
wrote (another delegation's public statement, a place, a speaker), which must not run on the
reader's machine: such a cell gets a leading single quote, the guard OWASP recommends. Numbers
are left alone, so that a negative figure stays a figure.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed decimal is a number to a spreadsheet, not a formula: it stays as written.
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value: object) -> object:
    """``value``, with a leading single quote if it is text a spreadsheet would run."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file: the header ``columns``, then ``rows`` with every cell made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


__all__ = ["csv_text", "spreadsheet_safe"]
