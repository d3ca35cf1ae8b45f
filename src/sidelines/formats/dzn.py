"""The B2B meeting scheduling instances of Bofill et al. (JAIR 74, 2022) in MiniZinc data form.

Each file describes one brokerage event: ``nBusiness`` participants, ``nMeetings`` requested
1:1 meetings (rows of ``requested``: two participants and a session), ``nTables``
interchangeable tables and ``nTotalSlots`` unit time slots, the first ``nMorningSlots`` of them
in the morning. ``forbidden``, ``fixed`` and ``precedences`` add per-participant and
per-meeting rules. The event it becomes has one day of half-hour slots from 09:00 (the format
has no clock times, so these are conventions), one party and principal per participant, one
table per ``nTables``, and every meeting required, as in the paper, where all meetings must be
scheduled and only breaks are minimised.

Only the subset of MiniZinc data these files use is read: integers, sets of integers, arrays of
those, and two-dimensional arrays written ``[| a, b, c, | ... |]``; ``%`` starts a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sidelines.domain import (
    DayPart,
    DomainError,
    Event,
    EventPolicy,
    Meeting,
    MeetingFormat,
    MeetingId,
    OrganiserSees,
    Party,
    PartyId,
    PartyKind,
    Placement,
    Principal,
    PrincipalId,
    Rank,
    Space,
    SpaceId,
    SpaceKind,
    TimeSpan,
)
from sidelines.formats.errors import InputError

# The format has no calendar: a fixed synthetic date and UTC keep every reading identical.
DZN_DATE = date(2022, 6, 1)
DZN_DAY_START = time(9, 0)
DZN_GRAIN_MIN = 30
# The last slot must end before midnight, the day's end being a wall-clock time of the same day.
DZN_MAX_SLOTS = (24 * 60 - (DZN_DAY_START.hour * 60 + DZN_DAY_START.minute)) // DZN_GRAIN_MIN - 1

_SESSIONS = {1: DayPart.MORNING, 2: DayPart.AFTERNOON, 3: DayPart.ANY}

_TOKEN = re.compile(
    r"(?P<space>[ \t\r]+)|(?P<newline>\n)|(?P<comment>%[^\n]*)|(?P<int>-?\d+)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[=;\[\]{},|])"
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "int", "ident", a punctuation character, or "end"
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class _Value:
    """A parsed right-hand side and the line of each of its elements (rows, sets, numbers)."""

    line: int
    data: int | list[int] | list[frozenset[int]] | list[list[int]]
    lines: list[int]


def _describe(token: _Token) -> str:
    return "end of file" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, text: str, file_name: str) -> None:
        self.file = file_name
        self.tokens = list(self._tokenize(text))
        self.position = 0

    def _tokenize(self, text: str) -> Iterator[_Token]:
        line = 1
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise InputError(self.file, f"unexpected character {text[position]!r}", line=line)
            kind = match.lastgroup
            assert kind is not None
            if kind == "newline":
                line += 1
            elif kind == "int" or kind == "ident":
                yield _Token(kind, match.group(), line)
            elif kind == "punct":
                yield _Token(match.group(), match.group(), line)
            position = match.end()
        yield _Token("end", "", line)

    # --- token stream ------------------------------------------------------------------

    @property
    def token(self) -> _Token:
        return self.tokens[self.position]

    def _advance(self) -> _Token:
        token = self.token
        if token.kind != "end":
            self.position += 1
        return token

    def _fail(self, expected: str, context: str) -> InputError:
        token = self.token
        return InputError(
            self.file,
            f"expected {expected} {context}, found {_describe(token)}",
            line=token.line,
        )

    def _expect(self, kind: str, context: str) -> _Token:
        if self.token.kind != kind:
            raise self._fail(repr(kind) if kind not in ("int", "ident") else kind, context)
        return self._advance()

    # --- grammar -----------------------------------------------------------------------

    def statements(self) -> dict[str, _Value]:
        values: dict[str, _Value] = {}
        while self.token.kind != "end":
            name = self._expect("ident", "at the start of an assignment")
            self._expect("=", f"after {name.text}")
            value = self._value(name.text)
            self._expect(";", f"after the value of {name.text}")
            if name.text in values:
                raise InputError(
                    self.file,
                    f"{name.text} is assigned twice (first on line {values[name.text].line})",
                    line=name.line,
                )
            values[name.text] = value
        return values

    def _value(self, name: str) -> _Value:
        token = self.token
        if token.kind == "int":
            self._advance()
            return _Value(token.line, int(token.text), [token.line])
        if token.kind == "[":
            self._advance()
            if self.token.kind == "|":
                return self._table(name, token.line)
            return self._array(name, token.line)
        raise self._fail("a number or an array", f"as the value of {name}")

    def _array(self, name: str, line: int) -> _Value:
        numbers: list[int] = []
        sets: list[frozenset[int]] = []
        lines: list[int] = []
        while self.token.kind != "]":
            element = self.token
            if element.kind == "int":
                numbers.append(int(self._advance().text))
            elif element.kind == "{":
                sets.append(self._set(name))
            else:
                raise self._fail("a number, a set or ']'", f"in {name}")
            lines.append(element.line)
            if numbers and sets:
                raise InputError(self.file, f"{name} mixes numbers and sets", line=element.line)
            if self.token.kind == ",":
                self._advance()
            elif self.token.kind != "]":
                raise self._fail("',' or ']'", f"in {name}")
        self._advance()
        return _Value(line, sets if sets else numbers, lines)

    def _set(self, name: str) -> frozenset[int]:
        self._expect("{", f"in {name}")
        members: list[int] = []
        while self.token.kind != "}":
            members.append(int(self._expect("int", f"in a set of {name}").text))
            if self.token.kind == ",":
                self._advance()
            elif self.token.kind != "}":
                raise self._fail("',' or '}'", f"in a set of {name}")
        self._advance()
        return frozenset(members)

    def _table(self, name: str, line: int) -> _Value:
        # [| a, b, c, | d, e, f, |]  -- each '|' opens a row; '|]' closes the table.
        rows: list[list[int]] = []
        lines: list[int] = []
        self._expect("|", f"in {name}")
        while self.token.kind != "]":
            row_line = self.token.line
            row: list[int] = []
            while self.token.kind != "|":
                row.append(int(self._expect("int", f"in a row of {name}").text))
                if self.token.kind == ",":
                    self._advance()
                elif self.token.kind != "|":
                    raise self._fail("',' or '|'", f"in a row of {name}")
            self._advance()
            if row:
                rows.append(row)
                lines.append(row_line)
            elif self.token.kind != "]":
                raise self._fail("']'", f"after the last row of {name}")
        self._advance()
        return _Value(line, rows, lines)


REQUIRED_KEYS = (
    "nBusiness",
    "nMeetings",
    "nTables",
    "nTotalSlots",
    "nMorningSlots",
    "requested",
    "meetingsxBusiness",
    "nMeetingsBusiness",
    "forbidden",
    "fixed",
    "precedences",
)


class _Instance:
    """The parsed assignments, checked key by key against the format's shapes and ranges."""

    def __init__(self, values: dict[str, _Value], file_name: str, last_line: int) -> None:
        self.values = values
        self.file = file_name
        for key in REQUIRED_KEYS:
            if key not in values:
                raise InputError(file_name, f"missing required key {key}", line=last_line)

    def error(self, key: str, message: str, index: int | None = None) -> InputError:
        value = self.values[key]
        line = value.lines[index] if index is not None and index < len(value.lines) else value.line
        return InputError(self.file, message, line=line, path=key)

    def count(self, key: str, minimum: int) -> int:
        data = self.values[key].data
        if not isinstance(data, int):
            raise self.error(key, "must be a number")
        if data < minimum:
            raise self.error(key, f"must be at least {minimum}, got {data}")
        return data

    def numbers(self, key: str, length: int, what: str) -> list[int]:
        data = self.values[key].data
        if isinstance(data, int) or (data and not isinstance(data[0], int)):
            raise self.error(key, "must be an array of numbers")
        numbers = [item for item in data if isinstance(item, int)]
        if len(numbers) != length:
            raise self.error(key, f"has {len(numbers)} entries, expected {length} ({what})")
        return numbers

    def sets(self, key: str, length: int, what: str) -> list[frozenset[int]]:
        data = self.values[key].data
        if isinstance(data, int) or (data and not isinstance(data[0], frozenset)):
            raise self.error(key, "must be an array of sets")
        sets = [item for item in data if isinstance(item, frozenset)]
        if len(sets) != length:
            raise self.error(key, f"has {len(sets)} entries, expected {length} ({what})")
        return sets

    def rows(self, key: str, length: int, width: int, what: str) -> list[list[int]]:
        data = self.values[key].data
        if isinstance(data, int) or (data and not isinstance(data[0], list)):
            raise self.error(key, "must be a two-dimensional array written [| ... |]")
        rows = [item for item in data if isinstance(item, list)]
        if len(rows) != length:
            raise self.error(key, f"has {len(rows)} rows, expected {length} ({what})")
        for index, row in enumerate(rows):
            if len(row) != width:
                raise self.error(
                    key, f"row {index + 1} has {len(row)} values, expected {width}", index
                )
        return rows


