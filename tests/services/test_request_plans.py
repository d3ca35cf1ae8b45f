"""A delegation's inbox is read from its own sides of the event's requests: the plan reaches
``meeting_requests`` by its key alone, never through the event's index, while the tables have no
statistics (they start empty, and PostgreSQL's autovacuum may be off). With statistics the
planner sees the party's few sides itself (or scans a table this small whole)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from sidelines.domain import EventPolicy
from sidelines.services import negotiation
from sidelines.services.negotiation import RequestState, Terms
from sidelines.storage.db import Database
from tests.services.world import make_world

PARTIES = ["A", "B", "C", "D", "E"]


def inbox_statements(database: Database, world_delegate: Any) -> list[tuple[str, Any]]:
    """The statements (with their parameters) of a first page of received requests."""
    ran: list[tuple[str, Any]] = []

    def note(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if "meeting_requests" in statement and "request_parties" in statement:
            ran.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        page = negotiation.list_requests(
            database, world_delegate, "ev", box="received", state=RequestState.SENT, limit=20
        )
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    assert page.total == 2
    return ran


def requests_read_by(database: Database, statement: str, parameters: Any) -> set[str]:
    """How each plan node reads ``meeting_requests``: its index, or "scan"."""
    with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            [[plan]] = connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            ).all()
            nodes, found = [plan[0]["Plan"]], set()
            while nodes:
                node = nodes.pop()
                nodes.extend(node.get("Plans", []))
                if node.get("Relation Name") == "meeting_requests":
                    found.add(node.get("Index Name", "scan"))
            return found
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return {
            row[-1].split(" USING ", 1)[1] if " USING " in row[-1] else "scan"
            for row in plan
            if row[-1].split()[1:2] == ["meeting_requests"]
        }


def test_the_inbox_reads_the_event_s_requests_by_the_party_s_sides_only(
    database: Database,
) -> None:
    policy = EventPolicy(one_open_request_per_format=False)
    world = make_world(database, "ev", PARTIES, policy=policy)
    # Many requests between other delegations, two to A.
    for sender in PARTIES[1:]:
        for invitee in PARTIES[1:]:
            if invitee != sender:
                for _ in range(3):
                    negotiation.create_request(
                        database, world.delegates[sender], "ev", [invitee], Terms()
                    )
    for sender in ("B", "C"):
        negotiation.create_request(database, world.delegates[sender], "ev", ["A"], Terms())

    statements = inbox_statements(database, world.delegates["A"])

    key = "pk_meeting_requests" if database.dialect == "postgresql" else "INTEGER PRIMARY KEY"
    assert len(statements) == 2  # the count and the page
    assert [
        {way.split(" (")[0] for way in requests_read_by(database, *each)} for each in statements
    ] == [{key}, {key}]
