"""Reading and writing event files (YAML or JSON, one schema: ``event_file.EventFile``).

``load_event(path)`` reads a file into a domain ``Event``. Whatever is wrong with the file —
its encoding, its syntax, an unknown field, a wrong type, a dangling reference, a duration that
does not fit — comes out as ONE ``InputError`` naming the file, the 1-based line and the field
path (``meetings[3].principals[1]``), never as a traceback. To know lines, each parser yields,
besides the data, a map from field path to the line where that field is written; errors from
pydantic (``loc`` tuples) and from the domain (``DomainError.path``) are both turned into such
paths and looked up there, falling back to the nearest enclosing field that is written (a
missing field is reported at the line of the mapping that lacks it).

``dump_event(event)`` writes an event back as plain data that loads to an equal ``Event``, and
``event_json_schema()`` is the JSON Schema of the file.
"""

from __future__ import annotations

import gc
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from difflib import get_close_matches
from pathlib import Path
from typing import Any, NoReturn, cast, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sidelines.domain.delegation import Delegation, DelegationMember
from sidelines.domain.errors import DomainError
from sidelines.domain.event import Event, EventPolicy, MeetingDefaults
from sidelines.domain.formats import MeetingFormat
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SessionId, SpaceId
from sidelines.domain.interpretation import InterpreterPool
from sidelines.domain.meeting import DayPart, Meeting, Placement
from sidelines.domain.party import Party
from sidelines.domain.principal import Principal
from sidelines.domain.programme import ProgrammeSession
from sidelines.domain.space import Feature, Space, WalkingTimes
from sidelines.domain.time import TimeSpan
from sidelines.formats.errors import InputError
from sidelines.formats.event_file import (
    DelegationIn,
    EventFile,
    InterpretersIn,
    LockedIn,
    MeetingDefaultsIn,
    MeetingIn,
    MemberIn,
    PartyIn,
    PolicyIn,
    PrincipalIn,
    SessionIn,
    SpaceIn,
    SpanIn,
    WalkIn,
)
from sidelines.formats.plain_yaml import NotPlain, read_plain_yaml
from sidelines.scheduling.problem import build_grid

Loc = tuple[str | int, ...]
LineMap = dict[Loc, int]

SUFFIXES = (".yaml", ".yml", ".json")


# --- paths ---------------------------------------------------------------------------------