def _slot_start(slot: int) -> datetime:
    """Start of 1-based slot ``slot`` on the synthetic day."""
    first = datetime.combine(DZN_DATE, DZN_DAY_START, tzinfo=UTC)
    return first + timedelta(minutes=DZN_GRAIN_MIN * (slot - 1))


def _windows(slots: set[int]) -> tuple[TimeSpan, ...]:
    """Runs of consecutive 1-based slots as time spans."""
    spans: list[TimeSpan] = []
    ordered = sorted(slots)
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        spans.append(TimeSpan(_slot_start(ordered[start]), _slot_start(ordered[end] + 1)))
        start = end + 1
    return tuple(spans)


def parse_dzn(text: str, file_name: str, *, fairness: int | None = 2) -> Event:
    """Read a JAIR 2022 B2B instance from its text.

    ``fairness`` becomes ``policy.fairness_max_spread`` (the paper's d, 2 unless it says
    otherwise; ``None`` drops the rule). Raises ``InputError`` naming the file and line.
    """
    parser = _Parser(text, file_name)
    values = parser.statements()
    data = _Instance(values, file_name, parser.tokens[-1].line)

    n_parts = data.count("nBusiness", 1)
    n_meetings = data.count("nMeetings", 0)
    n_tables = data.count("nTables", 1)
    n_slots = data.count("nTotalSlots", 1)
    n_morning = data.count("nMorningSlots", 0)
    if n_slots > DZN_MAX_SLOTS:
        raise data.error(
            "nTotalSlots",
            f"{n_slots} slots of {DZN_GRAIN_MIN} min do not fit in one day from "
            f"{DZN_DAY_START:%H:%M}; at most {DZN_MAX_SLOTS} are supported",
        )
    if n_morning > n_slots:
        raise data.error(
            "nMorningSlots", f"{n_morning} morning slots, but only {n_slots} slots in all"
        )

    requested = data.rows("requested", n_meetings, 3, "nMeetings")
    for index, (first, second, session) in enumerate(requested):
        for participant in (first, second):
            if not 1 <= participant <= n_parts:
                raise data.error(
                    "requested",
                    f"meeting {index + 1}: participant {participant} is out of range 1..{n_parts}",
                    index,
                )
        if first == second:
            raise data.error(
                "requested", f"meeting {index + 1}: participant {first} meets itself", index
            )
        if session not in _SESSIONS:
            raise data.error(
                "requested",
                f"meeting {index + 1}: session {session} is not 1 (morning), 2 (afternoon) "
                "or 3 (either)",
                index,
            )
    _cross_check(data, requested, n_parts)

    forbidden = data.sets("forbidden", n_parts, "nBusiness")
    for index, slots in enumerate(forbidden):
        # {0} marks "no forbidden slot" in these files; 0 may also sit beside real slots.
        bad = sorted(slot for slot in slots if not 0 <= slot <= n_slots)
        if bad:
            raise data.error(
                "forbidden",
                f"participant {index + 1}: slot {bad[0]} is out of range 1..{n_slots}",
                index,
            )
    fixed = data.numbers("fixed", n_meetings, "nMeetings")
    for index, slot in enumerate(fixed):
        if not 0 <= slot <= n_slots:
            raise data.error(
                "fixed", f"meeting {index + 1}: slot {slot} is out of range 0..{n_slots}", index
            )
    precedences = data.sets("precedences", n_meetings, "nMeetings")
    for index, earlier in enumerate(precedences):
        bad = sorted(m for m in earlier if not 1 <= m <= n_meetings)
        if index + 1 in earlier:
            raise data.error("precedences", f"meeting {index + 1} must come before itself", index)
        if bad:
            raise data.error(
                "precedences",
                f"meeting {index + 1}: meeting {bad[0]} is out of range 1..{n_meetings}",
                index,
            )

    principals = tuple(
        Principal(
            id=PrincipalId(str(number)),
            party=PartyId(str(number)),
            name=f"Participant {number}",
            rank=Rank.EXECUTIVE,
            unavailable=_windows({slot for slot in forbidden[number - 1] if slot}),
        )
        for number in range(1, n_parts + 1)
    )
    meetings = tuple(
        Meeting(
            id=MeetingId(str(index + 1)),
            principals=(PrincipalId(str(first)), PrincipalId(str(second))),
            format=MeetingFormat.B2B,
            duration_min=DZN_GRAIN_MIN,
            required=True,
            day_part=_SESSIONS[session],
            locked=Placement(_slot_start(fixed[index])) if fixed[index] else None,
            after=tuple(MeetingId(str(m)) for m in sorted(precedences[index])),
        )
        for index, (first, second, session) in enumerate(requested)
    )
    try:
        return Event(
            id=Path(file_name).name.removesuffix(".dzn"),
            name=Path(file_name).name,
            timezone="UTC",
            days=(DZN_DATE,),
            parties=tuple(
                Party(PartyId(str(n)), f"Participant {n}", PartyKind.COMPANY)
                for n in range(1, n_parts + 1)
            ),
            principals=principals,
            meetings=meetings,
            spaces=tuple(
                # One hall: the paper's tables are interchangeable, with no walking between.
                Space(SpaceId(f"T{n}"), f"Table {n}", kind=SpaceKind.TABLE, location="hall")
                for n in range(1, n_tables + 1)
            ),
            policy=EventPolicy(
                fairness_max_spread=fairness, organiser_sees=OrganiserSees.EVERYTHING
            ),
            day_start=DZN_DAY_START,
            day_end=_slot_start(n_slots + 1).time(),
            # Slots 1..A are the morning, so noon falls where slot A + 1 starts (the day's end
            # when A = T: no afternoon at all).
            morning_ends=_slot_start(n_morning + 1).time(),
            grain_min=DZN_GRAIN_MIN,
        )
    except DomainError as error:
        # Left: what only the whole event can see, such as a cycle of precedences.
        raise InputError(file_name, error.message, line=values["precedences"].line) from None


