"""Per-delegation freshness: an ``ETag`` made of what the reader is shown, nothing else.

A tag drawn from the event (its revision, a count of its rows) would change while other
delegations negotiate, and tell a third one that they do; a tag that is a digest of the
reader's own answer changes only when that answer does (RFC 9110 §8.8.3, §13.1.2). It names
the party too: one browser may hold two delegations' logins.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Response

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the `ETag` given in `If-None-Match`."}
}


def tag_of(party: str, content: bytes) -> str:
    """The strong ``ETag`` of ``content`` as shown to ``party``."""
    return f'"{party}-{hashlib.sha256(content).hexdigest()[:32]}"'


def is_fresh(if_none_match: str | None, etag: str) -> bool:
    """Whether the client's ``If-None-Match`` names ``etag`` (or is ``*``)."""
    if if_none_match is None:
        return False
    tags = {tag.strip() for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def answer(
    content: bytes, etag: str, if_none_match: str | None, media_type: str, **headers: str
) -> Response:
    """``content`` with its tag, or 304 Not Modified when the client holds it already."""
    sent = {"ETag": etag, **headers}
    if is_fresh(if_none_match, etag):
        return Response(status_code=304, headers=sent)
    return Response(content, media_type=media_type, headers=sent)