def format_path(loc: Iterable[str | int]) -> str:
    """``("meetings", 3, "principals", 1)`` -> ``meetings[3].principals[1]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_path(path: str) -> Loc:
    return tuple(int(index) if index else name for index, name in _PATH_PART.findall(path))


class _LazyLines(Mapping[Loc, int]):
    """A line map computed on first look: only a file with a problem needs its lines, and
    finding them takes longer than parsing the file."""

    def __init__(self, compute: Callable[[], LineMap]) -> None:
        self._compute = compute
        self._lines: LineMap | None = None

    def _map(self) -> LineMap:
        if self._lines is None:
            self._lines = self._compute()
        return self._lines

    def __getitem__(self, loc: Loc) -> int:
        return self._map()[loc]

    def __iter__(self) -> Iterator[Loc]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())


def _line_of(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    for length in range(len(loc), -1, -1):
        if loc[:length] in lines:
            return lines[loc[:length]]
    return None


# --- reading -------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        # utf-8-sig: editors on Windows like to start UTF-8 files with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            path,
            f"is not valid UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8",
            line=line,
        ) from None


class _EventYamlLoader(yaml.SafeLoader):
    """A safe loader that reads scalars the way YAML 1.2 does.

    YAML 1.1 (PyYAML's default) turns ``10:30`` into the integer 630 (base 60), ``NO`` (Norway)
    into ``False`` and ``2016-11-19`` into a date object. In an event file these are times,
    party ids and dates written as text, so only plain decimal numbers, ``true``/``false`` and
    ``null`` are given a type here; everything else stays a string for the schema to parse.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table


_EventYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_EventYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_EventYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_EventYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_EventYamlLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class _EventCYamlLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """The same reading of scalars as ``_EventYamlLoader``, with libyaml's parser and composer
    (ten times faster on a large file). A plain scalar's type depends only on its text, so it is
    looked up once per distinct text. Its error messages differ slightly from the pure-Python
    parser's; a file it refuses is read again with that one, for the message and line."""

    yaml_implicit_resolvers = _EventYamlLoader.yaml_implicit_resolvers

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            tags: dict[str, str] = self.__dict__.setdefault("_plain_tags", {})
            tag = tags.get(value)
            if tag is None:
                tag = tags[value] = super().resolve(kind, value, implicit)
            return tag
        result: str = super().resolve(kind, value, implicit)
        return result


def _parse_yaml(text: str, file: Path, *, fast: bool = True) -> tuple[object, Mapping[Loc, int]]:
    """The data of a YAML text and the lines of its fields. ``fast`` reads with libyaml; a text
    it refuses is read again without, so that the error is the one the pure parser gives."""
    # libyaml lets some characters through that YAML forbids: those go to the pure parser. So do
    # tabs, where the two parsers disagree (libyaml reads ``0<tab>id: x`` as a key, the pure
    # parser refuses the tab): an event file has none but by accident, and the answer must not
    # depend on the path taken.
    if fast and "\t" not in text and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        data = _read_plain(text)
        if data is not None:
            return data, _LazyLines(lambda: _lines_of(text, file))
        try:
            return _read_yaml_fast(_EventCYamlLoader(text), file)
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        loader = _EventYamlLoader(text)
    except yaml.YAMLError as error:  # a character YAML forbids, found before any parsing
        raise InputError(file, f"YAML syntax error: {str(error).splitlines()[0]}") from None
    try:
        return _read_yaml(loader, file)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "not valid YAML"
        raise InputError(
            file,
            f"YAML syntax error: {problem}",
            line=mark.line + 1 if mark is not None else None,
        ) from None
    except yaml.YAMLError as error:
        raise InputError(file, f"YAML syntax error: {error}") from None
    except RecursionError:
        # PyYAML composes nested collections by recursion: a text nested a few hundred levels
        # deep (no event file is) is refused at the line the reader had reached, as JSON's is.
        raise InputError(file, "YAML nested too deeply", line=loader.line + 1) from None


def _read_plain(text: str) -> object | None:
    """The data of a text in plain block YAML (``plain_yaml``), typed as the event reader's
    loader types scalars; ``None`` for any other text."""
    loader: Any = _EventYamlLoader("")  # PyYAML's resolver is not typed

    def resolve(value: str) -> object:
        node = yaml.ScalarNode(loader.resolve(yaml.ScalarNode, value, (True, False)), value)
        try:
            return loader.construct_object(node, deep=True)
        except yaml.YAMLError:  # a tag with no constructor, e.g. the merge key's
            raise NotPlain from None

    try:
        return read_plain_yaml(text, resolve, _TYPED_STARTS)
    finally:
        loader.dispose()


# The first characters of the plain scalars that the loader may type as other than text.
_TYPED_STARTS = frozenset(start for start in _EventYamlLoader.yaml_implicit_resolvers if start)


def _lines_of(text: str, file: Path) -> LineMap:
    """The lines of the fields of a text that has been read as plain YAML."""
    loader = _EventCYamlLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: LineMap = {}
    if node is not None:
        _yaml_lines(node, (), lines, file, set())
    return lines


def _read_yaml(loader: Any, file: Path) -> tuple[object, LineMap]:
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: LineMap = {}
        _yaml_lines(node, (), lines, file, set())
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


class _NotPlain(Exception):
    """A YAML document that is not plain data (tags, merge keys, recursive aliases): the
    standard constructor reads it."""


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _read_yaml_fast(loader: Any, file: Path) -> tuple[object, Mapping[Loc, int]]:
    """What ``_read_yaml`` gives, for plain data in a tenth of the time: the nodes are turned
    into data by one walk that keeps strings as they are and converts other scalars once per
    distinct text, and the lines of fields are found only when first looked up (a key given
    twice is still refused at once, with its line). Anything else goes to ``_read_yaml``."""
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        converted: dict[tuple[str, str], object] = {}
        active: set[int] = set()

        def scalar(item: yaml.ScalarNode) -> object:
            key = (item.tag, item.value)
            if key not in converted:
                converted[key] = loader.construct_object(item, deep=True)
            return converted[key]

        def data(item: yaml.Node) -> object:
            tag = item.tag
            if tag == _STR_TAG:
                if not isinstance(item, yaml.ScalarNode):
                    raise _NotPlain
                return item.value
            if isinstance(item, yaml.ScalarNode):
                return scalar(item)
            if id(item) in active:
                raise _NotPlain
            active.add(id(item))
            if tag == _SEQ_TAG and isinstance(item, yaml.SequenceNode):
                result: object = [data(value) for value in item.value]
            elif tag == _MAP_TAG and isinstance(item, yaml.MappingNode):
                pairs = item.value
                mapping = {}
                for key_node, value_node in pairs:
                    # Only text keys, as the file's fields are: then a key given twice is
                    # the same text twice, as ``_yaml_lines`` counts it.
                    if key_node.tag != _STR_TAG or not isinstance(key_node, yaml.ScalarNode):
                        raise _NotPlain
                    mapping[key_node.value] = data(value_node)
                if len(mapping) != len(pairs):  # a key given twice: refused with its line
                    _yaml_lines(node, (), {}, file, set())
                result = mapping
            else:
                raise _NotPlain
            active.discard(id(item))
            return result

        try:
            document = data(node)
        except _NotPlain:
            lines: LineMap = {}
            _yaml_lines(node, (), lines, file, set())
            return loader.construct_document(node), lines

        def compute() -> LineMap:
            found: LineMap = {}
            _yaml_lines(node, (), found, file, set())
            return found

        return document, _LazyLines(compute)
    finally:
        loader.dispose()


def _yaml_lines(node: yaml.Node, loc: Loc, lines: LineMap, file: Path, stack: set[int]) -> None:
    """Record the line of every field below ``node`` (and refuse duplicate keys, which PyYAML
    would silently resolve by keeping the last one)."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if id(node) in stack:  # a recursive alias; the schema will reject the value anyway
        return
    stack = stack | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise InputError(
                    file,
                    f"field {key!r} is given twice",
                    line=key_node.start_mark.line + 1,
                    path=format_path((*loc, key)),
                )
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _yaml_lines(value_node, (*loc, key), lines, file, stack)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_lines(item, (*loc, index), lines, file, stack)


def parse_json(text: str, file: Path) -> tuple[object, Mapping[Loc, int]]:
    """The data of a JSON text and the lines of its fields (found only when first looked up).

    A key given twice is refused here, with its line, as YAML's are."""
    repeated = False

    def mapping(pairs: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal repeated
        result = dict(pairs)
        repeated = repeated or len(result) != len(pairs)
        return result

    try:
        data = json.loads(text, object_pairs_hook=mapping)
    except json.JSONDecodeError as error:
        raise InputError(file, f"JSON syntax error: {error.msg}", line=error.lineno) from None
    except RecursionError:
        raise InputError(file, "JSON nested too deeply") from None
    if repeated:
        _JsonLines(text, file).run()  # raises, naming the key and its line
    return data, _LazyLines(lambda: _JsonLines(text, file).run())


class _JsonLines:
    """Lines of the fields of a JSON text that ``json.loads`` has already accepted.

    The standard decoder keeps no positions, and a full position-tracking parser would repeat
    it; so this walks the (known valid) text once more, following only its structure — strings
    and scalars via the standard decoder's ``raw_decode`` — and notes where each key
    and each array item begins. It also refuses duplicate keys, which ``json.loads`` would
    resolve silently by keeping the last one.
    """

    _SPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: str, file: Path) -> None:
        self.text = text
        self.file = file
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]
        self.lines: LineMap = {}
        self.decoder = json.JSONDecoder()

    def run(self) -> LineMap:
        self._value(0, ())
        return self.lines

    def _line(self, pos: int) -> int:
        return bisect_left(self.newlines, pos) + 1

    def _skip(self, pos: int) -> int:
        match = self._SPACE.match(self.text, pos)
        return match.end() if match else pos

    def _value(self, pos: int, loc: Loc) -> int:
        pos = self._skip(pos)
        self.lines.setdefault(loc, self._line(pos))
        char = self.text[pos]
        if char == "{":
            return self._object(pos + 1, loc)
        if char == "[":
            return self._array(pos + 1, loc)
        _, end = self.decoder.raw_decode(self.text, pos)
        return int(end)

    def _object(self, pos: int, loc: Loc) -> int:
        pos = self._skip(pos)
        if self.text[pos] == "}":
            return pos + 1
        seen: set[str] = set()
        while True:
            pos = self._skip(pos)
            key, pos = self.decoder.raw_decode(self.text, pos)
            if key in seen:
                raise InputError(
                    self.file,
                    f"field {key!r} is given twice",
                    line=self._line(pos),
                    path=format_path((*loc, key)),
                )
            seen.add(key)
            self.lines[(*loc, key)] = self._line(pos)
            pos = self._skip(pos) + 1  # the colon
            pos = self._skip(self._value(pos, (*loc, key)))
            if self.text[pos] == "}":
                return pos + 1
            pos += 1  # the comma

    def _array(self, pos: int, loc: Loc) -> int:
        pos = self._skip(pos)
        if self.text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = self._skip(self._value(pos, (*loc, index)))
            if self.text[pos] == "]":
                return pos + 1
            pos += 1
            index += 1