def _cross_check(data: _Instance, requested: list[list[int]], n_parts: int) -> None:
    """``meetingsxBusiness`` and ``nMeetingsBusiness`` repeat what ``requested`` says; a file
    where they disagree was cut or edited by hand, and no reading of it can be trusted."""
    listed = data.sets("meetingsxBusiness", n_parts, "nBusiness")
    counts = data.numbers("nMeetingsBusiness", n_parts, "nBusiness")
    actual: list[set[int]] = [set() for _ in range(n_parts)]
    for index, (first, second, _) in enumerate(requested):
        actual[first - 1].add(index + 1)
        actual[second - 1].add(index + 1)
    for index in range(n_parts):
        # The lists are shifted by +1 and always hold 1 (a quirk of the original model).
        stated = {m - 1 for m in listed[index] if m != 1}
        if stated != actual[index]:
            missing = sorted(actual[index] - stated)
            extra = sorted(stated - actual[index])
            detail = []
            if missing:
                detail.append(f"misses meetings {', '.join(map(str, missing))}")
            if extra:
                detail.append(f"lists meetings {', '.join(map(str, extra))} it is not in")
            raise data.error(
                "meetingsxBusiness",
                f"participant {index + 1} disagrees with requested: {'; '.join(detail)}",
                index,
            )
        if counts[index] != len(actual[index]):
            raise data.error(
                "nMeetingsBusiness",
                f"participant {index + 1} has {len(actual[index])} meetings in requested, "
                f"nMeetingsBusiness says {counts[index]}",
                index,
            )


def read_dzn(path: str | Path, *, fairness: int | None = 2) -> Event:
    """Read a JAIR 2022 B2B instance file; see ``parse_dzn``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot be read: {error}") from None
    return parse_dzn(text, str(path), fairness=fairness)


__all__ = ["parse_dzn", "read_dzn"]
