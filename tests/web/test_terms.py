"""Consent term by term through the API: each term agreed, countered and refused; levels and
substitutions; plus N against the place's capacity; what an agreement writes on the meeting row;
and nothing of it seen by a third delegation (DESIGN.md §2, §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select

from sidelines.domain import MeetingFormat, PartyId, Principal, PrincipalId, Rank
from sidelines.domain.terms import Term
from sidelines.services import events
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    MeetingPrincipalRow,
    MeetingRow,
    ProposalRow,
    RequestTermRow,
)
from sidelines.web.app import create_app
from tests.web.helpers import (
    SETUP_ACTOR,
    Lima,
    TestClient,
    answer,
    issue_token,
    lima,
    post_request,
    row_counts,
    url,
)

# The foreign ministers, as principals of their own: a request may ask for a leader "or else
# the foreign minister".
LAVROV = Principal(
    PrincipalId("lavrov"),
    party=PartyId("RUS"),
    name="Sergey Lavrov",
    title="Minister of Foreign Affairs",
    rank=Rank.MINISTER,
    in_office_since=date(2004, 3, 9),
    languages=("ru", "en"),
)
KERRY = Principal(
    PrincipalId("kerry"),
    party=PartyId("USA"),
    name="John Kerry",
    title="Secretary of State",
    rank=Rank.MINISTER,
    in_office_since=date(2013, 2, 1),
    languages=("en", "fr"),
)
WINDOW = {"start": "2016-11-20T14:30:00Z", "end": "2016-11-20T15:30:00Z"}  # 09:30 in Lima
LATER = {"start": "2016-11-20T19:00:00Z", "end": "2016-11-20T20:00:00Z"}
NOTHING_WRITTEN = (RequestTermRow, ProposalRow, MeetingRow, AuditRow)


def terms_api(database: Database, **policy: Any) -> Lima:
    """Lima with the two foreign ministers, the event's policy changed as given."""
    event = lima()
    event = replace(
        event,
        principals=(*event.principals, LAVROV, KERRY),
        policy=replace(event.policy, **policy),
    )
    events.import_event(database, SETUP_ACTOR, event)
    tokens = {party: issue_token(database, party.lower(), party) for party in ("RUS", "USA", "JPN")}
    return Lima(
        database, TestClient(create_app(database)), issue_token(database, "protocol"), tokens
    )


def answer_terms(
    api: Lima, party: str, request_id: int, agree: list[str], **counter: Any
) -> tuple[int, dict[str, Any]]:
    response = api.client.post(
        url(f"/requests/{request_id}/terms"),
        json={"agree": agree, "counter": counter},
        headers=api.as_(party),
    )
    return response.status_code, response.json()


def settled(request: dict[str, Any]) -> dict[str, tuple[str, Any, list[str]]]:
    """Each term's state, value and the sides that agree to it."""
    return {t["term"]: (t["state"], t["value"], t["agreed_by"]) for t in request["terms"]}


def meeting_row(api: Lima, meeting_id: int) -> tuple[str, list[Any], dict[str, Any]]:
    with api.database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        return row.format, row.windows, row.terms


def invalid(message: str, field: str) -> dict[str, Any]:
    return {"error": {"code": "invalid", "message": message, "field": field}}


# --- agreeing in stages ------------------------------------------------------------------------