# --- validating ----------------------------------------------------------------------------


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The file model that a location points into, to suggest field names."""
    model: type[BaseModel] = EventFile
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for name, f in model.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return None
        annotation = field.annotation
        found: type[BaseModel] | None = None
        pending: list[Any] = [annotation]
        while pending:
            item = pending.pop()
            if isinstance(item, type) and issubclass(item, BaseModel):
                found = item
                break
            if get_origin(item) is not None or get_args(item):
                pending.extend(get_args(item))
        if found is None:
            return None
        model = found
    return model


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        message = "unknown field"
        if model is not None:
            names = [field.alias or name for name, field in model.model_fields.items()]
            close = get_close_matches(str(loc[-1]), names, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            else:
                message += f" (known fields: {', '.join(names)})"
        return message
    message = error["msg"]
    if kind.startswith("bad_"):  # our own messages already show the value
        return message
    message = message[0].lower() + message[1:]
    return f"{message}, got {error['input']!r}"


class _PlainMeeting:
    """A meeting written with plain values only (ids, numbers, flags, enum values; no spans,
    lock, host or agreed place), read without the schema's validator. It stands for the
    ``MeetingIn`` the validator would give (the builder only reads its attributes): the values
    written, the schema's defaults for the others (an empty tuple for an empty list)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)


for _name, _field in MeetingIn.model_fields.items():
    if not _field.is_required():
        setattr(_PlainMeeting, _name, () if _field.default_factory else _field.default)


