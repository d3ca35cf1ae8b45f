"""Setting an event up through the API: creating it from the event file's structure, editing
it item by item, and reading its sections as each role may."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.formats.event_file import CAPACITY_MAX, INTERPRETERS_MAX
from sidelines.formats.event_loader import dump_event
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow, EventRow, PartyRow, PrincipalRow, SpaceRow
from tests.web.helpers import LIMA, Lima, lima, lima_api, row_counts, solve_and_publish, url


def lima_data(event_id: str = "apec-2016-copy") -> dict[str, Any]:
    data = dump_event(lima(meetings=()))
    data["id"] = event_id
    return data


def test_the_organiser_creates_an_event_from_the_file_structure(database: Database) -> None:
    api = lima_api(database)

    created = api.client.post("/api/events", json=lima_data(), headers=api.as_organiser)

    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": "apec-2016-copy",
        "name": "APEC Economic Leaders' Meeting 2016",
        "timezone": "America/Lima",
        "organiser_sees": "bookings",
    }
    parties = api.client.get(url("/parties", "apec-2016-copy"), headers=api.as_organiser)
    assert [p["id"] for p in parties.json()][:3] == ["AUS", "BRN", "CAN"]
    assert len(parties.json()) == 21


def test_a_bad_field_is_named_by_its_path_and_nothing_is_written(database: Database) -> None:
    api = lima_api(database)
    data = lima_data()
    data["principals"][2]["party"] = "XX"
    before = row_counts(database, EventRow, PartyRow, PrincipalRow, AuditRow)

    refused = api.client.post("/api/events", json=data, headers=api.as_organiser)

    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "body.principals[2].party"
    assert "XX" in refused.json()["error"]["message"]
    assert row_counts(database, EventRow, PartyRow, PrincipalRow, AuditRow) == before


def test_an_event_its_url_could_not_name_or_without_a_name_is_refused(database: Database) -> None:
    api = lima_api(database)
    before = row_counts(database, EventRow, PartyRow, AuditRow)

    slashed = api.client.post("/api/events", json=lima_data("apec/2016"), headers=api.as_organiser)
    unnamed = api.client.patch(url(), json={"name": " "}, headers=api.as_organiser)

    assert (slashed.status_code, slashed.json()["error"]["field"]) == (422, "body.id")
    assert (unnamed.status_code, unnamed.json()["error"]["field"]) == (422, "body.name")
    assert row_counts(database, EventRow, PartyRow, AuditRow) == before
    assert api.client.get(url()).json()["name"] == "APEC Economic Leaders' Meeting 2016"


def test_a_delegation_may_not_create_or_edit_an_event(database: Database) -> None:
    api = lima_api(database)

    created = api.client.post("/api/events", json=lima_data(), headers=api.as_("RUS"))
    edited = api.client.patch(url(), json={"name": "Renamed"}, headers=api.as_("RUS"))

    assert (created.status_code, edited.status_code) == (403, 403)


def test_an_existing_event_id_is_refused(database: Database) -> None:
    api = lima_api(database)

    refused = api.client.post("/api/events", json=lima_data(LIMA), headers=api.as_organiser)

    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "id"


def test_the_organiser_renames_the_event_and_changes_its_days_end(database: Database) -> None:
    api = lima_api(database)

    edited = api.client.patch(
        url(), json={"name": "APEC 2016, Lima", "day_end": "21:00"}, headers=api.as_organiser
    )

    assert edited.status_code == 200, edited.text
    assert api.client.get(url()).json()["name"] == "APEC 2016, Lima"
    exported = api.client.get(url("/export?format=json"), headers=api.as_organiser).json()
    assert exported["day_end"] == "21:00"


def test_a_party_is_added_then_replaced_and_audited(database: Database) -> None:
    api = lima_api(database)
    party = {"id": "EU", "name": "European Union", "kind": "organisation"}

    added = api.client.put(url("/parties/EU"), json=party, headers=api.as_organiser)
    renamed = api.client.put(
        url("/parties/EU"), json={**party, "name": "The EU"}, headers=api.as_organiser
    )

    assert (added.status_code, renamed.status_code) == (201, 200)
    assert renamed.json() == {"id": "EU", "name": "The EU", "kind": "organisation"}
    listed = api.client.get(url("/parties"), headers=api.as_("RUS")).json()
    assert listed[-1] == {"id": "EU", "name": "The EU", "kind": "organisation"}
    with database.reading() as session:
        assert session.get(PartyRow, (LIMA, "EU")).name == "The EU"  # type: ignore[union-attr]
    audit = api.client.get(url("/audit"), headers=api.as_organiser).json()
    changes = [e["detail"] for e in audit if e["action"] == "event.setup_changed"]
    assert changes == [
        {"section": "parties", "item": "EU", "change": "added"},
        {"section": "parties", "item": "EU", "change": "replaced"},
    ]


def test_a_principal_and_a_space_are_added_and_a_delegation_reads_them(
    database: Database,
) -> None:
    api = lima_api(database)
    principal = {"party": "PER", "name": "Ana Rosa", "title": "Vice President", "rank": "minister"}
    space = {"id": "salon-9", "name": "Salon 9", "capacity": 8}

    put_principal = api.client.put(
        url("/principals/rosa"), json=principal, headers=api.as_organiser
    )
    put_space = api.client.put(url("/spaces/salon-9"), json=space, headers=api.as_organiser)

    assert (put_principal.status_code, put_space.status_code) == (201, 201), put_principal.text
    principals = api.client.get(url("/principals"), headers=api.as_("RUS")).json()
    assert principals[-1]["id"] == "rosa"
    assert principals[-1]["title"] == "Vice President"
    spaces = api.client.get(url("/spaces"), headers=api.as_("RUS")).json()
    assert spaces[-1]["name"] == "Salon 9"
    with database.reading() as session:
        assert session.get(PrincipalRow, (LIMA, "rosa")).party_id == "PER"  # type: ignore[union-attr]
        assert session.get(SpaceRow, (LIMA, "salon-9")).name == "Salon 9"  # type: ignore[union-attr]


def test_an_item_with_a_bad_field_names_it_from_the_body(database: Database) -> None:
    api = lima_api(database)

    refused = api.client.put(
        url("/principals/rosa"), json={"party": "XX", "name": "Ana Rosa"}, headers=api.as_organiser
    )
    other_id = api.client.put(
        url("/parties/EU"), json={"id": "EV", "name": "EU"}, headers=api.as_organiser
    )

    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "body.party"
    assert other_id.status_code == 422
    assert other_id.json()["error"]["field"] == "body.id"


def test_an_item_with_too_long_a_name_or_a_nul_names_the_field_from_the_body(
    database: Database,
) -> None:
    # The lengths the database bounds are checked on the whole event the edit leaves: the
    # path is still the one the client wrote, not the item's place among the event's.
    api = lima_api(database)
    before = row_counts(database, PartyRow, AuditRow)

    long_name = api.client.put(
        url("/parties/EU"),
        json={"id": "EU", "name": "E" * 201, "kind": "organisation"},
        headers=api.as_organiser,
    )
    nul_title = api.client.put(
        url("/principals/rosa"),
        json={"party": "PER", "name": "Ana Rosa", "title": "Vice\u0000President"},
        headers=api.as_organiser,
    )

    assert (long_name.status_code, long_name.json()["error"]) == (
        422,
        {"code": "invalid", "message": "a name is at most 200 characters", "field": "body.name"},
    )
    assert (nul_title.status_code, nul_title.json()["error"]["field"]) == (422, "body.title")
    assert row_counts(database, PartyRow, AuditRow) == before


def test_a_stretch_of_time_past_its_bound_is_refused_naming_it_and_the_event_still_works(
    database: Database,
) -> None:
    api = lima_api(database)
    space = api.client.get(url("/spaces"), headers=api.as_organiser).json()[0]
    before = row_counts(database, EventRow, SpaceRow, AuditRow)

    turnover = api.client.put(
        url(f"/spaces/{space['id']}"),
        json={**space, "turnover_min": 10**20},
        headers=api.as_organiser,
    )
    no_show = api.client.patch(
        url(), json={"policy": {"no_show_after_min": 10**12}}, headers=api.as_organiser
    )

    assert (turnover.status_code, turnover.json()["error"]["field"]) == (422, "body.turnover_min")
    assert (no_show.status_code, no_show.json()["error"]["field"]) == (
        422,
        "body.policy.no_show_after_min",
    )
    assert row_counts(database, EventRow, SpaceRow, AuditRow) == before
    meeting = api.client.get(url("/meetings"), headers=api.as_organiser).json()[0]
    places = api.client.get(url(f"/meetings/{meeting['id']}/places"), headers=api.as_organiser)
    sweep = api.client.post(url("/attendance/sweep"), headers=api.as_organiser)
    assert (places.status_code, sweep.status_code) == (200, 200)


def test_removing_a_party_that_requests_and_logins_name_is_refused(database: Database) -> None:
    api = lima_api(database)
    before = row_counts(database, PartyRow, AuditRow)

    refused = api.client.delete(url("/parties/RUS"), headers=api.as_organiser)

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "party RUS is still named by 1 logins"
    assert row_counts(database, PartyRow, AuditRow) == before


def test_removing_a_party_its_principals_still_name_is_refused_with_the_path(
    database: Database,
) -> None:
    api = lima_api(database)

    refused = api.client.delete(url("/parties/BRN"), headers=api.as_organiser)

    assert refused.status_code == 409
    assert refused.json()["error"]["field"].startswith("principals[")


def test_a_space_nobody_uses_is_removed(database: Database) -> None:
    api = lima_api(database)
    api.client.put(url("/spaces/salon-9"), json={"id": "salon-9"}, headers=api.as_organiser)

    removed = api.client.delete(url("/spaces/salon-9"), headers=api.as_organiser)
    again = api.client.delete(url("/spaces/salon-9"), headers=api.as_organiser)

    assert (removed.status_code, again.status_code) == (204, 404)
    with database.reading() as session:
        assert session.get(SpaceRow, (LIMA, "salon-9")) is None


def published(database: Database) -> tuple[Lima, dict[str, Any]]:
    api = lima_api(database)
    schedule = solve_and_publish(api)
    entry = next(e for e in schedule["entries"] if e["space_id"] is not None)
    return api, entry


def test_removing_a_space_that_holds_meetings_is_refused(database: Database) -> None:
    api, entry = published(database)

    refused = api.client.delete(url(f"/spaces/{entry['space_id']}"), headers=api.as_organiser)

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"space {entry['space_id']} is still named by 1 meetings"
    )


def test_moving_a_session_over_a_published_meeting_is_refused_with_the_rule(
    database: Database,
) -> None:
    api, entry = published(database)
    session = api.client.get(url("/programme")).json()[0]
    day = entry["starts_at"][:10]
    moved = {
        "title": "Everybody, now",
        "day": day,
        "start": "08:00",
        "end": "19:00",
    }

    refused = api.client.put(
        url(f"/programme/{session['id']}"), json=moved, headers=api.as_organiser
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "rules_broken"
    assert refused.json()["error"]["rules"]


def test_each_role_reads_the_sections_it_may(database: Database) -> None:
    api = lima_api(database)

    as_public = {
        section: api.client.get(url(f"/{section}")).status_code
        for section in ("parties", "principals", "delegations", "spaces")
    }
    own = api.client.get(url("/delegations"), headers=api.as_("RUS")).json()
    everyone = api.client.get(url("/delegations"), headers=api.as_organiser).json()

    assert as_public == {"parties": 200, "principals": 401, "delegations": 401, "spaces": 401}
    assert [d["party"] for d in own] == ["RUS"]
    assert len(everyone) > 1


def test_a_renamed_space_shows_at_once_in_the_agenda(database: Database) -> None:
    api, entry = published(database)
    party = next(p for p in entry["parties"] if p in api.tokens)
    space = next(
        s
        for s in api.client.get(url("/spaces"), headers=api.as_organiser).json()
        if s["id"] == entry["space_id"]
    )
    before = api.client.get(url("/agenda"), headers=api.as_(party)).json()

    renamed = api.client.put(
        url(f"/spaces/{space['id']}"),
        json={**space, "name": "The Blue Room"},
        headers=api.as_organiser,
    )
    after = api.client.get(url("/agenda"), headers=api.as_(party)).json()

    assert renamed.status_code == 200, renamed.text
    where = [i["where"] for i in after if i["meeting_id"] == entry["meeting_id"]]
    assert where == ["The Blue Room"]
    assert before != after


def test_a_retried_put_changes_nothing_and_is_not_audited_again(database: Database) -> None:
    api = lima_api(database)
    party = {"id": "EU", "name": "European Union", "kind": "organisation"}
    first = api.client.put(url("/parties/EU"), json=party, headers=api.as_organiser)
    before = row_counts(database, AuditRow, EventRow)

    again = api.client.put(url("/parties/EU"), json=party, headers=api.as_organiser)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == party
    assert row_counts(database, AuditRow, EventRow) == before


def test_a_principal_s_unavailable_times_are_read_by_its_own_side_and_the_organiser(
    database: Database,
) -> None:
    api = lima_api(database)

    def obama(headers: dict[str, str]) -> dict[str, Any]:
        principals = api.client.get(url("/principals"), headers=headers).json()
        found: dict[str, Any] = next(p for p in principals if p["id"] == "obama")
        return found

    assert len(obama(api.as_("USA"))["unavailable"]) == 2
    assert len(obama(api.as_organiser)["unavailable"]) == 2
    assert obama(api.as_("RUS"))["unavailable"] == []
    assert obama(api.as_("RUS"))["title"] == "President"


def test_a_policy_edit_keeps_the_policy_s_other_fields(database: Database) -> None:
    api = lima_api(database)
    before = api.client.get(url("/export?format=json"), headers=api.as_organiser).json()

    edited = api.client.patch(
        url(), json={"policy": {"freeze_window_min": 20}}, headers=api.as_organiser
    )
    widened = api.client.patch(
        url(), json={"policy": {"organiser_sees": "everything"}}, headers=api.as_organiser
    )

    after = api.client.get(url("/export?format=json"), headers=api.as_organiser).json()
    assert edited.status_code == 200, edited.text
    assert after["policy"] == {**before.get("policy", {}), "freeze_window_min": 20}
    assert widened.status_code == 422
    assert widened.json()["error"]["field"] == "body.policy.organiser_sees"


def test_a_creation_retried_with_its_idempotency_key_gets_the_first_answer(
    database: Database,
) -> None:
    api = lima_api(database)
    headers = {**api.as_organiser, "Idempotency-Key": "create-copy"}

    first = api.client.post("/api/events", json=lima_data(), headers=headers)
    again = api.client.post("/api/events", json=lima_data(), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert row_counts(database, EventRow) == {"events": 2}


# A count past any venue's (a space for 10**18 people, 10**18 interpreters of a language pair)
# is a typing mistake, and would reach the solver's sums far from where it was written.
HUGE_COUNTS = [
    pytest.param("space", "capacity", "body.capacity", id="space-capacity"),
    pytest.param(
        "event",
        {"interpreters": [{"languages": ["en", "ru"], "count": 10**18}]},
        "body.interpreters[0].count",
        id="interpreters",
    ),
    pytest.param(
        "event",
        {"policy": {"max_bookings_per_party_per_day": 10**18}},
        "body.policy.max_bookings_per_party_per_day",
        id="bookings-a-day",
    ),
    pytest.param(
        "event",
        {"policy": {"fairness_max_spread": 10**18}},
        "body.policy.fairness_max_spread",
        id="fairness",
    ),
    pytest.param(
        "event",
        {"policy": {"max_open_requests_per_party": 10**18}},
        "body.policy.max_open_requests_per_party",
        id="open-requests",
    ),
    pytest.param(
        "event",
        {"meeting_defaults": {"priority": 10**18}},
        "body.meeting_defaults.priority",
        id="default-priority",
    ),
]


@pytest.mark.parametrize(("target", "change", "field"), HUGE_COUNTS)
def test_a_count_past_its_bound_is_refused_naming_it_and_nothing_is_written(
    database: Database, target: str, change: Any, field: str
) -> None:
    api = lima_api(database)
    before = row_counts(database, EventRow, SpaceRow, AuditRow)
    if target == "space":
        space = api.client.get(url("/spaces"), headers=api.as_organiser).json()[0]
        response = api.client.put(
            url(f"/spaces/{space['id']}"), json={**space, change: 10**18}, headers=api.as_organiser
        )
    else:
        response = api.client.patch(url(), json=change, headers=api.as_organiser)

    assert (response.status_code, response.json()["error"]["field"]) == (422, field)
    assert row_counts(database, EventRow, SpaceRow, AuditRow) == before


def test_a_new_events_meeting_of_a_huge_size_is_refused_naming_it(database: Database) -> None:
    api = lima_api(database)
    data = lima_data()
    data["meetings"] = [{"principals": ["putin", "obama"], "size": 10**18}]

    response = api.client.post("/api/events", json=data, headers=api.as_organiser)

    assert (response.status_code, response.json()["error"]["field"]) == (
        422,
        "body.meetings[0].size",
    )
    assert (
        api.client.get(url(event_id="apec-2016-copy"), headers=api.as_organiser).status_code == 404
    )


def test_the_counts_bounds_are_in_the_openapi_document(database: Database) -> None:
    api = lima_api(database)
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]

    assert schemas["SpaceIn"]["properties"]["capacity"]["maximum"] == CAPACITY_MAX
    assert schemas["InterpretersIn"]["properties"]["count"]["maximum"] == INTERPRETERS_MAX
    assert schemas["MeetingIn"]["properties"]["size"]["anyOf"][0]["maximum"] == CAPACITY_MAX


def test_a_long_text_in_an_item_is_refused_naming_it_and_nothing_is_written(
    database: Database,
) -> None:
    api = lima_api(database)
    before = row_counts(database, SpaceRow, PrincipalRow, AuditRow)

    location = api.client.put(
        url("/spaces/hall"), json={"id": "hall", "location": "x" * 1001}, headers=api.as_organiser
    )
    language = api.client.put(
        url("/principals/rosa"),
        json={"party": "PER", "name": "Ana Rosa", "languages": ["es", "e" * 100_000]},
        headers=api.as_organiser,
    )

    assert (location.status_code, location.json()["error"]) == (
        422,
        {
            "code": "invalid",
            "message": "a text is at most 1000 characters",
            "field": "body.location",
        },
    )
    assert (language.status_code, language.json()["error"]["field"]) == (
        422,
        "body.languages[1]",
    )
    assert row_counts(database, SpaceRow, PrincipalRow, AuditRow) == before
