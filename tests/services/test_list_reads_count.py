"""The list reads ``test_list_statements_count`` does not cover, held to the same guard: as many
SQL statements for three items as for one (each read run once to warm the caches, then counted).

Every GET of the API that answers a list is guarded here or there: the audit trail, the
statements, the public record, the history of a pair, the on-site changes, the uploaded reports,
the results and the event's setup sections here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sidelines.formats.history_file import HistoricalRecord
from sidelines.services import (
    audit_trail,
    edits,
    event_setup,
    history,
    onsite_changes,
    record,
    report_proposals,
    results,
    statements,
)
from sidelines.services.actors import PUBLIC
from sidelines.services.public_record import public_record
from sidelines.services.record import EncounterIn
from sidelines.services.report_proposals import ReportIn
from sidelines.services.statements import StatementIn, StatementKind, Visibility
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests import builders
from tests.services.record_world import RecordWorld, record_world
from tests.services.test_list_statements_count import agreed_world, by_size, guests
from tests.services.world import make_world

pytestmark = pytest.mark.slow


def encounters_with_statements(database: Database, event_id: str, size: int) -> RecordWorld:
    """``size`` encounters of A and B, each with a public readout by A: as many subjects as
    statements, so that a read that fetches each statement's subject alone shows."""
    world = record_world(database, event_id)
    for hour in range(9, 9 + size):
        greeting = EncounterIn(parties=("A", "B"), started_at=builders.at(hour), place="hall")
        logged = record.log_encounter(database, world.delegates["A"], event_id, greeting)
        readout = StatementIn(
            StatementKind.READOUT,
            f"The leaders spoke at {hour}.",
            builders.at(hour),
            encounter_id=logged.id,
            visibility=Visibility.PUBLIC,
        )
        statements.make_statement(database, world.delegates["A"], event_id, readout)
    return world


@pytest.mark.parametrize("reader", ["A", "C", "organiser", "public"])
def test_the_statements_cost_no_more_statements_for_three_than_for_one(
    database: Database, reader: str
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        actor = encounters_with_statements(database, event_id, size).reader(reader)
        assert len(statements.list_statements(database, actor, event_id)) == size
        return lambda: statements.list_statements(database, actor, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_public_record_costs_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        encounters_with_statements(database, event_id, size)
        assert len(public_record(database, event_id).items) == size
        return lambda: public_record(database, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_history_of_a_pair_costs_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = record_world(database, event_id)
        pair = (f"{event_id}-X", f"{event_id}-Y")
        summits = [
            HistoricalRecord(date(2010, 1, 1) + timedelta(days=i), f"Summit {i}", pair)
            for i in range(size)
        ]
        history.import_history(database, world.organiser, summits)
        assert len(history.pair_history(database, PUBLIC, pair)) == size
        return lambda: history.pair_history(database, PUBLIC, pair)

    one, three = by_size(database, build)

    assert three == one


def test_the_audit_trail_costs_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        host = world.delegates["HOST"]
        trail = audit_trail.read_trail(database, host, event_id, after=None, limit=500)
        assert len(trail) >= size
        return lambda: audit_trail.read_trail(database, host, event_id, after=None, limit=500)

    one, three = by_size(database, build)

    assert three == one


def test_the_onsite_changes_cost_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        for i in range(size):
            onsite_changes.report_closure(
                database,
                world.organiser,
                event_id,
                space_id=f"T{i}",
                start=builders.at(11, 30),
                end=builders.at(12),
            )
        assert len(onsite_changes.list_changes(database, world.organiser, event_id)) == size
        return lambda: onsite_changes.list_changes(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_meetings_waiting_for_a_place_cost_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        with database.reading() as session:
            placed = session.scalars(
                select(MeetingRow.id).where(
                    MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None)
                )
            ).all()
        for meeting_id in placed:
            edits.unplace(database, world.organiser, event_id, meeting_id)
        assert len(edits.waiting_meetings(database, world.organiser, event_id)) == size
        return lambda: edits.waiting_meetings(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_uploaded_reports_cost_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = record_world(database, event_id)
        a = world.delegates["A"]
        for i in range(size):
            report = ReportIn(f"The leaders of A and B met, report {i}.", builders.DAY, "RIA")
            report_proposals.upload_report(database, a, event_id, report)
        assert len(report_proposals.list_uploads(database, a, event_id)) == size
        return lambda: report_proposals.list_uploads(database, a, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_results_cost_no_more_statements_for_three_delegations_than_for_one(
    database: Database,
) -> None:
    at = builders.at(23)

    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        assert len(results.results(database, world.organiser, event_id, at=at).lines) == 1 + size
        return lambda: results.results(database, world.organiser, event_id, at=at)

    one, three = by_size(database, build)

    assert three == one


@pytest.mark.parametrize("section", ["parties", "principals", "spaces"])
def test_the_setup_sections_cost_no_more_statements_for_three_than_for_one(
    database: Database, section: str
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        spaces = [builders.table(f"T{i}") for i in range(size)]
        world = make_world(database, event_id, guests(size), spaces=spaces)
        listed = event_setup.list_section(database, world.organiser, event_id, section)
        assert len(listed) >= size
        return lambda: event_setup.list_section(database, world.organiser, event_id, section)

    one, three = by_size(database, build)

    assert three == one