_PLAIN_FIELDS = frozenset(
    {"id", "principals", "format", "duration_min", "priority", "required", "day_part", "after"}
    | {"needs_space", "needs", "size", "title"}
)
_FORMATS = {item.value: item for item in MeetingFormat}
_DAY_PARTS = {item.value: item for item in DayPart}
_FEATURES = {item.value: item for item in Feature}


_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, type(None)})
_INT_OR_NONE = frozenset({int, type(None)})
_BOOL_OR_NONE = frozenset({bool, type(None)})


def _strings(value: object) -> bool:
    """Whether the value is a list of strings (an empty one too)."""
    return type(value) is list and (not value or set(map(type, value)) == _STR)


def _plain_meeting(item: object) -> MeetingIn | None:
    """The meeting as ``MeetingIn`` would read it, when it is written with plain values of
    exactly the types the schema takes as they are; None for anything else (the schema reads
    it, and reports what is wrong with it). One look per field, in C where it can be: this
    runs for each meeting of the file."""
    if type(item) is not dict or not _PLAIN_FIELDS.issuperset(item):
        return None
    get = item.get
    if (
        not _strings(get("principals"))
        or type(get("id")) not in _STR_OR_NONE
        or type(get("duration_min")) not in _INT_OR_NONE
        or type(get("priority")) not in _INT_OR_NONE
        or type(get("size")) not in _INT_OR_NONE
        or type(get("needs_space")) not in _BOOL_OR_NONE
        or type(get("required", False)) is not bool
        or type(get("title", "")) is not str
        or ("after" in item and not _strings(item["after"]))
    ):
        return None
    fields = dict(item)
    kind = get("format")
    if kind is not None:
        if type(kind) is not str or kind not in _FORMATS:
            return None
        fields["format"] = _FORMATS[kind]
    if "day_part" in item:
        part = item["day_part"]
        if type(part) is not str or part not in _DAY_PARTS:
            return None
        fields["day_part"] = _DAY_PARTS[part]
    needs = get("needs")
    if needs is not None:
        if not _strings(needs) or not _FEATURES.keys() >= set(needs):
            return None
        fields["needs"] = [_FEATURES[need] for need in needs]
    return cast(MeetingIn, _PlainMeeting(fields))


def _validate(
    data: object, file: Path | str, lines: Mapping[Loc, int]
) -> tuple[EventFile, Sequence[MeetingIn]]:
    """The file's model, and its meetings (``model.meetings`` is empty when they are read
    apart: most meetings of a large file are plain, and the schema's validator took half the
    time of reading it)."""
    if data is None:
        raise InputError(file, "the file is empty; an event file starts with id, name, timezone")
    if not isinstance(data, dict):
        raise InputError(
            file, f"an event file is a mapping of fields, got {type(data).__name__}", line=1
        )
    # A file's numbers and yes/no may be written as text (a JSON file written from YAML read
    # as text, a spreadsheet's export): the models read them strictly only as the API's bodies.
    meetings = data.get("meetings")
    if type(meetings) is list and meetings:
        plain = [_plain_meeting(item) for item in meetings]
        try:
            model = EventFile.model_validate({**data, "meetings": []}, strict=False)
            read = [
                found if found is not None else MeetingIn.model_validate(item, strict=False)
                for found, item in zip(plain, meetings, strict=True)
            ]
        except ValidationError:
            pass  # reported below, as the whole file's schema reports it
        else:
            return model, read
    try:
        model = EventFile.model_validate(data, strict=False)
    except ValidationError as errors:
        # One error, the first in the file: that is where a reader starts fixing.
        details = errors.errors()
        first = min(details, key=lambda detail: _line_of(lines, tuple(detail["loc"])) or 0)
        loc = tuple(first["loc"])
        raise InputError(
            file, _describe(first), line=_line_of(lines, loc), path=format_path(loc)
        ) from None
    return model, model.meetings


# --- building the domain -------------------------------------------------------------------


class _At:
    """``_Builder.at``: a plain context manager, as it wraps every object built (a generator-based
    one took a tenth of the time to build a large event)."""

    __slots__ = ("builder", "loc")

    def __init__(self, builder: _Builder, loc: Loc) -> None:
        self.builder = builder
        self.loc = loc

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if isinstance(error, DomainError):
            self.builder.fail((*self.loc, *parse_path(error.path)), error.message)