def test_contact_first_then_format_then_time_agrees_the_meeting(database: Database) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "RUS",
        "USA",
        proposal={
            "format": "pull_aside",
            "windows": [WINDOW],
            "space_id": "lcc-bilateral-2",
            "press_plan": "pool_spray",
        },
    )

    _, contact = answer_terms(api, "USA", request["id"], ["contact"])
    assert (contact["state"], settled(contact)["contact"]) == (
        "sent",
        ("agreed", True, ["RUS", "USA"]),
    )
    assert settled(contact)["format"] == (
        "proposed",
        {"format": "pull_aside", "duration_min": 10},
        ["RUS"],
    )

    _, countered = answer_terms(api, "USA", request["id"], ["format"], windows=[LATER])
    assert countered["state"] == "countered"
    assert settled(countered)["time"] == (
        "proposed",
        [["2016-11-20T19:00:00+00:00", "2016-11-20T20:00:00+00:00"]],
        ["USA"],
    )
    assert countered["meeting_id"] is None

    status, agreed = answer_terms(api, "RUS", request["id"], ["time"])

    assert (status, agreed["state"]) == (200, "accepted")
    # Place and press were wishes of the opening request that the US side never agreed: they
    # do not bind.
    assert {t: s[0] for t, s in settled(agreed).items()} == {
        "contact": "agreed",
        "format": "agreed",
        "time": "agreed",
        "place": "proposed",
        "host": "open",
        "attendees": "open",
        "interpretation": "open",
        "press": "proposed",
    }
    assert meeting_row(api, agreed["meeting_id"]) == (
        "pull_aside",
        [["2016-11-20T19:00:00+00:00", "2016-11-20T20:00:00+00:00"]],
        {},
    )


def test_accepting_a_whole_proposal_agrees_every_term_and_writes_them_on_the_meeting(
    database: Database,
) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "RUS",
        "USA",
        proposal={
            "windows": [WINDOW],
            "host_party": "USA",
            "host_suite": True,
            # No press: the US suite has no press-ready room (a pool spray there is refused).
            "press_plan": "none",
            "attendees": {
                "RUS": {"level": "head_of_state_or_government", "plus": 2},
                "USA": {"principal": "obama", "plus": 3},
            },
            "own_interpreters": ["RUS"],
        },
    )

    status, accepted = answer(api, "USA", request["id"], "accept")

    assert (status, accepted["state"]) == (200, "accepted")
    assert {t: s[0] for t, s in settled(accepted).items()} == dict.fromkeys(Term, "agreed")
    assert meeting_row(api, accepted["meeting_id"]) == (
        "bilateral_restricted",
        [["2016-11-20T14:30:00+00:00", "2016-11-20T15:30:00+00:00"]],
        {
            "host": "USA",
            "size": 7,
            "spaces": ["usa-suite"],  # the host's suite, resolved to the US premises
            "press": "none",
            "attendees": {
                "RUS": {"principal": "putin", "plus": 2},
                "USA": {"principal": "obama", "plus": 3},
            },
            "own_interpreters": ["RUS"],
        },
    )


COUNTERS = [
    pytest.param(
        "format",
        {"format": "courtesy_call"},
        {"format": "courtesy_call", "duration_min": 20},
        id="format",
    ),
    pytest.param(
        "time",
        {"windows": [LATER]},
        [["2016-11-20T19:00:00+00:00", "2016-11-20T20:00:00+00:00"]],
        id="time",
    ),
    pytest.param("place", {"place": "lcc-bilateral-3"}, "lcc-bilateral-3", id="place"),
    pytest.param("host", {"host": "USA"}, "USA", id="host"),
    pytest.param(
        "attendees",
        {"attendees": {"USA": {"principal": "obama", "plus": 1}}},
        {"USA": {"principal": "obama", "plus": 1}},
        id="attendees",
    ),
    pytest.param("interpretation", {"own_interpreters": ["USA"]}, {"own": ["USA"]}, id="interp"),
    pytest.param("press", {"press": "open_press"}, "open_press", id="press"),
]


@pytest.mark.parametrize(("term", "counter", "value"), COUNTERS)
def test_a_countered_term_waits_for_the_other_side_then_binds(
    database: Database, term: str, counter: dict[str, Any], value: Any
) -> None:
    api = terms_api(database)
    request = post_request(api, "RUS", "USA", proposal={"windows": [WINDOW]})
    others = [t for t in ("contact", "format", "time") if t != term]

    _, countered = answer_terms(api, "USA", request["id"], others, **counter)

    assert (countered["state"], countered["meeting_id"]) == ("countered", None)
    assert settled(countered)[term] == ("proposed", value, ["USA"])
    assert countered["proposals"][-1]["by_party"] == "USA"

    _, agreed = answer_terms(api, "RUS", request["id"], [term])

    assert (agreed["state"], settled(agreed)[term]) == (
        "accepted",
        ("agreed", value, ["RUS", "USA"]),
    )


