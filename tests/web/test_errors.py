"""Errors of the database reach a client as JSON it can act on, never as a 500 with a trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidelines.storage.db import Database
from sidelines.web.app import create_app
from tests.web.helpers import TestClient, lima_api, url

# Nothing listens on port 1, and no SQLite file can be opened in a directory that is not there.
UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2",
    "sqlite": "sqlite:///{tmp}/no-such-directory/sidelines.sqlite3",
}


@pytest.mark.parametrize("dialect", sorted(UNREACHABLE))
def test_an_unreachable_database_answers_503_with_retry_after(dialect: str, tmp_path: Path) -> None:
    database = Database(UNREACHABLE[dialect].format(tmp=tmp_path))
    client = TestClient(create_app(database), raise_server_exceptions=False)

    response = client.get(url("/programme"))

    assert (response.status_code, response.headers["Retry-After"], response.json()) == (
        503,
        "5",
        {
            "error": {
                "code": "unavailable",
                "message": "the database is unavailable; try again shortly",
                "field": "",
            }
        },
    )
    database.dispose()


def test_an_id_past_the_stored_ids_is_refused_not_a_server_error(
    database: Database,
) -> None:
    api = lima_api(database, parties=("RUS",))
    client = TestClient(api.client.app, raise_server_exceptions=False)

    found = client.get(url("/requests/99999999999"), headers=api.as_("RUS"))
    paged = client.get(url("/audit?after=99999999999999"), headers=api.as_("RUS"))
    past_64_bits = client.get(url(f"/meetings/{2**64}/outcome"), headers=api.as_("RUS"))

    # Ids lie below 2^53 on both databases: the first two are simply unknown.
    expected = [(404, "not_found"), (200, None), (422, "invalid")]
    assert [
        (r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None)
        for r in (found, paged, past_64_bits)
    ] == expected
