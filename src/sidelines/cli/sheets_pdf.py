"""The printed sheets (``services.sheets``) laid out as PDF with fpdf2, pure Python: the same
content as the pages, one page per day or space, each with its version stamp, the short link to
check it is still current and that link's QR code (drawn from segno's matrix, module by module).

The texts are in the language of the moment (``sidelines.i18n``: the command sets it). A Unicode
font is used where one is found (``pdf_fonts``); else the PDF's built-in Helvetica, which holds
Latin-1 only: letters with marks it lacks are folded to their plain ones, and a sheet with
letters it cannot print at all (Cyrillic, say) is refused with what to install, never printed
with question marks.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from sidelines.cli.pdf_fonts import INSTALL_HINT, unicode_font
from sidelines.i18n import _, format_day, format_span
from sidelines.i18n.words import words
from sidelines.services.sheets import DoorSheet, Overview, RunSheet, SheetMeeting
from sidelines.services.venue_time import dated

QR_SIZE_MM = 28.0
# Typographic marks that Latin-1 lacks, and their plain equivalents.
_PLAIN = str.maketrans(
    {"–": "-", "—": "-", "│": "|", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}
)

Sheet = RunSheet | DoorSheet | Overview


class FontMissing(Exception):
    """The sheet has letters that no font found can print."""

    def __init__(self, letter: str) -> None:
        super().__init__(
            f"the sheet has letters (such as {letter!r}) that the PDF's built-in font "
            f"cannot print, and no Unicode font was found: {INSTALL_HINT}"
        )


class _Writer:
    def __init__(self) -> None:
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(auto=True, margin=12)
        self.pdf.set_margins(12, 12, 12)
        self.family, self.unicode = self._font()

    def _font(self) -> tuple[str, bool]:
        found = unicode_font()
        if found is None:
            return "Helvetica", False
        self.pdf.add_font("Sheet", "", str(found.regular))
        self.pdf.add_font("Sheet", "B", str(found.bold))
        return "Sheet", True

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        value = value.translate(_PLAIN)
        if all(ord(ch) < 256 for ch in value):
            return value
        folded = "".join(
            ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
        )
        for ch in folded:
            if ord(ch) >= 256:
                raise FontMissing(ch)
        return folded

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def line(self, value: str, size: float = 9, bold: bool = False, height: float = 5) -> None:
        self.font(size, bold)
        self.pdf.multi_cell(
            self.pdf.epw - QR_SIZE_MM - 4,
            height,
            self.text(value),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def qr(self, url: str) -> None:
        code = segno.make(url, error="m")
        rows = list(code.matrix_iter(scale=1, border=2))
        module = QR_SIZE_MM / len(rows)
        left = self.pdf.w - self.pdf.r_margin - QR_SIZE_MM
        top = self.pdf.t_margin
        self.pdf.set_fill_color(0, 0, 0)
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    self.pdf.rect(left + x * module, top + y * module, module, module, style="F")

    def header(self, title: str, sheet: Sheet, link: str, printed: datetime) -> None:
        self.pdf.add_page(orientation="L" if isinstance(sheet, Overview) else "P")
        self.qr(link)
        event = sheet.event
        self.line(title, size=14, bold=True, height=7)
        self.line(event.name, size=10)
        version = sheet.version
        if version.number and version.published_at is not None:
            when = dated(version.published_at, event, weekday=True)
            stamp = (
                _("Schedule version %(number)s") % {"number": version.number}
                + ", "
                + _("published %(when)s") % {"when": when}
                + f" ({event.timezone})"
            )
        else:
            stamp = _("Nothing published yet")
        self.line(stamp, size=10, bold=True)
        self.line(_("Still current? Scan the code or open"))
        # On a line of its own, small: a link broken across lines cannot be typed in.
        self.line(link, size=7)
        self.line(
            _("Printed %(when)s. Times in %(zone)s, local to the venue.")
            % {"when": dated(printed, event), "zone": event.timezone}
        )
        self.pdf.set_y(max(self.pdf.get_y(), self.pdf.t_margin + QR_SIZE_MM) + 3)

    def table(
        self,
        widths: Sequence[float],
        heads: Sequence[str],
        rows: list[list[str]],
        size: float = 8.5,
    ) -> None:
        self.font(size)
        self.pdf.set_fill_color(235, 235, 235)
        with self.pdf.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=size / 2,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        ) as table:
            table.row([self.text(h) for h in heads])
            for cells in rows:
                table.row([self.text(c) for c in cells])

    def nothing(self, what: str) -> None:
        self.line(what, size=10)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _span(sheet: Sheet, start: datetime, end: datetime) -> str:
    return format_span(start, end, sheet.event.zone)


def _details(meeting: SheetMeeting) -> str:
    said = [meeting.title]
    if meeting.people:
        said.append("; ".join(meeting.people))
    terms = [
        *([_("host: %(host)s") % {"host": meeting.host}] if meeting.host is not None else []),
        *([_("press: %(press)s") % {"press": meeting.press}] if meeting.press is not None else []),
        *(
            [_("topics: %(topics)s") % {"topics": ", ".join(meeting.topics)}]
            if meeting.topics
            else []
        ),
        *([words(meeting.status)] if meeting.status != "scheduled" else []),
    ]
    if terms:
        said.append(" · ".join(terms))
    return "\n".join(said)


def _day(sheet: Sheet) -> str:
    return format_day(sheet.day, "%A %d %B %Y")


def run_sheets_pdf(sheets: Sequence[RunSheet], links: Sequence[str], printed: datetime) -> bytes:
    out = _Writer()
    for sheet, link in zip(sheets, links, strict=True):
        title = _("Run-sheet of %(party)s") % {"party": sheet.party_name}
        out.header(f"{title}, {_day(sheet)}", sheet, link, printed)
        if not sheet.lines:
            out.nothing(_("Nothing on this day."))
            continue
        out.table(
            (22, 110, 54),
            (_("Time"), _("What and who"), _("Where")),
            [
                [
                    _span(sheet, line.starts_at, line.ends_at),
                    _details(line.meeting) if line.meeting else f"{line.title} ({_('programme')})",
                    line.place,
                ]
                for line in sheet.lines
            ],
        )
    return out.output()


def door_sheets_pdf(sheets: Sequence[DoorSheet], links: Sequence[str], printed: datetime) -> bytes:
    out = _Writer()
    for sheet, link in zip(sheets, links, strict=True):
        title = f"{sheet.space_name}, {_day(sheet)} ({_('door sheet')})"
        out.header(title, sheet, link, printed)
        if sheet.closed:
            closed = ", ".join(_span(sheet, c.start, c.end) for c in sheet.closed)
            out.line(f"{_('Closed on site:')} {closed}", size=10, bold=True)
        if not sheet.meetings:
            out.nothing(_("Nothing is held here on this day."))
            continue
        out.table(
            (24, 162),
            (_("Time"), _("Meeting and who comes")),
            [[_span(sheet, m.starts_at, m.ends_at), _details(m)] for m in sheet.meetings],
        )
    return out.output()


def overviews_pdf(sheets: Sequence[Overview], links: Sequence[str], printed: datetime) -> bytes:
    out = _Writer()
    for sheet, link in zip(sheets, links, strict=True):
        out.header(f"{_('Day overview')}, {_day(sheet)}", sheet, link, printed)
        if not sheet.rows:
            out.nothing(_("Nothing on this day."))
            continue
        # Landscape A4: the time and programme columns, then the spaces share what is left.
        free = out.pdf.epw - 14 - 30
        each = free / len(sheet.columns)
        zone = sheet.event.zone
        out.table(
            (14, 30, *([each] * len(sheet.columns))),
            # The last column is the services' "no room", a text of the catalogs.
            (_("Time"), _("Programme"), *sheet.columns[:-1], _(sheet.columns[-1])),
            [
                [
                    f"{row.starts_at.astimezone(zone):%H:%M}",
                    "; ".join(row.programme),
                    *("; ".join(c.starts) + ("|" if c.continues else "") for c in row.cells),
                ]
                for row in sheet.rows
            ],
            size=6.5,
        )
    return out.output()
