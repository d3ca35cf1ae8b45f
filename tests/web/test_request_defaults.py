"""At a partnering fair that offers only 20-minute B2B meetings, a participant's request through
the API or the request page is one of those, unless the participant asks for another."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from sidelines.domain import EventPolicy, MeetingDefaults, MeetingFormat
from sidelines.formats.event_loader import load_event
from sidelines.services import events
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import SETUP_ACTOR, TestClient, bearer, issue_token

FORUM = Path(__file__).resolve().parents[2] / "examples" / "b2b-forum.yaml"
FAIR = "blue-harbour-2026"
_FORMATS = re.compile(r'<select id="format" name="format">(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="(\w+)"( selected)?>')


def _formats_offered(page: str) -> list[tuple[str, bool]]:
    """The request page's formats, each with whether it is chosen."""
    select = _FORMATS.search(page)
    assert select is not None
    return [(value, bool(chosen)) for value, chosen in _OPTION.findall(select.group(1))]


def _import_fair(database: Database) -> None:
    event = load_event(FORUM)
    # 20-minute meetings, and nothing else on offer.
    fair = replace(
        event,
        meetings=(),
        grain_min=10,
        meeting_defaults=MeetingDefaults(MeetingFormat.B2B, 20),
        policy=replace(event.policy, formats=frozenset({MeetingFormat.B2B})),
    )
    events.import_event(database, SETUP_ACTOR, fair)


def test_an_api_request_without_a_proposal_is_the_fairs_meeting(database: Database) -> None:
    _import_fair(database)
    client = TestClient(create_app(database))
    token = issue_token(database, "harbor", "C01", FAIR)

    sent = client.post(
        f"/api/events/{FAIR}/requests", json={"invitees": ["C02"]}, headers=bearer(token)
    )

    assert sent.status_code == 201, sent.text
    proposal = sent.json()["proposals"][0]
    assert (proposal["format"], proposal["duration_min"]) == ("b2b", 20)


def test_the_request_page_offers_the_fairs_formats_with_its_own_chosen(
    database: Database,
) -> None:
    _import_fair(database)
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, "harbor", "C01", FAIR))

    page = client.get(f"/events/{FAIR}/requests/new").text

    assert _formats_offered(page) == [("b2b", True)]


def test_a_policy_of_two_formats_lists_only_those(
    database: Database,
) -> None:
    event = replace(
        load_event(FORUM),
        meetings=(),
        policy=EventPolicy(formats=frozenset({MeetingFormat.B2B, MeetingFormat.PULL_ASIDE})),
    )
    events.import_event(database, SETUP_ACTOR, event)
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, "harbor", "C01", FAIR))

    page = client.get(f"/events/{FAIR}/requests/new").text

    assert _formats_offered(page) == [("pull_aside", False), ("b2b", True)]
