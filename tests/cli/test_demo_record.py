"""The seed story as the demo plays it (``sidelines demo --played``), and the demo left for its
user to play (``sidelines demo``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidelines.cli.demo_record import NOT_PLANNED, add_pair_history, play_seed_story
from sidelines.cli.main import app
from sidelines.services import accounts, meetings, statements
from sidelines.services.actors import PUBLIC
from sidelines.services.public_record import public_record
from sidelines.storage.db import Database
from sidelines.storage.tables import RequestRow, StatementRow
from tests.web.helpers import LIMA, lima_api, row_counts, solve_and_publish

HISTORY_FILE = Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv"
AT_THE_RETREAT = "At the start of Leaders' retreat, session I, Lima Convention Center"


def test_the_played_story_holds_the_contact_as_the_retreat_opens(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA"))
    solve_and_publish(api)
    organiser = accounts.actor_for_token(database, api.organiser)
    russia, usa = (accounts.actor_for_token(database, api.tokens[p]) for p in ("RUS", "USA"))

    last_met = add_pair_history(database, organiser, LIMA, HISTORY_FILE)
    meeting_id = play_seed_story(database, russia, usa)

    assert last_met == (
        "Before Lima, Putin and Obama last met on the sidelines of the G20 summit in Hangzhou, "
        "5 September 2016, where they discussed Ukraine and Syria."
    )
    held = meetings.get_meeting(database, russia, LIMA, meeting_id)
    assert (held.status, held.starts_at.isoformat() if held.starts_at else None, held.place) == (
        "held",
        "2016-11-20T14:30:00+00:00",
        AT_THE_RETREAT,
    )
    for side in (russia, usa):
        (item,) = [i for i in meetings.agenda(database, side, LIMA) if i.meeting_id == meeting_id]
        assert item.where == AT_THE_RETREAT
    said = statements.list_statements(database, PUBLIC, LIMA)
    assert [(s.kind, s.meeting_id, [x.name for x in s.sources]) for s in said] == [
        ("announcement", None, ["Kremlin press service"]),
        ("confirmation", meeting_id, ["RIA Novosti", "Reuters"]),
    ]
    assert said[0].text == NOT_PLANNED
    public = public_record(database, LIMA)
    assert [(i.ref, i.place) for i in public.items] == [(meeting_id, AT_THE_RETREAT)]
    assert public.statements == [said[0]]


@pytest.mark.slow
def test_the_demo_starts_before_the_story(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"

    result = CliRunner().invoke(app, ["demo", "--no-serve", "--database", str(path)])

    assert result.exit_code == 0, result.output
    assert "The seed story is yours to play" in result.output
    assert "last met on the sidelines of the G20 summit in Hangzhou" in result.output
    database = Database(f"sqlite:///{path}")
    try:
        assert row_counts(database, RequestRow, StatementRow) == {
            "meeting_requests": 0,
            "statements": 0,
        }
    finally:
        database.dispose()
