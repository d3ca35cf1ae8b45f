"""The services' own error messages in the reader's language, with no marking at each ``raise``.

A service raises its error with an English sentence, often an f-string
(``Conflict(f"meeting {meeting_id} is {row.status}, not on the schedule")``). The catalogs
learn each such sentence from the sources: :func:`extract` (a Babel extraction method) turns
the message of every error constructed in ``services/`` into a text with named placeholders
(``"meeting %(meeting_id)s is %(status)s, not on the schedule"``). Where the error is shown,
:func:`translate` finds the text an English message was made from, reads back the values put
in it, and says it in the language of the moment. A message it cannot trace (a rule's own
sentence passed on, say) stays as it was.

The English sentence stays the error's own: the command line, the engine's callers and the
JSON API (unless its client asks for another language) read it unchanged.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po

from sidelines import i18n

# The comment each extracted error text carries in the catalogs: for translators, and for
# :func:`templates` to tell these texts from the others.
MARK = "An error a service raises, shown on pages and in JSON errors."

# The classes of the services' errors (``services/errors.py`` and the services' own
# subclasses); tests/i18n checks that every subclass of ``ServiceError`` is named here.
ERRORS = frozenset(
    {
        "ServiceError",
        "Unauthenticated",
        "Forbidden",
        "NotFound",
        "Conflict",
        "RulesBroken",
        "PreviewChanged",
        "Invalid",
        "InvalidFile",
        "PreconditionFailed",
        "TooManyAttempts",
        "EditRefused",
        "RuleBroken",
        "PreferenceBroken",
        "PlaceTaken",
        "ChangedSince",
        "MeetingConflict",
        "ConflictInWords",
        "StalePlan",
        "RequestLimit",
        "DuplicateRequest",
        "LoginThrottled",
    }
)
# Sentences raised below the services and passed on by them as they are
# (``Conflict(error.message, error.path)``): the domain's errors, the input files' (event and
# history files, uploads), and the rules' sentences on
# what a schedule breaks (``Violation(rule, message, meetings)``, shown with ``EditRefused`` and
# ``RulesBroken``). Each is extracted as a service's own, from where it is written.
PASSED_ON = {"DomainError": 0, "InputError": 1, "HistoryFileError": 1, "Violation": 1}
# The facts of an explanation of a meeting left out (``scheduling.explanations``), each written
# as a text with named placeholders and its values (``fact(kind, text, **values)``), and its
# summary (``_explanation(meeting, scheduled, facts, text, **values)``).
PASSED_ON |= {"fact": 1, "_explanation": 3}
# A placement rule says what a placement breaks in the sentence its ``explain`` returns, and why
# a space or a session does not fit in the one its ``misfit`` returns; the engine says why a
# meeting is left out, and the facts that keep it out, in those the others here return.
EXPLAIN = frozenset(
    {
        "explain",
        "misfit",
        "_misfit",
        "never_placeable",
        "not_holdable_where_locked",
        "_fits_reason",
        "_fairness_reason",
        "_room_policy_reason",
        "_no_schedule_reason",
        "_taken_reason",
        "meeting_text",
        # A principal's rule: who is kept from the meeting, and why.
        "blocked_text",
        "taker_text",
        # The alternatives offered for a meeting that fits nowhere as agreed.
        "shorter_format_text",
        "other_day_text",
        "give_way_text",
        # ... and why it has no place after a change (``scheduling.onsite.replan``).
        "stuck_reason",
        "no_place_reason",
    }
)
# ``not_found(kind, ident)`` says ``f"no {kind} {ident}"``: a text per kind reads better in
# languages that decline the noun.
NOT_FOUND = "not_found"

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _name(node: ast.expr) -> str:
    """A placeholder's name from the expression it stands for: ``row.status`` → ``status``."""
    if isinstance(node, ast.Name):
        return node.id.lower().strip("_") or "value"
    if isinstance(node, ast.Attribute):
        return node.attr.lower().strip("_") or "value"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value).lower() if isinstance(node.slice.value, str) else "value"
    if isinstance(node, ast.Call):
        # map(str, periods) names its iterable, not the function it maps.
        mapped = isinstance(node.func, ast.Name) and node.func.id == "map"
        names = [_name(arg) for arg in (node.args[1:] if mapped else node.args)]
        return names[0] if names else _name(node.func)
    if isinstance(node, ast.BinOp):
        return _name(node.left)
    return "value"


