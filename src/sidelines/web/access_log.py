"""The access log without secrets: a calendar feed's URL is its only credential
(``GET /api/feeds/{token}.ics``), so uvicorn's access log writes it with the token replaced."""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
FEED_TOKEN = re.compile(r"(/api/feeds/)[^/?#\s]+(\.ics)")
REDACTED = "[redacted]"


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


def install() -> None:
    """Add the filter to uvicorn's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(known, RedactFeedTokens) for known in logger.filters):
        logger.addFilter(RedactFeedTokens())
