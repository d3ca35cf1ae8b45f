"""The organiser's view of the published versions and the change notices each one sent."""

from __future__ import annotations

import pytest

from sidelines import i18n
from sidelines.services import changes, negotiation, solves
from sidelines.services.errors import Forbidden
from sidelines.services.negotiation import Terms
from sidelines.services.notice_text import MeetingLabel
from sidelines.storage.db import Database
from tests.builders import event
from tests.services.world import make_world


def test_each_version_lists_the_meetings_it_placed_and_the_delegations_told(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB", "CCC"])
    asked = negotiation.create_request(
        database, world.delegates["AAA"], "ev", ["BBB"], Terms(topics=("trade",))
    )
    agreed = negotiation.respond(
        database, world.delegates["BBB"], "ev", asked.id, negotiation.Answer.ACCEPT
    )
    assert agreed.meeting_id is not None
    run = solves.start_solve(database, world.organiser, "ev", time_limit_s=1)
    solves.wait_for_run(database, run.id)

    assert changes.schedule_versions(database, world.organiser, "ev") == []
    solves.publish(database, world.organiser, "ev", run.id)
    versions = changes.schedule_versions(database, world.organiser, "ev")

    assert [(v.number, v.reason, v.said) for v in versions] == [
        (1, f"solve {run.id}", "a new solve")
    ]
    [change] = versions[0].changes
    assert (change.meeting_id, change.kind, change.before, change.parties) == (
        agreed.meeting_id,
        "placed",
        None,
        ("AAA", "BBB"),
    )
    assert change.after is not None
    assert change.summary.startswith("Bilateral, AAA and BBB placed on Mon ")


def test_only_the_organiser_reads_every_change_of_the_schedule(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])

    with pytest.raises(Forbidden):
        changes.schedule_versions(database, world.delegates["AAA"], "ev")


REASONS = [
    ("solve 7102", "a new solve"),
    ("meeting 62 agreed", "Bilateral, AAA and BBB agreed and placed"),
    ("meeting 62 cancelled", "Bilateral, AAA and BBB: cancelled"),
    ("move of meeting 62", "Bilateral, AAA and BBB moved by the organiser"),
    ("move of meeting 9", "a meeting moved by the organiser"),
    ("lock of meeting 62", "Bilateral, AAA and BBB locked in place by the organiser"),
    ("unlock of meeting 62", "Bilateral, AAA and BBB unlocked by the organiser"),
    (
        "alternative of meeting 62",
        "Bilateral, AAA and BBB placed by the organiser on an alternative offered",
    ),
    ("attendance", "attendance: no-shows and the time they freed"),
    ("on-site change 3 (closure)", "on-site change: a room is closed"),
    ("imported", "imported"),
]


@pytest.mark.parametrize(("reason", "said"), REASONS)
def test_a_version_reason_reads_in_words_without_ids(reason: str, said: str) -> None:
    labels = {62: MeetingLabel("bilateral_restricted", ("AAA", "BBB"))}

    assert changes.reason_words(event(["AAA", "BBB"]), labels, reason) == said


def test_a_version_reason_reads_in_russian() -> None:
    labels = {62: MeetingLabel("bilateral_restricted", ("AAA", "BBB"))}
    with i18n.speaking("ru"):
        said = [
            changes.reason_words(event(["AAA", "BBB"]), labels, reason)
            for reason in ("solve 7102", "move of meeting 62", "lock of meeting 62", "attendance")
        ]

    assert said[0] == "новый расчёт"
    assert said[1].endswith(" — перенос организатором")
    assert "62" not in said[1]
    assert said[2].endswith(" — закрепление на месте организатором")
    assert said[3] == "явка: неявки и освободившееся время"
