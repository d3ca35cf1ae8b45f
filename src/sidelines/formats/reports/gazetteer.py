"""The gazetteer a report is read against: parties, people, offices and summits by name.

It comes from YAML files (``gazetteer/*.yaml`` in this package: the summits the project knows)
and from an event of the record (``with_event``), so that a report about any stored event is
read against that event's own roster.

A name form matches as written, with three rules that keep the files short: a form starting in
lower case matches either case; a trailing ``*`` matches any ending (``российск*``), on any word
of the form (``рабоч* заседани*``); a Cyrillic
word matches its case endings (``Путин`` also ``Путина``, ``Путиным``), since Russian inflects
names and nothing in the roster should have to list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sidelines.domain import Event
from sidelines.formats.errors import InputError

GAZETTEER_DIR = Path(__file__).parent / "gazetteer"

_VOWELS = set("аяоеёыиуюйьэ")
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


def _token_pattern(token: str, *, inflect: bool) -> str:
    if not inflect or not _CYRILLIC.search(token):
        return re.escape(token)
    stem = token
    if len(token) >= 5:
        for _ in range(2):
            if stem[-1].lower() in _VOWELS and len(stem) > 3:
                stem = stem[:-1]
        return re.escape(stem) + "[а-яё]{0,3}"
    if len(token) >= 3:
        if len(token) == 4 and stem[-1].lower() in _VOWELS:
            stem = stem[:-1]
        return re.escape(stem) + "[а-яё]{0,2}"
    return re.escape(token)


def form_pattern(form: str) -> str:
    """The regular expression one name form stands for (the rules in the module docstring)."""
    open_end = form.endswith("*")
    tokens = form.split()
    parts = []
    for token in tokens:
        # Each word of a form may end in "*" ("рабоч* заседани*": "рабочего заседания").
        if token.endswith("*"):
            parts.append(_token_pattern(token.rstrip("*"), inflect=False) + r"\w*")
        else:
            parts.append(_token_pattern(token, inflect=not open_end))
    tokens = [t.rstrip("*") for t in tokens]
    head = tokens[0][0]
    if head.islower():
        parts[0] = f"[{head}{head.upper()}]" + parts[0][len(re.escape(head)) :]
    body = r"[\s\u00a0]+".join(parts)
    tail = r"(?:'s)?" if not _CYRILLIC.search(form) else ""
    return rf"(?<!\w){body}{tail}(?![\w])"


@dataclass(frozen=True)
class PartyEntry:
    id: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfficeEntry:
    id: str
    party: str
    role: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class PersonEntry:
    id: str
    party: str
    role: str  # "leader" for a principal, else the office held: "press secretary"
    names: tuple[str, ...]
    title: str = ""
    # When the role was held, where the roster knows: "the Kremlin spokesman" of a report is
    # whoever held the post on the report's date.
    since: date | None = None
    until: date | None = None

    def held_on(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class SessionEntry:
    id: str
    kind: str
    start: datetime  # local to the event
    end: datetime
    names: tuple[str, ...]


@dataclass(frozen=True)
class SeriesEntry:
    id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class EventEntry:
    """A summit: ``leaders`` maps each party to the person who led it there."""

    id: str
    series: str
    places: tuple[str, ...]
    start: date
    end: date
    leaders: dict[str, str] = field(default_factory=dict)
    sessions: tuple[SessionEntry, ...] = ()
    # The venue's IANA time zone, to bring a time a report gives in another zone ("20:00 GMT",
    # "в 22:30 мск") to the venue's clock; "" when not known.
    timezone: str = ""

    def days_from(self, day: date) -> int:
        """How many days ``day`` lies outside the event (0 within it)."""
        if day < self.start:
            return (self.start - day).days
        return max(0, (day - self.end).days)


@dataclass(frozen=True)
class Gazetteer:
    parties: tuple[PartyEntry, ...]
    offices: tuple[OfficeEntry, ...]
    people: tuple[PersonEntry, ...]
    series: tuple[SeriesEntry, ...]
    events: tuple[EventEntry, ...]

    def person(self, person_id: str) -> PersonEntry | None:
        return next((p for p in self.people if p.id == person_id), None)

    def event(self, event_id: str) -> EventEntry | None:
        return next((e for e in self.events if e.id == event_id), None)

    def with_event(self, event: Event) -> Gazetteer:
        """This gazetteer with a stored event's roster: its parties, principals and sessions.

        A principal the gazetteer already knows by name keeps its known forms (and
        transliterations); others are known by their name and surname as the event gives them.
        """
        parties = list(self.parties)
        known_parties = {p.id for p in parties}
        for party in event.parties:
            if party.id not in known_parties:
                parties.append(PartyEntry(party.id, (party.name,)))
        people = list(self.people)
        leaders: dict[str, str] = {}
        for principal in sorted(event.principals, key=lambda p: p.precedence_key()):
            known = next((p for p in people if principal.name in p.names), None)
            surname = principal.name.split()[-1]
            # The event's own ids and parties win, so that claims name what the record knows.
            entry = PersonEntry(
                principal.id,
                principal.party,
                known.role if known else "leader",
                known.names if known else (principal.name, surname),
                principal.title,
            )
            people = [p for p in people if p is not known and p.id != principal.id]
            people.append(entry)
            leaders.setdefault(principal.party, entry.id)
        known_event = self.event(event.id)
        tz = event.zone
        sessions = tuple(
            SessionEntry(
                s.id,
                str(s.kind),
                s.span.start.astimezone(tz).replace(tzinfo=None),
                s.span.end.astimezone(tz).replace(tzinfo=None),
                (s.title, *known_session_names(known_event, s.id)),
            )
            for s in event.programme
        )
        event_entry = EventEntry(
            event.id,
            event.series,
            (event.host_city, *(known_event.places if known_event else ())),
            event.days[0],
            event.days[-1],
            leaders,
            sessions or (known_event.sessions if known_event else ()),
            event.timezone,
        )
        events = (*(e for e in self.events if e.id != event.id), event_entry)
        return replace(self, parties=tuple(parties), people=tuple(people), events=events)


def known_session_names(event: EventEntry | None, session_id: str) -> tuple[str, ...]:
    if event is None:
        return ()
    return next((s.names for s in event.sessions if s.id == session_id), ())


# --- the files -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Party(_Strict):
    id: str
    names: list[str]
    adjectives: list[str] = []


class _Office(_Strict):
    id: str
    party: str
    role: str
    names: list[str]


class _Person(_Strict):
    id: str
    party: str
    role: str
    names: list[str]
    title: str = ""
    since: date | None = None
    until: date | None = None


class _Session(_Strict):
    id: str
    kind: str
    start: datetime
    end: datetime
    names: list[str]


class _Series(_Strict):
    id: str
    names: list[str]


class _Event(_Strict):
    id: str
    series: str
    places: list[str]
    start: date
    end: date
    leaders: dict[str, str] = {}
    sessions: list[_Session] = []
    timezone: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class _File(_Strict):
    parties: list[_Party] = []
    offices: list[_Office] = []
    people: list[_Person] = []
    series: list[_Series] = []
    events: list[_Event] = []


def _read(path: Path) -> _File:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(path, f"not YAML: {error}") from None
    try:
        return _File.model_validate(raw or {})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(path, first["msg"], path=where) from None


def load_gazetteer(paths: list[Path]) -> Gazetteer:
    """The gazetteer of these files together; a leader must be a known person."""
    files = [_read(p) for p in paths]
    people = tuple(
        PersonEntry(p.id, p.party, p.role, tuple(p.names), p.title, p.since, p.until)
        for f in files
        for p in f.people
    )
    known = {p.id for p in people}
    events: list[EventEntry] = []
    for path, f in zip(paths, files, strict=True):
        for index, e in enumerate(f.events):
            for party, person in e.leaders.items():
                if person not in known:
                    raise InputError(
                        path, f"unknown person {person!r}", path=f"events.{index}.leaders.{party}"
                    )
            sessions = tuple(
                SessionEntry(s.id, s.kind, s.start, s.end, tuple(s.names)) for s in e.sessions
            )
            events.append(
                EventEntry(
                    e.id,
                    e.series,
                    tuple(e.places),
                    e.start,
                    e.end,
                    e.leaders,
                    sessions,
                    e.timezone,
                )
            )
    return Gazetteer(
        parties=tuple(
            PartyEntry(p.id, tuple(p.names), tuple(p.adjectives)) for f in files for p in f.parties
        ),
        offices=tuple(
            OfficeEntry(o.id, o.party, o.role, tuple(o.names)) for f in files for o in f.offices
        ),
        people=people,
        series=tuple(SeriesEntry(s.id, tuple(s.names)) for f in files for s in f.series),
        events=tuple(events),
    )


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped with the package: the summits and people it knows."""
    return load_gazetteer(sorted(GAZETTEER_DIR.glob("*.yaml")))
