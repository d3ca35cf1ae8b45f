"""A report's plain text: HTML stripped, quotes made plain, cut into paragraphs and sentences.

Spans everywhere point into the text this module returns; quote normalisation replaces one
character by one, so nothing shifts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from sidelines.formats.errors import InputError
from sidelines.formats.reports import cues

_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "title",
    "figcaption",
}
_SKIPPED = {"script", "style", "noscript", "template"}


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, one line per block element."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (
        re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    return "\n".join(line for line in lines if line)


def pdf_to_text(data: bytes, name: str = "report.pdf") -> str:
    """The text of a PDF (a report or a transcript), page after page; a file that is not a
    readable PDF, or one with no text layer (a scan), is refused."""
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise InputError(name, f"not a readable PDF: {error}") from None
    text = "\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(name, "the PDF has no text to read (a scan needs OCR first)")
    return text


_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def plain(text: str) -> str:
    return text.translate(_PLAIN)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    text: str


# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "U.S.",
    "U.K.",
    "U.N.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "St.",
    "Gen.",
    "Sen.",
    "Rep.",
    "Lt.",
    "Jr.",
    "vs.",
    # Months as wire stories abbreviate them: "on Nov. 15".
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sep.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
    "т.е.",
    "т.д.",
    "г.",
    "гг.",
    "им.",
    "ул.",
    "см.",
}
# A time zone's abbreviation after a time: "8 p.m. GMT", "9 a.m. (EST)".
_ZONE_NEXT = re.compile(rf"\(?{cues.ZONES}(?![.\w])")
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"»)]*\s+(?=[\"«(\-—–]*\s*[A-ZА-ЯЁ0-9])")


def sentences(text: str) -> list[Sentence]:
    """The sentences of the text, paragraph by paragraph (a line is a paragraph)."""
    found: list[Sentence] = []
    offset = 0
    for paragraph, line in enumerate(text.split("\n")):
        start = offset
        offset += len(line) + 1
        cut = 0
        for match in _BOUNDARY.finditer(line):
            before = line[cut : match.start()].split()
            last = before[-1] if before else ""
            if last in _ABBREVIATIONS or re.fullmatch(r"[A-ZА-ЯЁ]\.", last):
                continue
            if last.lower() in ("a.m.", "p.m.") and _ZONE_NEXT.match(line, match.end()):
                continue  # "at 8 p.m. GMT": the time's zone, not a new sentence
            _add(found, line, start, cut, match.start(), paragraph)
            cut = match.end()
        _add(found, line, start, cut, len(line), paragraph)
    return found


def _add(found: list[Sentence], line: str, base: int, begin: int, end: int, paragraph: int) -> None:
    piece = line[begin:end]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        found.append(Sentence(base + begin + lead, base + begin + trail, paragraph, piece.strip()))
