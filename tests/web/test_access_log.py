"""The access log never holds a calendar feed's token."""

from __future__ import annotations

import logging

import pytest

from sidelines.web import access_log
from sidelines.web.main import app_from_settings

TOKEN = "Zq3v-secret_feed_token_0123456789"


def access_record(path: str) -> logging.LogRecord:
    """A record as uvicorn's access logger writes it."""
    return logging.LogRecord(
        access_log.ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/api/feeds/{TOKEN}.ics", "/api/feeds/[redacted].ics"),
        (f"/api/feeds/{TOKEN}.ics?x=1", "/api/feeds/[redacted].ics?x=1"),
        ("/api/events/lima/feeds/RUS", "/api/events/lima/feeds/RUS"),
        ("/api/events/lima/agenda", "/api/events/lima/agenda"),
    ],
)
def test_feed_tokens_are_redacted_and_other_paths_kept(path: str, logged: str) -> None:
    record = access_record(path)

    assert access_log.RedactFeedTokens().filter(record)

    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
    assert TOKEN not in record.getMessage()


def test_the_server_process_installs_the_filter_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    logger = logging.getLogger(access_log.ACCESS_LOGGER)
    monkeypatch.setattr(logger, "filters", [])
    monkeypatch.setenv("SIDELINES_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")

    app_from_settings()
    app_from_settings()

    assert [type(known) for known in logger.filters] == [
        access_log.LeaveOutRefusals,
        access_log.RedactFeedTokens,
    ]


def test_an_answer_refused_before_it_started_has_no_access_line() -> None:
    leave_out = access_log.LeaveOutRefusals()
    mark = access_log.refused_unstarted.set(True)
    try:
        refused = leave_out.filter(access_record("/api/events/lima/agenda"))
    finally:
        access_log.refused_unstarted.reset(mark)

    assert refused is False
    assert leave_out.filter(access_record("/api/events/lima/agenda")) is True
