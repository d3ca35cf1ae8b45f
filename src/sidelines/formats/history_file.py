"""Files of historical meetings: what two or more parties held before Sidelines knew of them.

One meeting per CSV row or per JSON object. The fields:

=============  ===========================================================================
date           the day it was held, ``2016-09-05`` (required)
event          what it was on the sidelines of, ``G20 summit`` (required)
series         ``G20``, ``APEC``…
city, country  where the event was held
place          where the meeting itself was, if reported
format         one of the meeting formats (``bilateral_restricted``…), if reported
parties        the parties' keys, at least two (required): the ids events give their parties,
               ISO 3166-1 alpha-3 codes for states and economies (``RUS``, ``USA``)
principals     who met, in the order of ``parties`` (optional): the ids events give them
topics         what was discussed
summary        a sentence or two from the public record
sources        who reported it: in JSON a list of ``{name, url}``; in CSV one source in the
               columns ``source`` and ``source_url``
=============  ===========================================================================

In CSV, lists are written with ``;`` between items (``RUS;USA``); the first line names the
columns. A JSON file is a list of meetings, or ``{"meetings": [...]}``.

A meeting is told apart by its day, event and parties, and by its format and place: a pair
that met twice on one day of a summit is two rows that differ in one of these. Importing a file
again adds none of the meetings it holds.

Every problem in the file is reported, each with its line (``history.csv:3: parties: …``), and a
file with any problem yields nothing: an import is all or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sidelines.domain.formats import MeetingFormat
from sidelines.formats.errors import InputError
from sidelines.formats.event_file import parse_date
from sidelines.formats.event_loader import format_path, parse_json, read_text

SUFFIXES = (".csv", ".json")
LIST_SEPARATOR = ";"
CSV_COLUMNS = (
    "date",
    "event",
    "series",
    "city",
    "country",
    "place",
    "format",
    "parties",
    "principals",
    "topics",
    "summary",
    "source",
    "source_url",
)
CSV_LISTS = ("parties", "principals", "topics")
REQUIRED = ("date", "event", "parties")

# A key is what events call a party or a principal: no spaces, no list separators.
Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
Text = Annotated[str, Field(max_length=200)]


class _Texts(BaseModel):
    """A part of a row: unknown fields refused, and no NUL character in any text, which
    PostgreSQL's text cannot hold: refused here by line and field, rather than by the database
    at the import, naming neither (and kept as it was on SQLite)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def without_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise PydanticCustomError("bad_text", "text may not contain NUL characters")
        return value


class SourceIn(_Texts):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(pattern=r"^(https?://\S+)?$", max_length=2000)] = ""


class HistoryRow(_Texts):
    """One meeting as the file writes it."""

    date: Annotated[date, PlainValidator(parse_date)]
    event: Annotated[str, Field(min_length=1, max_length=200)]
    series: Annotated[str, Field(max_length=64)] = ""
    city: Text = ""
    country: Text = ""
    place: Text = ""
    format: MeetingFormat | None = None
    parties: Annotated[list[Key], Field(min_length=2, max_length=20)]
    principals: Annotated[list[Key], Field(max_length=20)] = Field(default_factory=list)
    topics: Annotated[list[Text], Field(max_length=30)] = Field(default_factory=list)
    summary: Annotated[str, Field(max_length=5000)] = ""
    sources: Annotated[list[SourceIn], Field(max_length=20)] = Field(default_factory=list)

    @model_validator(mode="after")
    def consistent(self) -> HistoryRow:
        if len(set(self.parties)) != len(self.parties):
            raise ValueError("parties: a party is named twice")
        if self.principals and len(self.principals) != len(self.parties):
            raise ValueError("principals: name one principal for each party, in their order")
        return self


@dataclass(frozen=True)
class HistoricalSource:
    name: str
    url: str = ""


@dataclass(frozen=True)
class HistoricalRecord:
    """A meeting from the public record, as read from a file (``line`` is where it is)."""

    held_on: date
    event: str
    parties: tuple[str, ...]
    series: str = ""
    city: str = ""
    country: str = ""
    place: str = ""
    format: MeetingFormat | None = None
    principals: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    summary: str = ""
    sources: tuple[HistoricalSource, ...] = ()
    line: int | None = None

    @property
    def parties_key(self) -> str:
        """What tells this meeting apart, with its day and event: "RUS+USA"."""
        return "+".join(sorted(self.parties))

    @property
    def key(self) -> tuple[date, str, str, str, str]:
        """What identifies the meeting: its day, event and parties, and its format and place,
        which tell apart two meetings of a pair on one day of a summit (a word at the opening
        and a conversation at the dinner)."""
        return (
            self.held_on,
            self.event,
            self.parties_key,
            str(self.format) if self.format else "",
            self.place,
        )


class HistoryFileError(InputError):
    """A file with one or more bad rows; ``problems`` holds each, ``str()`` all of them."""

    def __init__(self, file: str | Path, problems: list[InputError]) -> None:
        self.problems = tuple(problems)
        super().__init__(file, f"{len(problems)} problem(s); nothing was imported")

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def load_history(path: str | Path, *, held_by: date | None = None) -> list[HistoricalRecord]:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(path, f"a history file ends in {' or '.join(SUFFIXES)}")
    return read_history(read_text(path), str(path), held_by=held_by)