def text_of(node: ast.expr) -> str | None:
    """The catalog text of an error message written as ``node``, or None if it is not written
    out in the source (a variable, a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        # "an outcome is one of " + ", ".join(...): the sum read as an f-string.
        pieces = _summands(node)
        if not any(isinstance(p, ast.Constant | ast.JoinedStr) for p in pieces):
            return None
        values: list[ast.expr] = []
        for piece in pieces:
            if isinstance(piece, ast.JoinedStr):
                values += piece.values
            elif isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                values.append(piece)
            else:
                values.append(ast.FormattedValue(piece, -1, None))
        node = ast.JoinedStr(values)
    if not isinstance(node, ast.JoinedStr):
        return None
    names: dict[str, str] = {}  # expression → placeholder name
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value.replace("%", "%%"))
        elif isinstance(value, ast.FormattedValue):
            expression = ast.unparse(value.value)
            if expression not in names:
                name = _name(value.value)
                taken = set(names.values())
                unique, n = name, 2
                while unique in taken:
                    unique, n = f"{name}_{n}", n + 1
                names[expression] = unique
            parts.append(f"%({names[expression]})s")
    if not names:
        return "".join(parts).replace("%%", "%") or None
    return "".join(parts) or None


def _summands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _summands(node.left) + _summands(node.right)
    return [node]


def _called(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def texts(source: str) -> Iterator[tuple[int, str]]:
    """Each error message written out in ``source``, with its line."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name in EXPLAIN:
            yield from _returned(node)
        if isinstance(node, ast.ClassDef):
            yield from _labels(node)
        if not isinstance(node, ast.Call) or not node.args:
            continue
        called = _called(node)
        if called in ERRORS:
            text = text_of(node.args[0])
        elif called in PASSED_ON and len(node.args) > PASSED_ON[called]:
            text = text_of(node.args[PASSED_ON[called]])
        elif called == NOT_FOUND and isinstance(kind := node.args[0], ast.Constant):
            text = f"no {kind.value} %(ident)s" if isinstance(kind.value, str) else None
        else:
            continue
        if text:
            yield node.lineno, text


def _labels(rule: ast.ClassDef) -> Iterator[tuple[int, str]]:
    """A rule's human label (``label = "a principal attends at most one meeting at a time"``),
    which a reason names where the rule leaves a meeting no time and place."""
    for item in rule.body:
        if (
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "label" for t in item.targets)
            and isinstance(item.value, ast.Constant)
            and isinstance(item.value.value, str)
        ):
            yield item.lineno, item.value.value


def _returned(function: ast.FunctionDef) -> Iterator[tuple[int, str]]:
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            text = text_of(node.value)
            if text:
                yield node.lineno, text


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """A Babel extraction method for the services: the texts marked with ``_`` as in any
    module, and every error message, each as (line, function, text, comments)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for line, text in texts(source):
        yield line, None, text, [MARK]


@dataclass(frozen=True)
class Template:
    """An error text with placeholders and the pattern of the English messages it makes."""

    text: str
    pattern: re.Pattern[str]
    # Characters written out, not filled in: the most specific text wins when several match.
    fixed: int


def _template(text: str) -> Template:
    pattern, fixed, seen = [], 0, set()
    for index, piece in enumerate(_PLACEHOLDER.split(text)):
        if index % 2:
            # A value may be empty (a rule's " (morning only)" where none was asked).
            pattern.append(f"(?P={piece})" if piece in seen else f"(?P<{piece}>.*?)")
            seen.add(piece)
        else:
            literal = piece.replace("%%", "%")
            fixed += len(literal)
            pattern.append(re.escape(literal))
    return Template(text, re.compile("".join(pattern), re.DOTALL), fixed)


@cache
def templates() -> tuple[Template, ...]:
    """The error texts with placeholders, most specific first."""
    path = i18n.LOCALES / i18n.DEFAULT / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    if not path.exists():
        return ()
    with path.open("rb") as source:
        catalog = read_po(source, locale=i18n.DEFAULT)
    found = [
        _template(m.id)
        for m in catalog
        if isinstance(m.id, str) and MARK in m.auto_comments and _PLACEHOLDER.search(m.id)
    ]
    return tuple(sorted(found, key=lambda t: (-t.fixed, t.text)))


def translate(message: str, names: Mapping[str, str] | None = None) -> str:
    """``message``, an English error message of a service (or a sentence of the engine), in
    the language of the moment. ``names`` says how a name put in it in English reads in that
    language (a meeting the engine names by its format and sides, say)."""
    return _said(message, nested=True, names=names or {})


def translate_value(value: str, names: Mapping[str, str] | None = None) -> str:
    """A value put in a sentence (a name, a status, a sentence of its own), in the language of
    the moment, as :func:`translate` says the values it reads back."""
    if i18n.current() == i18n.DEFAULT:
        return value
    return _value(value, True, names or {})


def _said(message: str, nested: bool, names: Mapping[str, str]) -> str:
    if i18n.current() == i18n.DEFAULT or not message:
        return message
    if message in names:
        return names[message]
    said = i18n.gettext(message)
    if said != message:
        return said
    for template in templates():
        match = template.pattern.fullmatch(message)
        if match is None:
            continue
        translated = i18n.gettext(template.text)
        if translated == template.text:
            return message
        values = {name: _value(value, nested, names) for name, value in match.groupdict().items()}
        try:
            return translated % values
        except (KeyError, ValueError, TypeError):
            return message
    return message


def _value(value: str, nested: bool, names: Mapping[str, str]) -> str:
    """A value read back from a message, said too where it is a text of the catalogs (a status)
    or, one level deep, a sentence of its own (a rule's reason why a space does not fit); a
    list of such after semicolons (the rules that keep a meeting out), each so."""
    if not value:
        return value  # gettext says the catalog's header for ""
    if value in names:
        return names[value]
    times = i18n.said_times(value)
    if times is not None:
        return times  # the engine's times, with the reader's weekday and month names
    if "; " in value:
        return "; ".join(_value(part, nested, names) for part in value.split("; "))
    return _said(value, nested=False, names=names) if nested else i18n.gettext(value)
