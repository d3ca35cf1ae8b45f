"""How long a refusal takes: reading another pair's object by id against reading a missing id.

A third delegation that times its refusals must learn nothing from them: another pair's request,
meeting, meeting outcome, statement, encounter or press report has to cost what an id that does
not exist costs. For each kind, this script seeds the Lima event (a published schedule, Russia
and the US with a request, an agreed meeting placed on site, a statement, an encounter, an
uploaded report; Japan's own request beside), then, as Japan, reads the foreign object's URL and
a missing id's URL in alternation, and prints the median of each and their ratio (target 0.9 to
1.1). A "missing vs missing" row gives the noise floor. Each database runs in a fresh
database (SQLite in a temporary file; PostgreSQL, if reachable, in a scratch database).

    .venv/bin/python benchmarks/side_channels.py --trials 200

The reads go through the whole application in process (FastAPI's test client: routing, token
check, service, database, JSON), without the network, whose jitter would drown the difference.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.helpers import (
    Lima,
    lima_api,
    post_request,
    solve_and_publish,
    url,
)

from sidelines.storage.db import Database, normalise_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
OBSERVER = "JPN"
REPORT = (
    "Vladimir Putin and Barack Obama spoke briefly on the sidelines of the APEC summit in Lima, "
    "Kremlin spokesman Dmitry Peskov said, RIA Novosti reports."
)


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def seed(api: Lima) -> dict[str, str]:
    """The foreign objects, by kind: the path of each, as Japan would ask for it."""
    solve_and_publish(api, time_limit_s=1)
    post_request(api, OBSERVER, "RUS")  # the observer's own business
    rus, usa = api.as_("RUS"), api.as_("USA")
    asked = post_request(api, "RUS", "USA", proposal={"format": "pull_aside", "topics": ["x"]})
    agreed = created(api.client.post(url(f"/requests/{asked['id']}/agreed-on-site"), headers=usa))
    meeting_id = agreed["request"]["meeting_id"]
    pending = post_request(api, "USA", "RUS", proposal={"topics": ["y"]})
    statement = created(
        api.client.post(
            url("/statements"),
            json={
                "meeting_id": meeting_id,
                "kind": "readout",
                "text": "The presidents discussed Syria.",
                "said_at": "2016-11-20T12:00:00-05:00",
                "visibility": "counterpart",
            },
            headers=rus,
        )
    )
    encounter = created(
        api.client.post(
            url("/encounters"),
            json={
                "parties": ["RUS", "USA"],
                "started_at": "2016-11-19T10:00:00-05:00",
                "place": "Lima Convention Center",
            },
            headers=rus,
        )
    )
    report = created(
        api.client.post(
            url("/reports"),
            json={"text": REPORT, "published_on": "2016-11-20", "source": "RIA Novosti"},
            headers=rus,
        )
    )
    return {
        "request": f"/requests/{pending['id']}",
        "meeting": f"/meetings/{meeting_id}",
        "outcome": f"/meetings/{meeting_id}/outcome",
        "statement": f"/statements/{statement['id']}",
        "encounter": f"/encounters/{encounter['id']}",
        "report": f"/reports/{report['id']}",
    }


# Missing ids are drawn below this (``--ids-below``: 2^31 for a version whose ids were
# PostgreSQL integers).
IDS_BELOW = [2**53]


def missing(path: str) -> str:
    """``path`` with its id replaced by one that names nothing (random, as stored ids are)."""
    parts = path.split("/")
    parts[2] = str(1 + secrets.randbelow(IDS_BELOW[0] - 1))
    return "/".join(parts)


def timed(client: TestClient, path: str, headers: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url(path), headers=headers)
    return time.perf_counter() - started, response.status_code


def compare(
    client: TestClient, headers: dict[str, str], first: str, second: str, trials: int
) -> tuple[float, float]:
    """Median seconds of ``first`` and of ``second``, read in alternation after a warm-up."""
    for _ in range(10):
        timed(client, first, headers)
        timed(client, second, headers)
    times: dict[str, list[float]] = {first: [], second: []}
    for trial in range(trials):
        order = (first, second) if trial % 2 == 0 else (second, first)
        for path in order:
            seconds, status = timed(client, path, headers)
            assert status == 404, (path, status)  # both refused as "not found"
            times[path].append(seconds)
    return statistics.median(times[first]), statistics.median(times[second])


def run(database: Database, trials: int) -> list[tuple[str, float, float]]:
    api = lima_api(database, parties=("RUS", "USA", OBSERVER))
    paths = seed(api)
    headers = api.as_(OBSERVER)
    rows = []
    for kind, path in paths.items():
        foreign, absent = compare(api.client, headers, path, missing(path), trials)
        rows.append((kind, foreign, absent))
    one, other = missing(paths["request"]), missing(paths["request"])
    first, second = compare(api.client, headers, one, other, trials)
    rows.append(("missing vs missing", first, second))
    return rows


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/side-channels.sqlite3")
        database.upgrade()
        try:
            yield database
        finally:
            database.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[Database]:
    name = f"side_channels_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(normalise_url(server_url).rsplit("/", 1)[0] + f"/{name}")
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def print_table(name: str, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{name}: median of each read, Japan reading as a third delegation")
    print(f"| {'object':<18} | {'foreign id (ms)':>15} | {'missing id (ms)':>15} | ratio |")
    print(f"|{'-' * 20}|{'-' * 16}:|{'-' * 16}:|------:|")
    for kind, foreign, absent in rows:
        print(
            f"| {kind:<18} | {foreign * 1000:>15.2f} | {absent * 1000:>15.2f} |"
            f" {foreign / absent:>5.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="reads of each id (default 200)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server URL ('' to skip)")
    parser.add_argument("--ids-below", type=int, default=2**53, help="missing ids' bound")
    arguments = parser.parse_args()
    IDS_BELOW[0] = arguments.ids_below
    with sqlite_database() as database:
        print_table("SQLite", run(database, arguments.trials))
    if arguments.postgres:
        with postgres_database(arguments.postgres) as database:
            print_table("PostgreSQL", run(database, arguments.trials))


if __name__ == "__main__":
    main()
