"""The outbox is written in the transaction of the change it tells of, for the receivers
that may read that change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.domain import OrganiserSees
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import audit, meetings, messages, negotiation
from sidelines.services.errors import Invalid
from sidelines.services.messages import Preferences
from sidelines.services.negotiation import Terms
from sidelines.services.outbox import digest_due
from sidelines.storage.db import Database
from sidelines.storage.tables import OutboxRow
from tests.builders import at
from tests.receivers import LOOPBACK
from tests.services.messaging import agree_and_publish, listen
from tests.services.world import make_world


def outbox(db: Database) -> list[tuple[str, str, str, str | None]]:
    with db.reading() as session:
        # Sorted: ids are random, and one change's rows are written at the same instant.
        return sorted(
            (row.channel, row.kind, row.key.split(":")[1], row.party_id)
            for row in session.scalars(select(OutboxRow))
        )


def test_a_sent_request_writes_a_message_for_the_invitee_and_not_the_sender(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB", "CCC"])
    for party in ("AAA", "BBB", "CCC"):
        listen(database, world, party, f"{party.lower()}@example.org")
    hook = messages.add_webhook(
        database, world.delegates["BBB"], "ev", "http://127.0.0.1:9/h", allowed=LOOPBACK
    )

    negotiation.create_request(database, world.delegates["AAA"], "ev", ["BBB"], Terms())

    bbb = world.delegates["BBB"].user_id
    assert outbox(database) == [
        ("email", "new_request", f"user{bbb}", "BBB"),
        ("webhook", "new_request", f"webhook{hook.id}", "BBB"),
    ]


def test_a_message_goes_to_the_event_s_own_active_receivers_of_its_kind(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    other = make_world(database, "other", ["AAA", "BBB"])
    listen(database, world, "BBB", "bbb@example.org", kinds=("placed",))
    listen(database, other, "BBB", "bbb-other@example.org")
    bbb = world.delegates["BBB"]
    kept = messages.add_webhook(database, bbb, "ev", "http://127.0.0.1:9/kept", allowed=LOOPBACK)
    removed = messages.add_webhook(
        database, bbb, "ev", "http://127.0.0.1:9/removed", allowed=LOOPBACK
    )
    messages.remove_webhook(database, bbb, "ev", removed.id)
    messages.add_webhook(
        database, bbb, "ev", "http://127.0.0.1:9/placed", kinds=("placed",), allowed=LOOPBACK
    )
    messages.add_webhook(
        database, other.delegates["BBB"], "other", "http://127.0.0.1:9/other", allowed=LOOPBACK
    )

    negotiation.create_request(database, world.delegates["AAA"], "ev", ["BBB"], Terms())

    assert outbox(database) == [("webhook", "new_request", f"webhook{kept.id}", "BBB")]


def test_a_draft_sent_later_writes_its_message_when_sent_and_not_before(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    listen(database, world, "BBB", "bbb@example.org")
    aaa = world.delegates["AAA"]

    draft = negotiation.create_request(database, aaa, "ev", ["BBB"], Terms(), send_now=False)
    before = outbox(database)
    negotiation.send_request(database, aaa, "ev", draft.id)

    assert before == []
    assert outbox(database) == [
        ("email", "new_request", f"user{world.delegates['BBB'].user_id}", "BBB")
    ]


def test_the_organiser_hears_of_requests_only_where_the_policy_lets_it_read_them(
    database: Database,
) -> None:
    for sees, expected in ((OrganiserSees.BOOKINGS, 0), (OrganiserSees.EVERYTHING, 1)):
        event_id = f"ev-{sees}"
        world = make_world(database, event_id, ["AAA", "BBB"], organiser_sees=sees)
        messages.add_webhook(
            database, world.organiser, event_id, "http://127.0.0.1:9/h", allowed=LOOPBACK
        )

        negotiation.create_request(database, world.delegates["AAA"], event_id, ["BBB"], Terms())

        with database.reading() as session:
            told = session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.event_id == event_id, OutboxRow.party_id.is_(None))
            )
        assert told == expected


def test_a_change_that_fails_leaves_no_message(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    listen(database, world, "BBB", "bbb@example.org")

    def work(session: Session) -> None:
        audit.record(
            session, world.delegates["AAA"], "ev", "request.sent", "request", 1, ["AAA", "BBB"]
        )
        raise RuntimeError("the change fails after its entry was written")

    with pytest.raises(RuntimeError):
        database.write(work)

    assert outbox(database) == []


def test_publishing_tells_each_side_of_its_placed_meeting(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    listen(database, world, "AAA", "aaa@example.org", kinds=("placed",))

    agree_and_publish(database, world)

    assert outbox(database) == [("email", "placed", f"user{world.delegates['AAA'].user_id}", "AAA")]


def test_a_placed_meeting_cancelled_tells_the_other_side_once(database: Database) -> None:
    # The cancellation is an audit entry and, off the published schedule, a change notice to
    # each side: one message, not one for each.
    world = make_world(database, "ev", ["AAA", "BBB"])
    for party in ("AAA", "BBB"):
        listen(database, world, party, f"{party.lower()}@example.org", kinds=("cancelled", "moved"))
    meeting_id = agree_and_publish(database, world)

    meetings.set_status(database, world.delegates["AAA"], "ev", meeting_id, MeetingStatus.CANCELLED)

    assert outbox(database) == [
        ("email", "cancelled", f"user{world.delegates['BBB'].user_id}", "BBB")
    ]


def test_a_digest_waits_for_the_end_of_its_period() -> None:
    assert digest_due(at(10, 7), 60) == at(11)
    assert digest_due(at(10, 0), 15) == at(10, 15)


def test_preferences_refuse_a_bad_value_naming_its_field(database: Database) -> None:
    world = make_world(database, "ev", ["AAA"])
    actor = world.delegates["AAA"]
    bad = {
        "email": Preferences(email="not an address"),
        "kinds[1]": Preferences(kinds=("placed", "gossip")),
        "digest_min": Preferences(digest_min=7),
        "quiet_from": Preferences(quiet_from="25:00", quiet_until="07:00"),
        "quiet_until": Preferences(quiet_from="22:00"),
        "reminder_min": Preferences(reminder_min=-1),
    }
    for field, wanted in bad.items():
        with pytest.raises(Invalid) as refused:
            messages.set_preferences(database, actor, wanted)
        assert refused.value.field == field
    assert messages.get_preferences(database, actor) == Preferences()
