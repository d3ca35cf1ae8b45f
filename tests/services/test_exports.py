"""Exports read as lists do: as many SQL statements for three meetings as for one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from sidelines.services import exports
from sidelines.storage.db import Database
from tests.services.test_list_statements_count import agreed_world, by_size

pytestmark = pytest.mark.slow


def test_the_event_file_costs_no_more_statements_for_three_meetings_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        return lambda: exports.event_file(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


@pytest.mark.parametrize("role", ["organiser", "HOST"])
def test_the_schedule_costs_no_more_statements_for_three_meetings_than_for_one(
    database: Database, role: str
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        actor = world.organiser if role == "organiser" else world.delegates[role]
        export = exports.schedule_export(database, actor, event_id)
        assert len([i for i in export.items if i.kind == "meeting"]) == size
        return lambda: exports.schedule_export(database, actor, event_id)

    one, three = by_size(database, build)

    assert three == one


@pytest.mark.parametrize("role", ["organiser", "HOST"])
def test_the_record_costs_no_more_statements_for_three_meetings_than_for_one(
    database: Database, role: str
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        actor = world.organiser if role == "organiser" else world.delegates[role]
        assert len(exports.record_export(database, actor, event_id)["meetings"]) == size
        return lambda: exports.record_export(database, actor, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_a_statement_that_reads_as_a_formula_is_quoted_in_the_record_csv() -> None:
    record = {
        "timezone": "America/Lima",
        "meetings": [],
        "encounters": [],
        "history": [],
        "statements": [
            {
                "id": 7,
                "meeting_id": 3,
                "encounter_id": None,
                "about_parties": ["RUS", "USA"],
                "said_at": "2016-11-20T10:00:00-05:00",
                "party": "RUS",
                "kind": "readout",
                "visibility": "public",
                "speaker": "@press",
                "text": '=HYPERLINK("http://example.org","read")',
                "topics": ["-Syria"],
                "sources": ["Reuters"],
            }
        ],
    }

    (row,) = csv.DictReader(io.StringIO(exports.render_record(record, "csv")))

    assert (row["text"], row["speaker"], row["topics"], row["id"]) == (
        '\'=HYPERLINK("http://example.org","read")',
        "'@press",
        "'-Syria",
        "7",
    )
