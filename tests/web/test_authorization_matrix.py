"""Every API operation, every role, the objects of one pair of delegations and missing ones.

The operations come from the app's own OpenAPI document, so an operation added later is in the
matrix at once; one whose path, query or body names something this test cannot fill fails with
what to add. The world: Russia and the US negotiated a meeting (a request with a private note and
a message, an agreed meeting, a statement each side, an encounter, a feed); Japan is the third
delegation; the organiser's policy at Lima is ``bookings``.

For each operation and each role that may not see the pair's object, the answer must be the very
answer for an id that does not exist (status and body, the id aside), and write nothing. No answer
anywhere is a 5xx or carries a stack trace, and no answer to a role holds a secret it may not read.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sidelines.services.attendance import door_code
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow
from tests.web.helpers import LIMA, Lima, answer, lima_api, post_request, row_counts, url

PAIR = ("RUS", "USA")
THIRD = "JPN"
ROLES = ("public", "organiser", "RUS", "USA", THIRD)
MISSING_ID = 987654

# Secrets, each a unique string, and the roles that may read it.
NOTE = "SECRET-NOTE-of-Russia"
MESSAGE = "SECRET-MESSAGE-between-the-pair"
SIDE_TEXT = "SECRET-STATEMENT-for-Russia-only"
SHARED_TEXT = "SECRET-STATEMENT-for-the-pair"
REPORT_TEXT = "SECRET-REPORT-of-Russia"
SECRETS: dict[str, frozenset[str]] = {
    REPORT_TEXT: frozenset({"RUS"}),
    NOTE: frozenset({"RUS"}),
    MESSAGE: frozenset(PAIR),
    SIDE_TEXT: frozenset({"RUS"}),
    SHARED_TEXT: frozenset(PAIR),
}
TRACE = re.compile(r"Traceback|File \"|sqlalchemy\.|psycopg|\.py\", line")


@dataclass(frozen=True)
class Multipart:
    """A form body with files, for an operation that takes an upload."""

    data: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]


@dataclass(frozen=True)
class World:
    """The ids of the pair's objects; ``missing`` holds ids that name nothing."""

    request_id: int
    meeting_id: int
    statement_id: int
    shared_statement_id: int
    encounter_id: int
    run_id: int
    report_id: int
    feed_token: str
    webhook_id: int

    @classmethod
    def missing(cls) -> World:
        return cls(
            *(MISSING_ID,) * 7,  # type: ignore[arg-type]
            feed_token="never-issued",
            webhook_id=MISSING_ID,
        )