def test_a_counter_keeps_the_topics_and_the_meeting_agreed_after_it_has_them(
    database: Database,
) -> None:
    api = terms_api(database)
    request = post_request(
        api, "RUS", "USA", proposal={"windows": [WINDOW], "topics": ["Syria", "Ukraine"]}
    )

    _, countered = answer_terms(api, "USA", request["id"], ["contact", "format"], windows=[LATER])
    _, agreed = answer_terms(api, "RUS", request["id"], ["time"])

    assert [p["topics"] for p in countered["proposals"]] == [["Syria", "Ukraine"]] * 2
    assert agreed["state"] == "accepted"
    meeting = api.client.get(url(f"/meetings/{agreed['meeting_id']}"), headers=api.as_("USA"))
    assert meeting.json()["topics"] == ["Syria", "Ukraine"]


def test_a_side_cannot_agree_an_open_term_nor_counter_the_contact(database: Database) -> None:
    api = terms_api(database)
    request = post_request(api, "RUS", "USA")
    before = row_counts(database, *NOTHING_WRITTEN)

    open_term = answer_terms(api, "USA", request["id"], ["contact", "host"])
    twice = answer_terms(api, "USA", request["id"], ["press"], press="open_press")
    nothing = answer_terms(api, "USA", request["id"], [])

    assert open_term == (
        422,
        invalid("the host is open: there is nothing to agree yet", "body.agree[1]"),
    )
    assert twice == (422, invalid("the press is both agreed and countered", "body.agree[0]"))
    assert nothing == (422, invalid("agree some terms or counter some", "body.agree"))
    assert row_counts(database, *NOTHING_WRITTEN) == before


# --- refusals ---------------------------------------------------------------------------------

REFUSALS = [
    pytest.param(
        {"host": "NOPE"},
        invalid("the host 'NOPE' is not a side of this request", "body.counter.host"),
        id="host-not-a-side",
    ),
    pytest.param(
        {"place": "ballroom"},
        invalid("unknown space 'ballroom'", "body.counter.place"),
        id="unknown-space",
    ),
    pytest.param(
        {"format": "b2b"},
        invalid(
            "this event does not offer the format b2b; it offers bilateral_restricted, "
            "brief_contact, pull_aside",
            "body.counter.format",
        ),
        id="format-not-offered",
    ),
    pytest.param(
        {"attendees": {"USA": {"principal": "lavrov"}}},
        invalid("no principal 'lavrov' on this side", "body.counter.attendees.USA.principal"),
        id="principal-of-the-other-side",
    ),
    pytest.param(
        {"attendees": {"USA": {"level": "deputy_head"}}},
        invalid(
            "no principal of this side is at the level deputy head",
            "body.counter.attendees.USA.level",
        ),
        id="level-nobody-has",
    ),
    pytest.param(
        {"attendees": {"JPN": {"principal": "abe"}}},
        invalid("'JPN' is not a side of this request", "body.counter.attendees.JPN"),
        id="attendees-of-a-third-party",
    ),
    pytest.param(
        {"own_interpreters": ["RUS", "CHN"]},
        invalid("'CHN' is not a side of this request", "body.counter.own_interpreters[1]"),
        id="interpreters-of-a-third-party",
    ),
    pytest.param(
        {"windows": [WINDOW, {"start": "2016-11-20T04:30:00Z", "end": "2016-11-20T05:30:00Z"}]},
        invalid(
            "window lies outside the event's hours, 07:00 to 23:00 each day (America/Lima)",
            "body.counter.windows[1]",
        ),
        id="window-at-night",
    ),
    pytest.param(
        {"press": "leak"},
        invalid("press plan must be one of none, pool_spray, open_press", "body.counter.press"),
        id="unknown-press-plan",
    ),
    pytest.param(
        {"place": "host_suite"},
        invalid("the host's suite needs a host side: propose one", "body.counter.place"),
        id="host-suite-without-host",
    ),
    pytest.param(
        {"attendees": {"USA": {"principal": "obama", "plus": 9}}},
        invalid(
            "11 people do not fit the place, which holds 10", "body.counter.attendees.USA.plus"
        ),
        id="plus-beyond-capacity",
    ),
]


