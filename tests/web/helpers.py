"""Builders for the API tests: the Lima event in a database, logins, requests, row counts.

Logging in through the API hashes a password with Argon2 (a sixth of a second each), so most
tests get their tokens from ``issue_token``, which stores an account and a token directly; the
seed-story test logs in through ``POST /api/auth/token`` as a client would.
"""

from __future__ import annotations

import secrets
import time
import warnings
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.formats.event_loader import load_event
from sidelines.services import events
from sidelines.services.accounts import hash_token
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.storage.db import Database
from sidelines.storage.tables import Base, EventRow, TokenRow, UserRow
from sidelines.web.app import create_app

# Starlette deprecates its test client on httpx in favour of httpx2, which the project does not
# install yet; the warning says nothing about our code, so it alone is let through here.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="Using `httpx` with `starlette.testclient` is deprecated"
    )
    from fastapi.testclient import TestClient

__all__ = ["TestClient"]

LIMA_FILE = Path(__file__).resolve().parents[2] / "examples" / "apec-2016-lima.yaml"
LIMA = "apec-2016-lima"
# The seed story's meeting is not agreed beforehand: it comes about through the negotiation.
LEFT_TO_NEGOTIATE = "rus-usa"
# A small set of agreed meetings keeps a solve quick; none of them involves Russia and the US
# together, and the Turnbull–Trudeau breakfast is locked, so a published schedule has an entry.
SMALL_MEETINGS = ("aus-can", "chn-usa", "jpn-per")
SETUP_ACTOR = Actor(Role.ORGANISER, channel="cli")


@cache
def lima_from_file() -> Event:
    return load_event(LIMA_FILE)


def lima(meetings: tuple[str, ...] | None = SMALL_MEETINGS) -> Event:
    """The Lima event without ``rus-usa``; with only ``meetings`` if given."""
    event = lima_from_file()
    kept = tuple(
        m
        for m in event.meetings
        if m.id != LEFT_TO_NEGOTIATE and (meetings is None or m.id in meetings)
    )
    return replace(event, meetings=kept)


def import_lima(database: Database, meetings: tuple[str, ...] | None = SMALL_MEETINGS) -> str:
    return events.import_event(database, SETUP_ACTOR, lima(meetings))


def issue_token(
    database: Database, username: str, party: str | None = None, event_id: str = LIMA
) -> str:
    """An account (a delegate of ``party``, or the organiser) with a fresh API token."""
    token = secrets.token_urlsafe(24)
    with database.writing() as session:
        user = UserRow(
            username=username,
            password_hash="no password: this account logs in by token only",
            role=str(Role.ORGANISER if party is None else Role.DELEGATE),
            event_id=None if party is None else event_id,
            party_id=party,
            created_at=now(),
        )
        session.add(user)
        session.flush()
        session.add(TokenRow(user_id=user.id, token_hash=hash_token(token), created_at=now()))
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Lima:
    """The Lima event in a database, with a client and tokens for the organiser and parties."""

    database: Database
    client: TestClient
    organiser: str
    tokens: dict[str, str]

    def as_(self, party: str) -> dict[str, str]:
        return bearer(self.tokens[party])

    @property
    def as_organiser(self) -> dict[str, str]:
        return bearer(self.organiser)


def lima_api(
    database: Database,
    parties: tuple[str, ...] = ("RUS", "USA", "JPN"),
    meetings: tuple[str, ...] | None = SMALL_MEETINGS,
) -> Lima:
    import_lima(database, meetings)
    tokens = {party: issue_token(database, party.lower(), party) for party in parties}
    organiser = issue_token(database, "protocol")
    return Lima(database, TestClient(create_app(database)), organiser, tokens)


def url(path: str = "", event_id: str = LIMA) -> str:
    return f"/api/events/{event_id}{path}"


def request_body(*invitees: str, **fields: Any) -> dict[str, Any]:
    """A request body: a restricted bilateral with no windows unless ``proposal`` says."""
    body: dict[str, Any] = {"invitees": list(invitees), "proposal": {"topics": ["trade"]}}
    body.update(fields)
    return body


def post_request(api: Lima, party: str, *invitees: str, **fields: Any) -> dict[str, Any]:
    response = api.client.post(
        url("/requests"), json=request_body(*invitees, **fields), headers=api.as_(party)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def answer(
    api: Lima, party: str, request_id: int, what: str, **fields: Any
) -> tuple[int, dict[str, Any]]:
    response = api.client.post(
        url(f"/requests/{request_id}/answers"),
        json={"answer": what, **fields},
        headers=api.as_(party),
    )
    return response.status_code, response.json()


def solve_and_publish(api: Lima, time_limit_s: float = 1) -> dict[str, Any]:
    """Start a solve, wait for it through the API, preview it and publish it with the preview's
    confirmation; the published schedule."""
    started = api.client.post(
        url("/solves"), json={"time_limit_s": time_limit_s}, headers=api.as_organiser
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    deadline = time.monotonic() + 30 * time_limit_s
    run = started.json()
    while run["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        run = api.client.get(url(f"/solves/{run_id}"), headers=api.as_organiser).json()
    assert run["status"] == "done", run
    shown = api.client.get(url(f"/solves/{run_id}/preview"), headers=api.as_organiser)
    assert shown.status_code == 200, shown.text
    published = api.client.post(
        url(f"/solves/{run_id}/publish"),
        json={"confirm": shown.json()["digest"]},
        headers=api.as_organiser,
    )
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


def set_request_ttl(database: Database, hours: int, event_id: str = LIMA) -> None:
    with database.writing() as session:
        session.execute(
            update(EventRow).where(EventRow.id == event_id).values(request_ttl_hours=hours)
        )


def count_rows(session: Session, table: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def row_counts(database: Database, *tables: type[Base]) -> dict[str, int]:
    """How many rows each table holds, by table name."""
    with database.reading() as session:
        return {table.__tablename__: count_rows(session, table) for table in tables}
