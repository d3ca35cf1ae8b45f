"""A reader for the plain block YAML that large event files are written in, or nothing.

PyYAML's libyaml binding makes a Python object for every event and node of the text (with two
position marks each) and calls back into Python to resolve every scalar: for a 3 MB event file
that alone took half a second, about as long as validating and building the whole event. Large
event files are written by programs (``yaml.safe_dump``, a spreadsheet export) in a small part of
YAML: block mappings and sequences, one field per line, plain or quoted one-line scalars, short
flow lists. ``read_plain_yaml`` reads exactly that part with one regular expression over the
whole text and a walk over its lines, in a third of that time, and returns ``None`` for any text
that uses anything else (anchors, tags, multi-line scalars, escapes, flow mappings, tabs, other
line breaks, a key given twice, a syntax error...): the caller then reads it with PyYAML, which
also gives every message and line. So the reader never decides what a text means where PyYAML
might decide otherwise; the tests compare the two on generated and broken texts.

Plain scalars are typed as the caller's ``resolve`` says (the event reader's YAML 1.2 rules), and
it is asked once per distinct text that starts as one of its patterns may (``typed_starts``); it
raises ``NotPlain`` for a scalar it will not type (YAML's merge key as a value, say).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# One line: its indent, a sequence entry's dash, a key (only simple names, as the file's fields
# are: other keys go to PyYAML) and the rest. The key needs a space or the line's end after its
# colon, as YAML says (``a:b`` is one scalar).
_LINE = re.compile(r"^( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_]*):(?= |$) *)?(.*)$", re.MULTILINE)

# A one-line scalar after ``key: `` or ``- ``, then spaces and a comment. A plain scalar starts
# with no indicator (a ``-`` only before a non-space) and holds no ``: `` and no `` #``;
# quoted ones hold no escapes (double) and only doubled quotes (single).
_PLAIN = r"(?:[^\s\-?:,\[\]{}#&*!|>'\"%@`]|-(?=\S))(?:[^:#\s]|:(?=\S)|(?<=\S)#| +(?=[^\s#]))*"
_SCALAR = re.compile(
    r"(?:(?P<plain>" + _PLAIN + r")|'(?P<single>(?:[^']|'')*)'|\"(?P<double>[^\"\\]*)\")"
    r"(?: +#.*| *)$"
)
# A one-line flow sequence of simple items, or an empty flow mapping. In a flow, a plain scalar
# ends at any of ``,?[]{}`` (PyYAML's scanner): an item holds none of them, nor ``:`` or ``#``.
_FLOW_ITEM = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#,?\[\]{}\s]| +(?=[^\s#,?\]]))*"
_FLOW_ITEMS = re.compile(r"\[ *(?P<items>(?:" + _FLOW_ITEM + r" *, *)*" + _FLOW_ITEM + r")? *\]")
_FLOW = re.compile(r"(?P<flow>\[[^\]]*\]|\{ *\})(?: +#.*| *)$")
_SPLIT = re.compile(r" *, *")

# Characters whose meaning here could differ from YAML's: any but a line feed and the printable
# ones YAML allows (YAML 1.1, 5.1), less other line breaks and a byte-order mark. A text with
# any of them (a tab, say) goes to PyYAML.
_OTHER = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)

# Line fields of ``_LINE`` rows.
_INDENT, _DASH, _KEY, _REST = 0, 1, 2, 3


class NotPlain(Exception):
    """The text uses YAML beyond what this reader reads."""


class _Empty:
    """A key or dash with nothing after it on its line."""


_EMPTY = _Empty()


def read_plain_yaml(
    text: str, resolve: Callable[[str], object], typed_starts: Iterable[str]
) -> object | None:
    """The data of ``text`` if it is plain block YAML (a mapping or sequence at its root),
    else ``None``. ``resolve`` types a plain scalar whose first character is one of
    ``typed_starts``; any other plain scalar is text."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _OTHER.search(text):
        return None
    try:
        return _Reader(text, resolve, frozenset(typed_starts)).read()
    except (NotPlain, RecursionError):
        return None