@pytest.mark.parametrize(("counter", "error"), REFUSALS)
def test_an_unknown_value_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, counter: dict[str, Any], error: dict[str, Any]
) -> None:
    offered = frozenset(
        {MeetingFormat.BILATERAL_RESTRICTED, MeetingFormat.PULL_ASIDE, MeetingFormat.BRIEF_CONTACT}
    )
    api = terms_api(database, formats=offered)
    request = post_request(
        api, "RUS", "USA", proposal={"space_id": "lcc-bilateral-5", "windows": [WINDOW]}
    )
    before = row_counts(database, *NOTHING_WRITTEN)

    refused = answer_terms(api, "USA", request["id"], ["contact"], **counter)

    assert refused == (422, error)
    assert row_counts(database, *NOTHING_WRITTEN) == before


def test_a_smaller_place_than_the_attendees_need_is_refused(database: Database) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "RUS",
        "USA",
        proposal={"attendees": {"RUS": {"principal": "putin", "plus": 10}}},
    )

    refused = answer_terms(api, "USA", request["id"], [], place="lcc-bilateral-5")
    _, fits = answer_terms(api, "USA", request["id"], [], place="lcc-bilateral-3")

    assert refused == (
        422,
        invalid("12 people do not fit the place, which holds 10", "body.counter.place"),
    )
    assert settled(fits)["place"] == ("proposed", "lcc-bilateral-3", ["USA"])


def test_a_press_plan_is_agreed_only_for_a_place_with_a_press_ready_room(
    database: Database,
) -> None:
    # The agreed press binds the placement (rules.terms.press_ready_space): a pool spray in a
    # room without press facilities could never be placed, so it is refused at the table.
    api = terms_api(database)
    request = post_request(api, "RUS", "USA", proposal={"space_id": "lcc-bilateral-5"})
    before = row_counts(database, *NOTHING_WRITTEN)

    refused = answer_terms(api, "USA", request["id"], ["contact"], press="pool_spray")
    refused_counts = row_counts(database, *NOTHING_WRITTEN)
    _, fits = answer_terms(
        api, "USA", request["id"], ["contact"], press="pool_spray", place="lcc-bilateral-1"
    )

    assert refused == (
        422,
        invalid(
            "the press plan pool_spray needs a press-ready room; the place "
            "(Bilateral room 5 (LCC)) has none",
            "body.counter.press",
        ),
    )
    assert refused_counts == before
    assert settled(fits)["press"] == ("proposed", "pool_spray", ["USA"])
    assert settled(fits)["place"] == ("proposed", "lcc-bilateral-1", ["USA"])


def test_a_place_without_a_press_ready_room_is_refused_once_the_press_is_agreed(
    database: Database,
) -> None:
    api = terms_api(database)
    request = post_request(
        api, "RUS", "USA", proposal={"space_id": "lcc-bilateral-1", "press_plan": "open_press"}
    )

    refused = answer_terms(api, "USA", request["id"], ["contact", "press"], place="lcc-bilateral-5")
    _, fits = answer_terms(api, "USA", request["id"], ["contact", "press"], place="lcc-bilateral-2")

    assert refused == (
        422,
        invalid(
            "the press plan open_press needs a press-ready room; the place "
            "(Bilateral room 5 (LCC)) has none",
            "body.counter.place",
        ),
    )
    assert settled(fits)["press"] == ("agreed", "open_press", ["RUS", "USA"])
    assert settled(fits)["place"] == ("proposed", "lcc-bilateral-2", ["USA"])


