"""The access log without secrets: a calendar feed's URL is its only credential
(``GET /api/feeds/{token}.ics``), so uvicorn's access log writes it with the token replaced.

Nor does it write a line for each request that admission refuses before it starts
(``web.admission``): under overload those are most of the requests, a line costs a third of
what the refusal costs the server otherwise (docs/benchmarks.md, "What a refusal costs the
server"), and admission counts them and reports the counts every few seconds instead.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

ACCESS_LOGGER = "uvicorn.access"
FEED_TOKEN = re.compile(r"(/api/feeds/)[^/?#\s]+(\.ics)")
REDACTED = "[redacted]"
# Set by admission in the task of a request it refuses before it starts; the server writes
# the access line from that task when the answer begins, and each request has a task of its
# own, so the mark goes no further than the one answer.
refused_unstarted: ContextVar[bool] = ContextVar("refused_unstarted", default=False)


def redact(path: str) -> str:
    """``path`` with every feed token in it replaced."""
    return FEED_TOKEN.sub(rf"\g<1>{REDACTED}\g<2>", path)


class RedactFeedTokens(logging.Filter):
    """Rewrites the request path of uvicorn's access records (their third argument:
    ``client, method, path, http_version, status``); every other record passes untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


class LeaveOutRefusals(logging.Filter):
    """Drops the access record of an answer that admission refused before it started."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not refused_unstarted.get()


def install() -> None:
    """Add the filters to uvicorn's access logger, once per process; a record left out is
    not redacted for nothing."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for kind in (LeaveOutRefusals, RedactFeedTokens):
        if not any(isinstance(known, kind) for known in logger.filters):
            logger.addFilter(kind())