def read_history(text: str, file: str, *, held_by: date | None = None) -> list[HistoricalRecord]:
    """Parse a history file's text; ``file`` names it in messages and says CSV or JSON by its
    suffix. Raises one ``HistoryFileError`` listing every problem. A meeting dated after
    ``held_by`` (today, where the caller knows it) is one of them: the history holds meetings
    already held, and a mistyped year would otherwise become a pair's latest meeting."""
    if file.lower().endswith(".json"):
        rows = list(_json_rows(text, file))
    elif file.lower().endswith(".csv"):
        rows = list(_csv_rows(text, file))
    else:
        raise InputError(file, f"a history file ends in {' or '.join(SUFFIXES)}")
    problems: list[InputError] = []
    records: list[HistoricalRecord] = []
    seen: dict[tuple[date, str, str, str, str], int | None] = {}
    for line, lines, data in rows:
        if isinstance(data, InputError):
            problems.append(data)
            continue
        try:
            row = HistoryRow.model_validate(data)
        except ValidationError as error:
            problems.extend(_problems(error, file, line, lines))
            continue
        record = _record(row, line)
        if held_by is not None and record.held_on > held_by:
            problems.append(
                InputError(
                    file,
                    f"{record.held_on} is after today; the history holds meetings already held",
                    line=lines.get("date", line),
                    path="date",
                )
            )
            continue
        if record.key in seen:
            # A pair meeting twice that day is told apart by the format or the place.
            problems.append(
                InputError(
                    file, f"the same meeting as line {seen[record.key]}", line=line, path="date"
                )
            )
            continue
        seen[record.key] = line
        records.append(record)
    if not rows and not problems:
        problems.append(InputError(file, "no meetings in the file", line=1))
    if problems:
        raise HistoryFileError(file, problems)
    return records


# A row as read: its first line, the line of each of its fields, and its data (or the problem
# that kept it from being read at all).
Row = tuple[int, dict[str, int], "dict[str, Any] | InputError"]


def _csv_rows(text: str, file: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield 1, {}, InputError(file, f"CSV syntax error: {error}", line=1)
        return
    unknown = [name for name in header if name not in CSV_COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing:
        message = "; ".join(
            [f"unknown column {name!r}" for name in unknown]
            + [f"required column {name!r} is missing" for name in missing]
        )
        yield 1, {}, InputError(file, f"{message} (columns: {', '.join(CSV_COLUMNS)})", line=1)
        return
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, {}, InputError(file, f"CSV syntax error: {error}", line=line)
            return
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows are harmless
        if len(cells) != len(header):
            yield (
                line,
                {},
                InputError(file, f"{len(cells)} cells for {len(header)} columns", line=line),
            )
            continue
        yield line, {}, _csv_data(dict(zip(header, cells, strict=True)), file, line)


def _csv_data(cells: dict[str, str], file: str, line: int) -> dict[str, Any] | InputError:
    data: dict[str, Any] = {}
    for name, value in cells.items():
        value = value.strip()
        if name in CSV_LISTS:
            data[name] = [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
        elif value and name not in ("source", "source_url"):
            data[name] = value
    source, url = cells.get("source", "").strip(), cells.get("source_url", "").strip()
    if url and not source:
        return InputError(file, "a source URL needs the source's name", line=line, path="source")
    if source:
        data["sources"] = [{"name": source, "url": url}]
    return data


def _json_rows(text: str, file: str) -> Iterator[Row]:
    try:
        data, lines = parse_json(text, Path(file))
    except InputError as error:
        yield error.line or 1, {}, error
        return
    root: tuple[str | int, ...] = ()
    if isinstance(data, dict) and set(data) == {"meetings"}:
        data, root = data["meetings"], ("meetings",)
    if not isinstance(data, list):
        yield 1, {}, InputError(file, 'a history file is a list of meetings or {"meetings": [...]}')
        return
    for index, item in enumerate(data):
        loc = (*root, index)
        fields = {
            str(key[len(loc)]): number
            for key, number in lines.items()
            if len(key) > len(loc) and key[: len(loc)] == loc
        }
        line = lines.get(loc, 1)
        if not isinstance(item, dict):
            yield line, {}, InputError(file, "a meeting is an object of fields", line=line)
            continue
        yield line, fields, item


def _problems(
    error: ValidationError, file: str, line: int, lines: dict[str, int]
) -> list[InputError]:
    found = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        message = str(detail["msg"])
        path = format_path(loc)
        if not loc and ": " in message:  # a whole-row check names its field first
            path, message = message.removeprefix("Value error, ").split(": ", 1)
        elif detail["type"] == "missing":
            message = "required field is missing"
        elif detail["type"] == "extra_forbidden":
            message = f"unknown field (fields: {', '.join(HistoryRow.model_fields)})"
        elif not detail["type"].startswith("bad_"):  # our own date messages show the value
            message = f"{message[0].lower()}{message[1:]}, got {detail['input']!r}"
        field_line = lines.get(str(loc[0]), line) if loc else line
        found.append(InputError(file, message, line=field_line, path=path))
    return found


def _record(row: HistoryRow, line: int) -> HistoricalRecord:
    return HistoricalRecord(
        held_on=row.date,
        event=row.event,
        series=row.series,
        city=row.city,
        country=row.country,
        place=row.place,
        format=row.format,
        parties=tuple(row.parties),
        principals=tuple(row.principals),
        topics=tuple(row.topics),
        summary=row.summary,
        sources=tuple(HistoricalSource(s.name, s.url) for s in row.sources),
        line=line,
    )
