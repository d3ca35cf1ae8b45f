"""The organiser's view of the delegations' business is part of their trust: every change of
it reaches every delegation's audit trail, and it never widens once requests were sent."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.domain import OrganiserSees
from sidelines.services import events
from sidelines.services.accounts import actor_for_token
from sidelines.services.errors import Conflict
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow
from tests.web.helpers import LIMA, Lima, lima_api, post_request, row_counts, url

PARTIES = ("RUS", "USA", "JPN")


def set_policy(api: Lima, sees: OrganiserSees) -> events.PolicyView:
    organiser = actor_for_token(api.database, api.organiser)
    return events.set_policy(api.database, organiser, LIMA, str(sees), None)


def policy_changes(api: Lima, party: str) -> list[dict[str, Any]]:
    trail = api.client.get(url("/audit"), headers=api.as_(party))
    assert trail.status_code == 200, trail.text
    return [
        {"at": entry["at"], **entry["detail"]}
        for entry in trail.json()
        if entry["action"] == "event.policy_set"
    ]


def test_every_delegation_sees_each_change_of_what_the_organiser_reads(
    database: Database,
) -> None:
    api = lima_api(database, parties=PARTIES)
    assert set_policy(api, OrganiserSees.BOOKINGS).organiser_sees is OrganiserSees.BOOKINGS

    set_policy(api, OrganiserSees.EVERYTHING)
    set_policy(api, OrganiserSees.BOOKINGS)

    seen = {party: policy_changes(api, party) for party in PARTIES}
    assert [(change["was_organiser_sees"], change["organiser_sees"]) for change in seen["JPN"]] == [
        ("bookings", "everything"),
        ("everything", "bookings"),
    ]
    # Each change says from when: its time, the same for every delegation.
    assert seen["RUS"] == seen["USA"] == seen["JPN"]
    assert seen["JPN"][0]["at"] <= seen["JPN"][1]["at"]


def test_the_view_cannot_widen_once_a_request_was_sent_but_may_narrow(
    database: Database,
) -> None:
    api = lima_api(database, parties=PARTIES)
    set_policy(api, OrganiserSees.EVERYTHING)
    post_request(api, "RUS", "USA")
    set_policy(api, OrganiserSees.BOOKINGS)
    before = row_counts(database, AuditRow)

    with pytest.raises(Conflict) as refused:
        set_policy(api, OrganiserSees.EVERYTHING)

    assert refused.value.field == "organiser_sees"
    assert row_counts(database, AuditRow) == before
    organiser = actor_for_token(api.database, api.organiser)
    assert events.event_policy(database, organiser, LIMA).organiser_sees is OrganiserSees.BOOKINGS
    assert [c["organiser_sees"] for c in policy_changes(api, "JPN")] == ["everything", "bookings"]