class _Builder:
    """Turns a validated file into an ``Event``, resolving references and local times."""

    def __init__(
        self,
        read: tuple[EventFile, Sequence[MeetingIn]],
        file: Path | str,
        lines: Mapping[Loc, int],
    ) -> None:
        self.model, self.meetings = read
        model = self.model
        self.file = file
        self.lines = lines
        self.zone = self._zone()
        self.days = tuple(model.days)
        self.party_ids = {PartyId(p.id) for p in model.parties}
        self.principals_of: dict[str, list[PrincipalId]] = {}
        self.principal_party: dict[PrincipalId, PartyId] = {}
        # The spans of a (day, start, end) as written: a large event repeats a few of them.
        self.span_cache: dict[tuple[object, object, object], tuple[TimeSpan, ...]] = {}

    def fail(self, loc: Loc, message: str) -> NoReturn:
        raise InputError(self.file, message, line=_line_of(self.lines, loc), path=format_path(loc))

    def at(self, loc: Loc) -> _At:
        """Report a ``DomainError`` raised while building the object at ``loc`` there."""
        return _At(self, loc)

    # --- times ---

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.model.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(
                ("timezone",),
                f"unknown time zone {self.model.timezone!r}; use an IANA name "
                "such as 'America/Lima' or 'Europe/Paris'",
            )

    def instant(self, local: datetime, loc: Loc) -> datetime:
        aware = local.replace(tzinfo=self.zone)
        # A wall-clock time skipped by a daylight-saving jump has no instant; zoneinfo would
        # quietly shift it, so check that the instant reads back as the same wall-clock time.
        if aware.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != local:
            self.fail(loc, f"{local:%Y-%m-%d %H:%M} does not exist in {self.model.timezone}")
        return aware.astimezone(UTC)

    def event_day(self, day: date, loc: Loc) -> date:
        if day not in self.days:
            self.fail(loc, f"{day.isoformat()} is not one of the event's days")
        return day

    def spans(self, items: list[SpanIn], loc: Loc) -> tuple[TimeSpan, ...]:
        if not items:
            return ()
        result: list[TimeSpan] = []
        cache = self.span_cache
        for index, item in enumerate(items):
            key = (item.day, item.start, item.end)
            found = cache.get(key)
            if found is None:
                found = cache[key] = tuple(self.span(item, (*loc, index)))
            result.extend(found)
        return tuple(result)

    def span(self, item: SpanIn, loc: Loc) -> list[TimeSpan]:
        start, end = item.start, item.end
        pairs: list[tuple[datetime, datetime]]
        if isinstance(start, datetime) and isinstance(end, datetime):
            if item.day is not None:
                self.fail((*loc, "day"), "a span written with date-times takes no day")
            pairs = [(start, end)]
        elif isinstance(start, time) and isinstance(end, time):
            days = [self.event_day(item.day, (*loc, "day"))] if item.day else self.days
            pairs = [(datetime.combine(d, start), datetime.combine(d, end)) for d in days]
        else:
            self.fail(
                (*loc, "end"),
                "start and end must both be times of day ('09:00') "
                "or both date-times ('2016-11-19 09:00')",
            )
        result: list[TimeSpan] = []
        for local_start, local_end in pairs:
            if local_end <= local_start:
                self.fail(
                    (*loc, "end"),
                    f"must be after the start ({local_start:%Y-%m-%d %H:%M} to "
                    f"{local_end:%Y-%m-%d %H:%M})",
                )
            first = self.instant(local_start, (*loc, "start"))
            last = self.instant(local_end, (*loc, "end"))
            with self.at(loc):
                result.append(TimeSpan(first, last))
        return result

    # --- references ---

    def party(self, ref: str, loc: Loc) -> PartyId:
        if ref not in self.party_ids:
            self.fail(loc, f"unknown party {ref!r}")
        return PartyId(ref)

    def principal(self, ref: str, loc: Loc) -> PrincipalId:
        if ref in self.principal_party:
            return PrincipalId(ref)
        self.fail(loc, f"unknown principal {ref!r}")

    def meeting_principal(self, ref: str, loc: Loc) -> PrincipalId:
        """A principal id, or a party id standing for the party's only principal."""
        if ref in self.principal_party:
            return PrincipalId(ref)
        if ref in self.party_ids:
            members = self.principals_of.get(ref, [])
            if len(members) == 1:
                return members[0]
            if not members:
                self.fail(loc, f"party {ref!r} has no principal")
            self.fail(
                loc,
                f"party {ref!r} has {len(members)} principals ({', '.join(members)}); "
                "name one of them",
            )
        self.fail(loc, f"unknown principal or party {ref!r}")

    # --- objects ---

    def build(self) -> Event:
        model = self.model
        parties = tuple(self._party(p, ("parties", i)) for i, p in enumerate(model.parties))
        principals = tuple(
            self._principal(p, ("principals", i)) for i, p in enumerate(model.principals)
        )
        delegations = tuple(
            self._delegation(d, ("delegations", i)) for i, d in enumerate(model.delegations)
        )
        programme = tuple(self._session(s, ("programme", i)) for i, s in enumerate(model.programme))
        spaces = tuple(self._space(s, ("spaces", i)) for i, s in enumerate(model.spaces))
        walking = self._walking(spaces)
        meetings = tuple(self._meeting(m, ("meetings", i)) for i, m in enumerate(self.meetings))
        # EventPolicy names its fields from the event's root ("policy.<field>").
        with self.at(()):
            policy = EventPolicy(
                max_bookings_per_party_per_day=model.policy.max_bookings_per_party_per_day,
                fairness_max_spread=model.policy.fairness_max_spread,
                organiser_sees=model.policy.organiser_sees,
                freeze_window_min=model.policy.freeze_window_min,
                press_buffer_min=model.policy.press_buffer_min,
                formats=frozenset(model.policy.formats),
                required_terms=tuple(dict.fromkeys(model.policy.required_terms)),
                no_show_after_min=model.policy.no_show_after_min,
                refill_confirm_min=model.policy.refill_confirm_min,
                max_open_requests_per_party=model.policy.max_open_requests_per_party,
                max_open_requests_per_target=model.policy.max_open_requests_per_target,
                one_open_request_per_format=model.policy.one_open_request_per_format,
                request_reminder_hours=model.policy.request_reminder_hours,
            )
        interpreters = tuple(
            self._interpreters(item, ("interpreters", index))
            for index, item in enumerate(model.interpreters)
        )
        with self.at(()):
            event = Event(
                id=model.id,
                name=model.name,
                timezone=model.timezone,
                days=self.days,
                parties=parties,
                principals=principals,
                meetings=meetings,
                delegations=delegations,
                programme=programme,
                spaces=spaces,
                walking_times=walking,
                interpreters=interpreters,
                policy=policy,
                meeting_defaults=MeetingDefaults(
                    format=model.meeting_defaults.format,
                    duration_min=model.meeting_defaults.duration_min,
                    priority=model.meeting_defaults.priority,
                ),
                day_start=model.day_start,
                day_end=model.day_end,
                morning_ends=model.morning_ends,
                grain_min=model.grain_min,
                series=model.series,
                host_city=model.host_city,
                host_country=model.host_country,
                venue=model.venue,
            )
        self._check_locks(event)
        return event

    def _party(self, item: PartyIn, loc: Loc) -> Party:
        with self.at(loc):
            return Party(id=PartyId(item.id), name=item.name, kind=item.kind)

    def _principal(self, item: PrincipalIn, loc: Loc) -> Principal:
        party = self.party(item.party, (*loc, "party"))
        principal_id = PrincipalId(item.id if item.id is not None else item.party)
        self.principals_of.setdefault(party, []).append(principal_id)
        self.principal_party[principal_id] = party
        unavailable = self.spans(item.unavailable, (*loc, "unavailable"))
        with self.at(loc):
            return Principal(
                id=principal_id,
                party=party,
                name=item.name,
                title=item.title,
                rank=item.rank,
                in_office_since=item.in_office_since,
                languages=tuple(item.languages),
                unavailable=unavailable,
            )

    def _delegation(self, item: DelegationIn, loc: Loc) -> Delegation:
        party = self.party(item.party, (*loc, "party"))
        members = tuple(
            self._member(member, party, (*loc, "members", index))
            for index, member in enumerate(item.members)
        )
        arrival = self.instant(item.arrival, (*loc, "arrival")) if item.arrival else None
        departure = self.instant(item.departure, (*loc, "departure")) if item.departure else None
        with self.at(loc):
            return Delegation(party=party, arrival=arrival, departure=departure, members=members)

    def _member(self, item: MemberIn, party: PartyId, loc: Loc) -> DelegationMember:
        principal = None
        if item.principal is not None:
            principal = self.principal(item.principal, (*loc, "principal"))
            if self.principal_party[principal] != party:
                self.fail(
                    (*loc, "principal"),
                    f"principal {principal!r} belongs to party "
                    f"{self.principal_party[principal]!r}, not {party!r}",
                )
        return DelegationMember(name=item.name, role=item.role, principal=principal)

    def _session(self, item: SessionIn, loc: Loc) -> ProgrammeSession:
        day = self.event_day(item.day, (*loc, "day"))
        (span,) = self.span(SpanIn(day=day, start=item.start, end=item.end), loc)
        attendees: set[PrincipalId] = set()
        if item.attendees == "all":
            attendees.update(self.principal_party)
        else:
            for index, ref in enumerate(item.attendees):
                if ref in self.principal_party:
                    attendees.add(PrincipalId(ref))
                elif ref in self.party_ids:
                    # A party attends with all its principals.
                    attendees.update(self.principals_of.get(ref, []))
                else:
                    self.fail((*loc, "attendees", index), f"unknown principal or party {ref!r}")
        session_id = item.id if item.id is not None else _slug(item.title)
        with self.at(loc):
            return ProgrammeSession(
                id=SessionId(session_id),
                title=item.title,
                span=span,
                attendees=frozenset(attendees),
                kind=item.kind,
                venue=item.venue,
            )

    def _space(self, item: SpaceIn, loc: Loc) -> Space:
        host = self.party(item.host_party, (*loc, "host_party")) if item.host_party else None
        opening = self.spans(item.opening_hours, (*loc, "opening_hours"))
        with self.at(loc):
            return Space(
                id=SpaceId(item.id),
                name=item.name if item.name is not None else item.id,
                kind=item.kind,
                capacity=item.capacity,
                features=frozenset(item.features),
                opening_hours=opening,
                turnover_min=item.turnover_min,
                location=item.location,
                host_party=host,
            )

    def _walking(self, spaces: tuple[Space, ...]) -> WalkingTimes:
        locations = {space.where for space in spaces}
        minutes: dict[tuple[str, str], int] = {}
        for index, item in enumerate(self.model.walking_times):
            for end, name in (("from", item.from_), ("to", item.to)):
                if name not in locations:
                    self.fail(
                        ("walking_times", index, end),
                        f"unknown location {name!r} (a space's location, or the id of a "
                        "space that has none)",
                    )
            minutes[(item.from_, item.to)] = item.minutes
        with self.at(("walking_times",)):
            return WalkingTimes(minutes)

    def _interpreters(self, item: InterpretersIn, loc: Loc) -> InterpreterPool:
        with self.at(loc):
            return InterpreterPool(languages=frozenset(item.languages), count=item.count)

    def _meeting(self, item: MeetingIn, loc: Loc) -> Meeting:
        defaults = self.model.meeting_defaults
        known = self.principal_party
        refs = item.principals
        if known.keys() >= set(refs):  # the common case: principal ids
            # The ids as written (``PrincipalId`` is the text itself): one C call, not a call
            # per principal of 20,000 meetings and more.
            principals = cast(tuple[PrincipalId, ...], tuple(refs))
        else:
            principals = tuple(
                self.meeting_principal(ref, (*loc, "principals", index))
                for index, ref in enumerate(refs)
            )
        host = None
        if item.host is not None:
            host = self.party(item.host, (*loc, "host"))
            if host not in {self.principal_party[p] for p in principals}:
                self.fail((*loc, "host"), f"host {host!r} is not one of the meeting's parties")
        locked = None
        if item.locked is not None:
            start = self.instant(item.locked.start, (*loc, "locked", "start"))
            space = SpaceId(item.locked.space) if item.locked.space is not None else None
            locked = Placement(start=start, space=space)
        # Most meetings name no interpreters, windows, wishes, precedences or agreed spaces:
        # those are taken empty without a generator or a call each (20,000 meetings and more).
        own_interpreters = (
            tuple(
                self.party(ref, (*loc, "own_interpreters", index))
                for index, ref in enumerate(item.own_interpreters)
            )
            if item.own_interpreters
            else ()
        )
        windows = self.spans(item.windows, (*loc, "windows")) if item.windows else ()
        preferred = self.spans(item.preferred, (*loc, "preferred")) if item.preferred else ()
        meeting_format = item.format or defaults.format or MeetingFormat.BILATERAL_RESTRICTED
        with self.at(loc):
            return Meeting(
                id=MeetingId(item.id if item.id is not None else "-".join(item.principals)),
                principals=principals,
                format=meeting_format,
                duration_min=(
                    item.duration_min if item.duration_min is not None else defaults.duration_min
                ),
                # Only a priority left out defaults to 1: a 0 given is an error, as -1 is.
                priority=(
                    item.priority
                    if item.priority is not None
                    else (defaults.priority if defaults.priority is not None else 1)
                ),
                required=item.required,
                windows=windows,
                day_part=item.day_part,
                preferred=preferred,
                locked=locked,
                after=tuple([MeetingId(m) for m in item.after]) if item.after else (),
                needs_space=item.needs_space,
                size=item.size,
                needs=frozenset(item.needs) if item.needs is not None else None,
                host=host,
                title=item.title,
                topics=tuple(item.topics) if item.topics else (),
                spaces=tuple([SpaceId(space) for space in item.spaces]) if item.spaces else (),
                press=item.press,
                own_interpreters=own_interpreters,
            )

    def _check_locks(self, event: Event) -> None:
        # The same grid the scheduler builds: a lock off the grid could never be honoured.
        grid = build_grid(event)
        for index, meeting in enumerate(event.meetings):
            if meeting.locked is not None and grid.slot_at(meeting.locked.start) is None:
                local = meeting.locked.start.astimezone(self.zone)
                self.fail(
                    ("meetings", index, "locked", "start"),
                    f"{local:%Y-%m-%d %H:%M} is not a start time of the event's "
                    f"{event.grain_min}-minute grid ({event.day_start:%H:%M} to "
                    f"{event.day_end:%H:%M} on the event's days)",
                )


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "session"