def test_a_format_whose_delegations_the_place_cannot_seat_is_refused(database: Database) -> None:
    # No attendees named: the meeting seats its format's delegations (an expanded bilateral
    # six a side), which Bilateral room 5 (ten seats) cannot hold, so it could never be placed.
    api = terms_api(database)
    request = post_request(api, "RUS", "USA", proposal={"space_id": "lcc-bilateral-5"})
    before = row_counts(database, *NOTHING_WRITTEN)

    refused = answer_terms(api, "USA", request["id"], ["contact"], format="bilateral_expanded")
    refused_counts = row_counts(database, *NOTHING_WRITTEN)
    _, fits = answer_terms(api, "USA", request["id"], ["contact"], format="courtesy_call")

    assert refused == (
        422,
        invalid("12 people do not fit the place, which holds 10", "body.counter.format"),
    )
    assert refused_counts == before
    assert settled(fits)["format"] == (
        "proposed",
        {"format": "courtesy_call", "duration_min": 20},
        ["USA"],
    )


def test_a_format_the_event_does_not_offer_is_refused_in_a_request(database: Database) -> None:
    api = terms_api(database, formats=frozenset({MeetingFormat.B2B}))
    response = api.client.post(
        url("/requests"),
        json={"invitees": ["USA"], "proposal": {"format": "pull_aside"}},
        headers=api.as_("RUS"),
    )

    assert (response.status_code, response.json()) == (
        422,
        invalid(
            "this event does not offer the format pull_aside; it offers b2b",
            "body.proposal.format",
        ),
    )


# --- level and substitution -------------------------------------------------------------------


def test_a_level_is_met_by_the_most_senior_principal_at_it(database: Database) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "USA",
        "RUS",
        proposal={"attendees": {"RUS": {"level": "minister_for_foreign_affairs"}}},
    )

    _, accepted = answer(api, "RUS", request["id"], "accept")

    _, _, terms = meeting_row(api, accepted["meeting_id"])
    assert terms["attendees"] == {
        "USA": {"principal": "obama", "plus": 0},
        "RUS": {"principal": "lavrov", "plus": 0},
    }
    with database.reading() as session:
        principals = sorted(
            session.scalars(
                select(MeetingPrincipalRow.principal_id).where(
                    MeetingPrincipalRow.meeting_id == accepted["meeting_id"]
                )
            )
        )
    assert principals == ["lavrov", "obama"]


def test_a_substitution_binds_only_once_the_other_side_agrees_it(database: Database) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "RUS",
        "USA",
        proposal={"windows": [WINDOW], "attendees": {"USA": {"principal": "obama"}}},
    )

    # The US side agrees to meet, but sends its Secretary of State instead of the President.
    _, substituted = answer_terms(
        api,
        "USA",
        request["id"],
        ["contact", "format", "time"],
        attendees={"USA": {"principal": "kerry"}},
    )
    assert (substituted["state"], substituted["meeting_id"]) == ("countered", None)
    assert [p["principal_id"] for p in substituted["participants"]] == ["putin", "kerry"]

    # Russia insists on the President: the substitution is refused, and the request waits.
    _, insisted = answer_terms(
        api, "RUS", request["id"], [], attendees={"USA": {"principal": "obama"}}
    )
    assert (insisted["state"], insisted["meeting_id"]) == ("countered", None)

    _, agreed = answer_terms(api, "USA", request["id"], ["attendees"])

    assert agreed["state"] == "accepted"
    _, _, terms = meeting_row(api, agreed["meeting_id"])
    assert terms["attendees"] == {
        "RUS": {"principal": "putin", "plus": 0},
        "USA": {"principal": "obama", "plus": 0},
    }


def test_an_agreed_substitution_changes_who_attends(database: Database) -> None:
    api = terms_api(database)
    request = post_request(api, "RUS", "USA", proposal={"windows": [WINDOW]})
    answer_terms(
        api,
        "USA",
        request["id"],
        ["contact", "format", "time"],
        attendees={"USA": {"level": "minister", "plus": 1}},
    )

    _, agreed = answer_terms(api, "RUS", request["id"], ["attendees"])

    assert agreed["state"] == "accepted"
    _, _, terms = meeting_row(api, agreed["meeting_id"])
    assert (terms["attendees"], terms["size"]) == (
        {"RUS": {"principal": "putin", "plus": 0}, "USA": {"principal": "kerry", "plus": 1}},
        3,
    )


