"""The bounds of what the API accepts, in one place, as pydantic types for its schemas.

Every text has a length limit and every list a count limit, so no request can make the server
store, index or echo an unbounded value. A bad value is refused with 422 naming its field:

- ``Ref``: the id of a party, principal, space, session or interpreter: 1 to 64 characters.
- ``Topic``: one topic, 1 to 200 characters; ``TOPICS_MAX`` (30) topics at the most.
- ``Instant``: a time with its offset that also has a UTC form (year 1 to 9999 in UTC).
- ``DbId`` (in a JSON body, a JSON number and nothing else), ``PathId``, ``QueryId`` and
  ``FormId`` (in a form or a repeated query value, where every value is text): the id of a
  stored object, 1 to 2⁵³: ids are drawn at random below 2⁵³ (``storage.tables.random_id``),
  which JavaScript's numbers hold exactly.
- No text anywhere may hold a NUL character, which PostgreSQL cannot store (``no_nul``).

A body is at most ``BODY_MAX`` bytes (1 MB), refused with 413 before it is read whole; the routes
that take a file (an event file, a history file, a press report) say their own, larger, bound.

The free texts keep their own limits in the schemas (messages and notes 5,000 characters,
reasons 1,000 or 2,000, statements 20,000, names 200).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, Field, StrictInt, StringConstraints

# The largest body the longest fields of one request can fill (a report's 200,000 characters
# of Cyrillic, a publication keeping out ten thousand meetings) take less than a megabyte.
BODY_MAX = 1_000_000
# An event file of a fair with thousands of companies and tens of thousands of meetings.
FILE_BODY_MAX = 64_000_000
REF_MAX = 64
TOPIC_MAX = 200
TOPICS_MAX = 30
DB_ID_MAX = 2**53

Ref = Annotated[str, StringConstraints(min_length=1, max_length=REF_MAX)]
Topic = Annotated[str, StringConstraints(min_length=1, max_length=TOPIC_MAX)]
Topics = Annotated[list[Topic], Field(max_length=TOPICS_MAX)]
DbId = Annotated[StrictInt, Field(ge=1, le=DB_ID_MAX)]
FormId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
PathId = Annotated[int, Path(ge=1, le=DB_ID_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=DB_ID_MAX)]


def in_utc_range(moment: datetime) -> datetime:
    """``moment`` if it can be written in UTC; a ValueError (so a 422 for the field) if not."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None
    return moment


Instant = Annotated[AwareDatetime, AfterValidator(in_utc_range)]


def no_nul(value: Any) -> Any:
    """``value`` if no text in it, nor in a list of it, holds a NUL character; raises
    ValueError otherwise. An object is left to its own model, which checks its own fields
    and so names the field at fault."""
    texts = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise ValueError("text may not contain NUL characters")
    return value