# --- public API ----------------------------------------------------------------------------


@contextmanager
def gc_paused() -> Iterator[None]:
    """Without the cyclic garbage collector while a large file is read: reading makes hundreds of
    thousands of objects and no cycles, and the collector's passes over them took half the
    time of reading a large event."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_event(path: str | Path, *, precise: bool = False) -> Event:
    """Read an event file (``.yaml``, ``.yml`` or ``.json``).

    Raises ``InputError`` naming the file, line and field path of the first problem found.
    ``precise`` reads YAML the slow way a file with a syntax error is read again (PyYAML's
    pure-Python parser and constructor, every field's line found first); the event is the same.
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            file, f"unknown file type {suffix or '(none)'!r}; use .yaml, .yml or .json"
        )
    text = read_text(file)
    with gc_paused():
        if suffix == ".json":
            data, lines = parse_json(text, file)
        else:
            data, lines = _parse_yaml(text, file, fast=not precise)
        read = _validate(data, file, lines)
        del data  # each dropped while the collector is paused: its first pass after the
        event = _Builder(read, file, lines).build()
        del read, lines  # pause walks every object still alive (a third of a second)
    return event


def event_from_data(data: object, source: str = "<data>") -> Event:
    """Build an event from already parsed data (errors carry paths but no lines)."""
    with gc_paused():
        return _Builder(_validate(data, source, {}), source, {}).build()


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of event files, YAML and JSON alike."""
    return EventFile.model_json_schema(by_alias=True)


def dump_event(event: Event) -> dict[str, Any]:
    """The event as plain data (JSON/YAML-ready) that ``event_from_data`` reads back equal."""
    zone = event.zone

    def local(instant: datetime) -> datetime:
        return instant.astimezone(zone).replace(tzinfo=None)

    def span(value: TimeSpan) -> SpanIn:
        start, end = local(value.start), local(value.end)
        if start.date() == end.date() and start.date() in event.days:
            return SpanIn(day=start.date(), start=start.time(), end=end.time())
        return SpanIn(start=start, end=end)

    def session(value: ProgrammeSession) -> SessionIn:
        start, end = local(value.span.start), local(value.span.end)
        if start.date() != end.date():
            raise ValueError(f"programme session {value.id!r} spans midnight")
        everyone = value.attendees == frozenset(event.principal_by_id)
        return SessionIn(
            id=value.id,
            title=value.title,
            kind=value.kind,
            day=start.date(),
            start=start.time(),
            end=end.time(),
            attendees="all" if everyone else sorted(value.attendees),
            venue=value.venue,
        )

    model = EventFile(
        id=event.id,
        name=event.name,
        series=event.series,
        host_city=event.host_city,
        host_country=event.host_country,
        venue=event.venue,
        timezone=event.timezone,
        days=list(event.days),
        day_start=event.day_start,
        day_end=event.day_end,
        morning_ends=event.morning_ends,
        grain_min=event.grain_min,
        policy=PolicyIn(
            max_bookings_per_party_per_day=event.policy.max_bookings_per_party_per_day,
            fairness_max_spread=event.policy.fairness_max_spread,
            organiser_sees=event.policy.organiser_sees,
            freeze_window_min=event.policy.freeze_window_min,
            press_buffer_min=event.policy.press_buffer_min,
            formats=sorted(event.policy.formats),
            required_terms=list(event.policy.required_terms),
            no_show_after_min=event.policy.no_show_after_min,
            refill_confirm_min=event.policy.refill_confirm_min,
            max_open_requests_per_party=event.policy.max_open_requests_per_party,
            max_open_requests_per_target=event.policy.max_open_requests_per_target,
            one_open_request_per_format=event.policy.one_open_request_per_format,
            request_reminder_hours=event.policy.request_reminder_hours,
        ),
        parties=[PartyIn(id=p.id, name=p.name, kind=p.kind) for p in event.parties],
        principals=[
            PrincipalIn(
                id=p.id,
                party=p.party,
                name=p.name,
                title=p.title,
                rank=p.rank,
                in_office_since=p.in_office_since,
                languages=list(p.languages),
                unavailable=[span(s) for s in p.unavailable],
            )
            for p in event.principals
        ],
        delegations=[
            DelegationIn(
                party=d.party,
                arrival=local(d.arrival) if d.arrival else None,
                departure=local(d.departure) if d.departure else None,
                members=[
                    MemberIn(name=m.name, role=m.role, principal=m.principal) for m in d.members
                ],
            )
            for d in event.delegations
        ],
        programme=[session(s) for s in event.programme],
        spaces=[
            SpaceIn(
                id=s.id,
                name=s.name,
                kind=s.kind,
                capacity=s.capacity,
                features=sorted(s.features),
                opening_hours=[span(h) for h in s.opening_hours],
                turnover_min=s.turnover_min,
                location=s.location,
                host_party=s.host_party,
            )
            for s in event.spaces
        ],
        walking_times=[
            WalkIn(from_=a, to=b, minutes=m) for (a, b), m in event.walking_times.minutes.items()
        ],
        interpreters=[
            InterpretersIn(languages=sorted(pool.languages), count=pool.count)
            for pool in event.interpreters
        ],
        meeting_defaults=MeetingDefaultsIn(
            format=event.meeting_defaults.format,
            duration_min=event.meeting_defaults.duration_min,
            priority=event.meeting_defaults.priority,
        ),
        meetings=[
            MeetingIn(
                id=m.id,
                principals=list(m.principals),
                format=m.format,
                duration_min=m.duration_min,
                priority=m.priority,
                required=m.required,
                windows=[span(w) for w in m.windows],
                day_part=m.day_part,
                preferred=[span(w) for w in m.preferred],
                locked=(
                    LockedIn(start=local(m.locked.start), space=m.locked.space)
                    if m.locked
                    else None
                ),
                after=list(m.after),
                needs_space=m.needs_space,
                needs=sorted(m.needs) if m.needs is not None else None,
                size=m.size,
                host=m.host,
                title=m.title,
                topics=list(m.topics),
                spaces=list(m.spaces),
                press=m.press,
                own_interpreters=list(m.own_interpreters),
            )
            for m in event.meetings
        ],
    )
    return model.model_dump(mode="json", by_alias=True, exclude_defaults=True)


__all__ = [
    "dump_event",
    "event_from_data",
    "event_json_schema",
    "format_path",
    "gc_paused",
    "load_event",
    "parse_path",
]