# --- policy, the thread, confidentiality --------------------------------------------------------


def test_the_event_may_require_the_place_too(database: Database) -> None:
    api = terms_api(database, required_terms=(Term.CONTACT, Term.FORMAT, Term.TIME, Term.PLACE))
    request = post_request(api, "RUS", "USA", proposal={"windows": [WINDOW]})

    _, without_place = answer_terms(api, "USA", request["id"], ["contact", "format", "time"])
    assert (without_place["state"], without_place["meeting_id"]) == ("sent", None)
    assert [t["term"] for t in without_place["terms"] if t["required"]] == [
        "contact",
        "format",
        "time",
        "place",
    ]

    answer_terms(api, "USA", request["id"], [], place="lcc-bilateral-1")
    _, agreed = answer_terms(api, "RUS", request["id"], ["place"])

    assert agreed["state"] == "accepted"
    assert meeting_row(api, agreed["meeting_id"])[2] == {"spaces": ["lcc-bilateral-1"]}


def test_the_thread_shows_who_attends_in_protocol_order_and_the_interpretation_needed(
    database: Database,
) -> None:
    api = terms_api(database)
    request = post_request(api, "RUS", "USA")

    # Obama (head of state since 2009) precedes Putin (in his current term since 2012).
    assert [(p["principal_id"], p["languages"]) for p in request["participants"]] == [
        ("obama", ["en"]),
        ("putin", ["ru"]),
    ]
    assert request["interpretation"] == [["en", "ru"]]

    # With Lavrov (ru, en) for Russia, the two sides share English: no interpreter.
    _, with_lavrov = answer_terms(
        api, "RUS", request["id"], [], attendees={"RUS": {"principal": "lavrov"}}
    )
    assert [p["principal_id"] for p in with_lavrov["participants"]] == ["obama", "lavrov"]
    assert with_lavrov["interpretation"] == []


def test_a_third_delegation_sees_no_terms_and_cannot_answer_them(database: Database) -> None:
    api = terms_api(database)
    request = post_request(api, "RUS", "USA", proposal={"space_id": "lcc-bilateral-1"})
    before = row_counts(database, *NOTHING_WRITTEN)

    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("JPN"))
    answered = answer_terms(api, "JPN", request["id"], ["contact"])
    listed = api.client.get(url("/requests"), headers=api.as_("JPN")).json()

    missing = {
        "error": {"code": "not_found", "message": f"no request {request['id']}", "field": ""}
    }
    assert (seen.status_code, seen.json()) == (404, missing)
    assert answered == (404, missing)
    assert listed["items"] == []
    assert row_counts(database, *NOTHING_WRITTEN) == before


def test_a_named_attendance_waits_for_the_other_side_even_in_the_opening_request(
    database: Database,
) -> None:
    api = terms_api(database)
    request = post_request(
        api,
        "USA",
        "RUS",
        proposal={
            "windows": [WINDOW],
            "attendees": {"RUS": {"level": "minister_for_foreign_affairs"}},
        },
    )

    _, waiting = answer_terms(api, "RUS", request["id"], ["contact", "format", "time"])
    assert (waiting["state"], waiting["meeting_id"]) == ("sent", None)

    _, agreed = answer_terms(api, "RUS", request["id"], ["attendees"])

    assert agreed["state"] == "accepted"
    assert meeting_row(api, agreed["meeting_id"])[2]["attendees"] == {
        "USA": {"principal": "obama", "plus": 0},
        "RUS": {"principal": "lavrov", "plus": 0},
    }


def test_a_page_of_requests_reads_the_terms_in_one_query(database: Database) -> None:
    api = terms_api(database)
    for invitee in ("USA", "JPN", "CHN"):
        post_request(api, "RUS", invitee)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        page = api.client.get(url("/requests"), headers=api.as_("RUS")).json()
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)

    assert [len(r["terms"]) for r in page["items"]] == [8, 8, 8]
    assert len([s for s in statements if "FROM request_terms" in s]) == 1