class _Reader:
    def __init__(
        self, text: str, resolve: Callable[[str], object], typed_starts: frozenset[str]
    ) -> None:
        # Blank and comment lines say nothing in block YAML.
        self.rows = [
            row
            for row in _LINE.findall(text)
            if row[_DASH] or row[_KEY] or row[_REST][:1] not in ("", "#")
        ]
        self.resolve = resolve
        self.typed_starts = typed_starts
        self.scalars: dict[str, object] = {}
        self.text_keys: set[str] = set()

    def read(self) -> object:
        rows = self.rows
        if not rows:
            raise NotPlain
        first = rows[0]
        if not (first[_DASH] or first[_KEY]):  # a scalar document
            raise NotPlain
        document, end = self._node(0, len(first[_INDENT]))
        if end != len(rows):
            raise NotPlain
        return document

    def _node(self, at: int, indent: int) -> tuple[object, int]:
        """The block node whose first line is ``rows[at]``, at ``indent``; and the next row."""
        row = self.rows[at]
        if row[_DASH]:
            return self._sequence(at, indent)
        if row[_KEY]:
            return self._mapping(at, indent)
        raise NotPlain

    def _sequence(self, at: int, indent: int) -> tuple[list[object], int]:
        rows, count = self.rows, len(self.rows)
        items: list[object] = []
        while True:
            row = rows[at]
            item: object
            if row[_KEY]:  # ``- key: ...`` starts a mapping at the key's column
                item, at = self._mapping(at, indent + len(row[_DASH]))
            else:
                item = self._scalar(row[_REST])
                if item is _EMPTY:
                    raise NotPlain
                at += 1
            items.append(item)
            if at == count:
                return items, at
            after = rows[at]
            following = len(after[_INDENT])
            if following == indent and after[_DASH]:
                continue
            if following <= indent:  # the parent checks that it may go on here
                return items, at
            raise NotPlain

    def _mapping(self, at: int, column: int) -> tuple[dict[str, object], int]:
        rows, count = self.rows, len(self.rows)
        mapping: dict[str, object] = {}
        entries = 0
        while True:
            row = rows[at]
            key = row[_KEY]
            if key not in self.text_keys:
                self._check_key(key)
            value = self._scalar(row[_REST])
            at += 1
            if value is _EMPTY:
                value = None
                if at < count:
                    below = rows[at]
                    deeper = len(below[_INDENT])
                    if deeper > column:
                        value, at = self._node(at, deeper)
                    elif deeper == column and below[_DASH]:  # a sequence at the key's column
                        value, at = self._sequence(at, column)
            mapping[key] = value
            entries += 1
            if at == count:
                break
            after = rows[at]
            following = len(after[_INDENT])
            if following == column and not after[_DASH] and after[_KEY]:
                continue
            if following < column:
                break
            raise NotPlain
        if len(mapping) != entries:  # a key given twice: PyYAML's reading names its line
            raise NotPlain
        return mapping, at

    def _check_key(self, key: str) -> None:
        """Only keys that YAML reads as text, as the file's fields are (``true:`` is not)."""
        if key[0] in self.typed_starts and self.resolve(key) != key:
            raise NotPlain
        self.text_keys.add(key)

    def _scalar(self, rest: str) -> object:
        if not rest or rest[0] == "#":
            return _EMPTY
        known = self.scalars.get(rest, _EMPTY)
        if known is not _EMPTY:
            return known
        value = self._parse_scalar(rest)
        if isinstance(value, list | dict):  # a fresh one wherever it is written
            return value
        self.scalars[rest] = value
        return value

    def _parse_scalar(self, rest: str) -> object:
        match = _SCALAR.match(rest)
        if match is None:
            return self._flow(rest)
        plain = match["plain"]
        if plain is not None:
            return self.resolve(plain) if plain[0] in self.typed_starts else plain
        single = match["single"]
        if single is not None:
            return single.replace("''", "'")
        return match["double"]

    def _flow(self, rest: str) -> object:
        match = _FLOW.match(rest)
        if match is None:
            raise NotPlain
        flow = match["flow"]
        if flow[0] == "{":
            return {}
        items = _FLOW_ITEMS.fullmatch(flow)
        if items is None:
            raise NotPlain
        if items["items"] is None:
            return []
        texts = _SPLIT.split(items["items"])
        return [self.resolve(text) if text[0] in self.typed_starts else text for text in texts]
