"""The plans of a delegation's inbox (its count and first page), with and without statistics.

For each size (``--sizes``: requests of the event; another event holds half as many between the
same party ids), a fresh PostgreSQL database gets this tree's tables and the requests of 200
parties (two sides each, two in five still waiting for an answer), without the rows a request
needs elsewhere (foreign keys are not checked while it is filled). The two statements of a first
page of received requests (``negotiation._first_page``) are prepared with the generic plan
forced, as the server's prepared statements end up running them, and explained with
``EXPLAIN (ANALYZE, BUFFERS)``: before any statistics (the tables of a fresh database, with
autovacuum off, keep none) and after ``ANALYZE``. Printed: the buffers each read, its time and
the scans of its plan, how many times each ran. Then the same on SQLite
(``EXPLAIN QUERY PLAN``, before and after ``ANALYZE``).

    PYTHONPATH=src .venv/bin/python benchmarks/inbox_plans.py
    PYTHONPATH=/tmp/base/src .venv/bin/python benchmarks/inbox_plans.py
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine

from api_load import fresh_database
from sidelines.services.negotiation import RequestState, _first_page
from sidelines.storage.tables import Base

PARTIES = [f"P{i:03d}" for i in range(200)]
READER = "P003"
START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(connection: Connection, event_id: str, count: int, rng: random.Random) -> None:
    requests_table = Base.metadata.tables["meeting_requests"]
    sides_table = Base.metadata.tables["request_parties"]
    requests: list[dict[str, Any]] = []
    sides: list[dict[str, Any]] = []
    for index in range(count):
        requester, invitee = rng.sample(PARTIES, 2)
        request_id = rng.randrange(1, 2**62)
        at = START + timedelta(seconds=index)
        state = rng.choice(["sent", "sent", "accepted", "declined", "countered"])
        requests.append(
            {
                "id": request_id,
                "event_id": event_id,
                "requester_party": requester,
                "state": state,
                "channel": "web",
                "created_by": 1,
                "created_at": at,
                "updated_at": at,
                "sent_at": at,
                "expires_at": None,
                "on_site": False,
            }
        )
        for party, role in ((requester, "requester"), (invitee, "invitee")):
            side = {"request_id": request_id, "party_id": party, "role": role}
            side |= {"principal_id": f"{party}/principal", "note": "", "accepted_current": False}
            if "event_id" in sides_table.c:  # the trees whose sides know their event
                side["event_id"] = event_id
            sides.append(side)
    if requests:
        connection.execute(requests_table.insert(), requests)
        connection.execute(sides_table.insert(), sides)


def statements() -> list[tuple[str, Any]]:
    counted, first = _first_page("received", RequestState.SENT)
    return [("count", counted), ("page", first)]


def parameters() -> dict[str, Any]:
    return {"event_id": "E", "party": READER, "at": START + timedelta(days=30), "limit": 21}


def explain_postgresql(connection: Connection, statement: Any) -> str:
    compiled = statement.compile(dialect=connection.dialect)
    values = dict(compiled.params) | parameters()
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", numbered, str(compiled))
    arguments = ", ".join(f"'{values[name]}'" for name in names)
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql("DEALLOCATE ALL")
    connection.exec_driver_sql(f"PREPARE inbox AS {sql}")
    connection.exec_driver_sql(f"EXECUTE inbox({arguments})")  # once unmeasured
    plan = [
        row[0]
        for row in connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE inbox({arguments})"
        )
    ]
    buffers = re.findall(r"shared hit=(\d+)", plan[1])
    took = next(line for line in plan if "Execution Time" in line).split(": ")[1]
    scans = "; ".join(
        line.strip().lstrip("-> ").split(" (actual")[0] + " x" + line.split("loops=")[1][:-1]
        for line in plan
        if "Scan" in line and "loops=" in line
    )
    return f"{buffers[0] if buffers else 0} buffers, {took} | {scans}"


def explain_sqlite(connection: Connection, statement: Any) -> str:
    compiled = statement.compile(dialect=connection.dialect)
    values = dict(compiled.params) | parameters()
    arguments = tuple(values[name] for name in compiled.positiontup or ())
    plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), arguments).all()
    return "; ".join(row[-1] for row in plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1500, 15000])
    args = parser.parse_args()
    for size in args.sizes:
        with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as folder:
            for dialect, engine in (
                ("postgresql", create_engine(url.replace("postgresql:", "postgresql+psycopg:"))),
                ("sqlite", create_engine(f"sqlite:///{Path(folder) / 'plans.sqlite3'}")),
            ):
                with engine.begin() as connection:
                    if dialect == "postgresql":
                        connection.exec_driver_sql("SET session_replication_role = replica")
                    Base.metadata.create_all(connection)
                    rng = random.Random(1)
                    fill(connection, "E", size, rng)
                    fill(connection, "F", size // 2, rng)
                for analysed in (False, True):
                    with engine.connect() as connection:
                        if analysed:
                            connection.exec_driver_sql("ANALYZE")
                            connection.commit()
                        explain = explain_postgresql if dialect == "postgresql" else explain_sqlite
                        for name, statement in statements():
                            print(
                                f"{dialect} {size} requests, "
                                f"{'analysed' if analysed else 'no statistics'}, {name}: "
                                + explain(connection, statement),
                                flush=True,
                            )
                engine.dispose()


if __name__ == "__main__":
    main()