# What each path parameter names: the attribute of ``World`` that fills it, and the roles that
# may see that object. ``None`` as roles: the parameter names no confidential object (a party,
# the event), so there is no missing twin to compare with.
PATH_PARAMETERS: dict[str, tuple[Callable[[World], object], frozenset[str] | None]] = {
    "event_id": (lambda w: LIMA, None),
    "request_id": (lambda w: w.request_id, frozenset(PAIR)),
    "meeting_id": (lambda w: w.meeting_id, frozenset({*PAIR, "organiser"})),
    "statement_id": (lambda w: w.statement_id, frozenset({"RUS"})),
    # Under ``bookings`` the organiser sees when and where a meeting is, not what its sides
    # logged or said.
    "encounter_id": (lambda w: w.encounter_id, frozenset(PAIR)),
    "run_id": (lambda w: w.run_id, frozenset({"organiser"})),
    # A report's proposals are its uploader's alone.
    "report_id": (lambda w: w.report_id, frozenset({"RUS"})),
    # A webhook and its delivery log are its delegation's alone.
    "webhook_id": (lambda w: w.webhook_id, frozenset({"RUS"})),
    "index": (lambda w: 0, None),
    "party_id": (lambda w: "RUS", None),
    "party": (lambda w: "USA", None),
    # An item of the event's setup (a party, principal, space, programme session): public.
    "item_id": (lambda w: "THA", None),
    "token": (lambda w: w.feed_token, None),
    "a": (lambda w: "RUS", None),
    "b": (lambda w: "USA", None),
}
# Required query parameters, by name.
QUERY_PARAMETERS: dict[str, str] = {"a": "RUS", "b": "USA", "name": "history.csv"}
# A valid body for each operation that takes one, built from the world it names.
BODIES: dict[tuple[str, str], Callable[[World], Any]] = {
    ("POST", "/api/auth/token"): lambda w: {"username": "nobody", "password": "wrong"},
    ("POST", "/api/events/{event_id}/requests"): lambda w: {
        "invitees": ["USA"],
        "proposal": {"topics": ["trade"], "message": "hello"},
    },
    ("POST", "/api/events/{event_id}/requests/{request_id}/answers"): lambda w: {
        "answer": "soft_decline",
        "reason": "scheduling conflict",
    },
    ("POST", "/api/events/{event_id}/requests/{request_id}/terms"): lambda w: {
        "agree": ["contact"]
    },
    ("PATCH", "/api/events/{event_id}/requests/{request_id}/private"): lambda w: {
        "priority": 3,
        "note": "changed",
    },
    ("POST", "/api/events/{event_id}/interests"): lambda w: {"party": "USA"},
    ("POST", "/api/events/{event_id}/contacts"): lambda w: {"party": "USA"},
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/status"): lambda w: {
        "status": "cancelled"
    },
    ("POST", "/api/events/{event_id}/solves"): lambda w: {"time_limit_s": 1},
    ("PUT", "/api/me/messages"): lambda w: {"email": "protocol@example.org", "digest_min": 0},
    ("POST", "/api/events/{event_id}/webhooks"): lambda w: {"url": "https://example.org/hook"},
    # A confirmation of some other preview: the organiser is refused with the current one.
    ("POST", "/api/events/{event_id}/solves/{run_id}/publish"): lambda w: {
        "confirm": "0000000000000000"
    },
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/outcome"): lambda w: {
        "status": "held",
        "started_at": "2016-11-19T15:00:00Z",
        "ended_at": "2016-11-19T15:10:00Z",
    },
    # A side checks in for itself; the organiser names the side (here, at the door by code).
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/check-in"): lambda w: {},
    ("POST", "/api/events/{event_id}/check-ins/scan"): lambda w: {
        "code": door_code(LIMA, w.meeting_id),
        "party": "USA",
    },
    ("POST", "/api/events/{event_id}/encounters"): lambda w: {
        "parties": ["RUS", "USA"],
        "started_at": "2016-11-20T09:00:00Z",
        "place": "the lobby",
    },
    ("POST", "/api/events/{event_id}/statements"): lambda w: {
        "meeting_id": w.meeting_id,
        "kind": "readout",
        "text": "A statement.",
        "said_at": "2016-11-20T12:00:00Z",
    },
    ("PUT", "/api/events/{event_id}/statements/{statement_id}"): lambda w: {
        "kind": "readout",
        "text": "Changed.",
        "said_at": "2016-11-20T12:00:00Z",
    },
    ("POST", "/api/events/{event_id}/statements/{statement_id}/link"): lambda w: {
        "meeting_id": w.meeting_id
    },
    # The organiser's edits of the schedule: a start on the grid, in no room.
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/move"): lambda w: {
        "starts_at": "2016-11-20T09:00:00-05:00",
        "space_id": None,
    },
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/place"): lambda w: {
        "starts_at": "2016-11-20T09:00:00-05:00",
        "space_id": None,
    },
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/swap"): lambda w: {
        "other_id": w.meeting_id
    },
    # The edits that read only the meeting's place take an optional body.
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/lock"): lambda w: {},
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/unlock"): lambda w: {},
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/unplace"): lambda w: {},
    ("POST", "/api/events/{event_id}/meetings/{meeting_id}/alternative"): lambda w: {
        "kind": "format",
        "starts_at": "2016-11-20T09:00:00-05:00",
        "space_id": None,
    },
    ("POST", "/api/events/{event_id}/reports"): lambda w: {
        "text": "Putin and Obama spoke briefly in Lima.",
        "published_on": "2016-11-20",
        "source": "Vesti",
    },
    ("POST", "/api/events/{event_id}/reports/file"): lambda w: Multipart(
        {"published_on": "2016-11-20", "source": "Vesti"},
        {"file": ("wire.txt", b"Putin and Obama spoke briefly in Lima.", "text/plain")},
    ),
    ("POST", "/api/events/{event_id}/reports/{report_id}/claims/{index}/review"): lambda w: {
        "action": "drop"
    },
    ("POST", "/api/history/imports"): lambda w: "date,event,parties\n2016-09-05,G20,RUS;USA\n",
    # The organiser's setup: a party of the event's renamed, a new principal, space, session.
    ("POST", "/api/events"): lambda w: {
        "id": "another-event",
        "name": "Another event",
        "timezone": "UTC",
        "days": ["2016-11-21"],
        "parties": [{"id": "A", "name": "A"}],
        "principals": [{"party": "A", "name": "A's leader"}],
    },
    ("PATCH", "/api/events/{event_id}"): lambda w: {"venue": "Lima Convention Center"},
    ("PUT", "/api/events/{event_id}/parties/{item_id}"): lambda w: {
        "id": "THA",
        "name": "Thailand",
    },
    ("PUT", "/api/events/{event_id}/principals/{item_id}"): lambda w: {
        "party": "THA",
        "name": "Prayut Chan-o-cha",
    },
    ("PUT", "/api/events/{event_id}/delegations/{item_id}"): lambda w: {"party": "THA"},
    ("PUT", "/api/events/{event_id}/spaces/{item_id}"): lambda w: {"id": "THA"},
    ("PUT", "/api/events/{event_id}/programme/{item_id}"): lambda w: {
        "title": "A late briefing",
        "day": "2016-11-20",
        "start": "19:30",
        "end": "19:45",
        "attendees": [],
    },
    # Changes at the venue late on the last day, when the pair has nothing left to move.
    ("POST", "/api/events/{event_id}/onsite-changes/departures"): lambda w: {
        "principal_id": "obama",
        "leaves_at": "2016-11-20T22:00:00-05:00",
    },
    ("POST", "/api/events/{event_id}/onsite-changes/overruns"): lambda w: {
        "session_id": "closing",
        "extra_min": 10,
    },
    ("POST", "/api/events/{event_id}/onsite-changes/closures"): lambda w: {
        "space_id": "lcc-bilateral-5",
        "start": "2016-11-20T21:00:00-05:00",
        "end": "2016-11-20T22:00:00-05:00",
    },
}
# Operations on an object that only the organiser may use, though its sides may see it: where a
# meeting could go on the grid is the organiser's planning.
ORGANISER_ONLY = {("GET", "/api/events/{event_id}/meetings/{meeting_id}/places")}
# Body fields that name an object, as path parameters do.
BODY_REFERENCES = {
    ("POST", "/api/events/{event_id}/statements"): "meeting_id",
    ("POST", "/api/events/{event_id}/statements/{statement_id}/link"): "meeting_id",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def streams(self) -> bool:
        """Server-sent events never end, so an in-process client cannot read one to its end;
        ``tests/web/test_live.py`` checks who may open the stream, against a real server."""
        content = self.spec.get("responses", {}).get("200", {}).get("content", {})
        return "text/event-stream" in content

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    def guards(self) -> frozenset[str] | None:
        """The roles that may see what this operation names; ``None`` if it names nothing
        confidential."""
        if (self.method, self.path) in ORGANISER_ONLY:
            return frozenset({"organiser"})
        names = [p["name"] for p in self.parameters("path")]
        reference = BODY_REFERENCES.get((self.method, self.path))
        if reference:
            names.append(reference)
        seen = [PATH_PARAMETERS[name][1] for name in names if name in PATH_PARAMETERS]
        guards = [roles for roles in seen if roles is not None]
        return frozenset.intersection(*guards) if guards else None


def operations() -> list[Operation]:
    from sidelines.web.app import create_app

    document = create_app(Database("sqlite://")).openapi()
    return [
        Operation(method.upper(), path, spec)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]


OPERATIONS = operations()


def build_world(api: Lima) -> World:
    request = post_request(
        api, "RUS", "USA", note=NOTE, priority=9, proposal={"topics": ["x"], "message": MESSAGE}
    )
    # Another format: one open request per party and format (the event's policy).
    agreed = post_request(
        api, "RUS", "USA", proposal={"format": "bilateral_expanded", "topics": ["trade"]}
    )
    _, accepted = answer(api, "USA", agreed["id"], "accept")
    meeting_id = accepted["meeting_id"]

    def statement(party: str, text: str, visibility: str) -> int:
        made = api.client.post(
            url("/statements"),
            json={
                "meeting_id": meeting_id,
                "kind": "readout",
                "text": text,
                "said_at": "2016-11-20T12:00:00Z",
                "visibility": visibility,
            },
            headers=api.as_(party),
        )
        assert made.status_code == 201, made.text
        identifier: int = made.json()["id"]
        return identifier

    encounter = api.client.post(
        url("/encounters"),
        json={
            "parties": list(PAIR),
            "started_at": "2016-11-19T20:00:00Z",
            "place": "a corridor",
        },
        headers=api.as_("RUS"),
    )
    assert encounter.status_code == 201, encounter.text
    solve = api.client.post(url("/solves"), json={"time_limit_s": 1}, headers=api.as_organiser)
    assert solve.status_code == 202, solve.text
    feed = api.client.post(url("/feeds/RUS"), headers=api.as_("RUS"))
    assert feed.status_code in (200, 201), feed.text
    feed_token = feed.json()["url"].rsplit("/", 1)[-1].removesuffix(".ics")
    report = api.client.post(
        url("/reports"),
        json={
            "text": f"Putin and Obama spoke briefly in Lima. {REPORT_TEXT}.",
            "published_on": "2016-11-20",
            "source": "Vesti",
        },
        headers=api.as_("RUS"),
    )
    assert report.status_code == 201, report.text
    hook = api.client.post(
        url("/webhooks"), json={"url": "https://rus.example/hook"}, headers=api.as_("RUS")
    )
    assert hook.status_code == 201, hook.text
    return World(
        request_id=request["id"],
        meeting_id=meeting_id,
        statement_id=statement("RUS", SIDE_TEXT, "side"),
        shared_statement_id=statement("USA", SHARED_TEXT, "counterpart"),
        encounter_id=encounter.json()["id"],
        run_id=solve.json()["id"],
        report_id=report.json()["id"],
        feed_token=feed_token,
        webhook_id=hook.json()["id"],
    )


def call(api: Lima, operation: Operation, role: str, world: World) -> tuple[int, str]:
    """The operation as ``role``, on ``world``'s objects: its status and body text."""
    path = operation.path
    for parameter in operation.parameters("path"):
        name = parameter["name"]
        if name not in PATH_PARAMETERS:
            pytest.fail(f"{operation.name}: say in PATH_PARAMETERS what {{{name}}} names")
        path = path.replace(f"{{{name}}}", str(PATH_PARAMETERS[name][0](world)))
    query = {}
    for parameter in operation.parameters("query"):
        if parameter.get("required"):
            if parameter["name"] not in QUERY_PARAMETERS:
                pytest.fail(f"{operation.name}: give its query parameter {parameter['name']}")
            query[parameter["name"]] = QUERY_PARAMETERS[parameter["name"]]
    headers = {} if role == "public" else api.as_organiser if role == "organiser" else api.as_(role)
    body: Any = None
    if "requestBody" in operation.spec:
        if (operation.method, operation.path) not in BODIES:
            pytest.fail(f"{operation.name}: give a valid body in BODIES")
        body = BODIES[operation.method, operation.path](world)
    if isinstance(body, Multipart):
        response = api.client.request(
            operation.method, path, params=query, data=body.data, files=body.files, headers=headers
        )
    elif isinstance(body, str):
        headers = {**headers, "Content-Type": "text/csv"}
        response = api.client.request(
            operation.method, path, params=query, content=body.encode(), headers=headers
        )
    else:
        response = api.client.request(
            operation.method, path, params=query, json=body, headers=headers
        )
    return response.status_code, response.text


def same_but_ids(text: str, world: World) -> str:
    """The body with the ids of ``world`` written as the missing ones, to compare the two."""
    for value in (
        world.request_id,
        world.meeting_id,
        world.statement_id,
        world.encounter_id,
        world.run_id,
        world.report_id,
        world.webhook_id,
    ):
        text = re.sub(rf"\b{value}\b", str(MISSING_ID), text)
    return text


@pytest.fixture
def lima_world(database: Database) -> Iterator[tuple[Lima, World]]:
    api = lima_api(database, parties=(*PAIR, THIRD))
    world = build_world(api)
    # Its solve finished, so that the organiser can read its preview.
    wait_for_solves(api, world, started_later=0)
    yield api, world
    wait_for_solves(api, world)


def wait_for_solves(api: Lima, world: World, started_later: int = len(ROLES)) -> None:
    """A solve runs in a thread of its own; it must end before its database is dropped."""
    for run_id in range(world.run_id, world.run_id + started_later + 1):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = api.client.get(url(f"/solves/{run_id}"), headers=api.as_organiser)
            if run.status_code != 200 or run.json()["status"] != "running":
                break
            time.sleep(0.1)


def response_is_empty(body: str) -> bool:
    """An empty list, or an empty page of one: a read that answers the public with nothing."""
    data = json.loads(body)
    return data == [] or (isinstance(data, dict) and data.get("items") == [])


def test_every_operation_is_in_the_matrix() -> None:
    # The document lists the API; a matrix over nothing would prove nothing.
    assert len(OPERATIONS) >= 40
    assert {o.name for o in OPERATIONS} >= {
        "GET /api/events/{event_id}/requests/{request_id}",
        "GET /api/events/{event_id}/statements/{statement_id}",
    }


def test_who_may_not_see_an_object_gets_what_a_missing_id_gets(
    lima_world: tuple[Lima, World],
) -> None:
    api, world = lima_world
    audit_before = row_counts(api.database, AuditRow)
    checked = []
    for operation in OPERATIONS:
        guards = operation.guards()
        if guards is None or operation.streams:
            continue
        for role in ROLES:
            if role in guards:
                continue
            status, body = call(api, operation, role, world)
            missing_status, missing_body = call(api, operation, role, World.missing())
            assert (status, same_but_ids(body, world)) == (missing_status, missing_body), (
                f"{operation.name} as {role}: the pair's object answers unlike a missing one"
            )
            assert status >= 400, f"{operation.name} as {role}: {status} {body}"
            checked.append((operation.name, role))
    # Refused calls write nothing, not even to the audit trail.
    assert row_counts(api.database, AuditRow) == audit_before
    assert len(checked) >= 40


@pytest.mark.slow
def test_no_answer_is_a_server_error_or_holds_what_its_reader_may_not_see(
    lima_world: tuple[Lima, World],
) -> None:
    api, world = lima_world
    # Reads first, then changes, each role in turn; a change may close what a later call names,
    # which is fine: every answer is still checked.
    ordered = sorted(OPERATIONS, key=lambda o: o.method != "GET")
    for operation in ordered:
        if operation.streams:
            continue
        for role in ROLES:
            status, body = call(api, operation, role, world)
            where = f"{operation.name} as {role}: {status} {body[:300]}"
            assert status < 500, where
            assert not TRACE.search(body), where
            for secret, readers in SECRETS.items():
                assert role in readers or secret not in body, where


def test_the_pair_reads_its_own_objects(lima_world: tuple[Lima, World]) -> None:
    api, world = lima_world
    for operation in OPERATIONS:
        guards = operation.guards()
        if operation.method != "GET" or guards is None or operation.streams:
            continue
        for role in guards:
            status, body = call(api, operation, role, world)
            assert status == 200, f"{operation.name} as {role}: {status} {body[:300]}"


def test_the_public_gets_nothing_private(lima_world: tuple[Lima, World]) -> None:
    api, world = lima_world
    for operation in OPERATIONS:
        if operation.method != "GET" or operation.streams:
            continue
        status, body = call(api, operation, "public", world)
        if operation.path.startswith(("/api/public/", "/api/feeds/")) or status != 200:
            continue
        if response_is_empty(body):
            continue
        # What the public may read at all: the event, its programme, health, and the history,
        # which answers each reader from what it may see (the public: the public record).
        assert operation.name in {
            "GET /api/history/last-met",
            "GET /api/events",
            "GET /api/events/{event_id}",
            "GET /api/events/{event_id}/programme",
            "GET /api/events/{event_id}/parties",
            # The public schedule and record: the programme and what a side made public.
            "GET /api/events/{event_id}/schedule/export",
            "GET /api/events/{event_id}/record/export",
            "GET /api/health",
        }, f"{operation.name} answers the public: {body[:300]}"
