"""Answering from the request page, without a browser: a counter-proposal in the event's local
time, and a face-saving refusal that only the two sides read."""

from __future__ import annotations

from sidelines.domain import MeetingFormat
from sidelines.domain.terms import Term
from sidelines.services import negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, TestClient, import_lima, issue_token
from tests.web.pages.test_session import csrf_of

EVENT = f"/events/{LIMA}"


def test_a_counter_in_lima_time_then_a_soft_decline_seen_by_the_two_sides_only(
    database: Database,
) -> None:
    import_lima(database)
    clients = {}
    for party in ("RUS", "USA", "JPN"):
        token = issue_token(database, party.lower(), party)
        clients[party] = TestClient(create_app(database))
        clients[party].cookies.set(SESSION_COOKIE, token)
    russia = actor_for_token(database, clients["RUS"].cookies[SESSION_COOKIE])
    asked = negotiation.create_request(
        database, russia, LIMA, ["USA"], Terms(MeetingFormat.BILATERAL_RESTRICTED)
    )
    thread = f"{EVENT}/requests/{asked.id}"

    countered = clients["USA"].post(
        f"{thread}/answer",
        data={
            "csrf_token": csrf_of(clients["USA"].get(thread).text),
            "answer": "counter",
            "format": "pull_aside",
            "day": "2016-11-20",
            "window_from": "08:30",
            "window_to": "09:00",
        },
        follow_redirects=False,
    )
    assert countered.status_code == 303
    view = negotiation.get_request(database, russia, LIMA, asked.id)
    assert view.state == "countered"
    assert (view.current.terms.format, view.current.terms.windows[0].start.isoformat()) == (
        MeetingFormat.PULL_ASIDE,
        "2016-11-20T13:30:00+00:00",  # 08:30 in Lima
    )
    seen_by_russia = clients["RUS"].get(thread).text
    assert "pull aside, 10 min, Sun 20 Nov 2016 08:30–09:00" in seen_by_russia

    # The requesting side may accept or counter, not decline its own request.
    assert 'value="soft_decline"' not in seen_by_russia
    assert 'value="accept"' in seen_by_russia
    answered = clients["RUS"].post(
        f"{thread}/answer",
        data={
            "csrf_token": csrf_of(seen_by_russia),
            "answer": "counter",
            "format": "brief_contact",
        },
        follow_redirects=False,
    )
    assert answered.status_code == 303
    declined = clients["USA"].post(
        f"{thread}/answer",
        data={"csrf_token": csrf_of(clients["USA"].get(thread).text), "answer": "soft_decline"},
        follow_redirects=False,
    )
    assert declined.status_code == 303
    assert "answered soft decline (“scheduling conflict”)" in clients["RUS"].get(thread).text
    assert clients["JPN"].get(thread).status_code == 404


def test_the_thread_page_shows_the_terms_and_takes_an_answer_term_by_term(
    database: Database,
) -> None:
    import_lima(database)
    clients = {}
    for party in ("RUS", "USA"):
        token = issue_token(database, party.lower(), party)
        clients[party] = TestClient(create_app(database))
        clients[party].cookies.set(SESSION_COOKIE, token)
    russia = actor_for_token(database, clients["RUS"].cookies[SESSION_COOKIE])
    asked = negotiation.create_request(
        database, russia, LIMA, ["USA"], Terms(MeetingFormat.PULL_ASIDE)
    )
    thread = f"{EVENT}/requests/{asked.id}"
    page = clients["USA"].get(thread).text
    assert '<td class="state state-proposed">proposed by Russia</td>' in page
    assert "<td>pull aside, 10 min</td>" in page
    # Obama (in office since 2009) precedes Putin (since 2012); they share no language.
    assert page.index("Barack Obama") < page.index("Vladimir Putin")
    assert "Interpretation: needed between English and Russian" in page

    answered = clients["USA"].post(
        f"{thread}/terms",
        data={
            "csrf_token": csrf_of(page),
            "agree": ["contact", "format", "time"],
            "place": "lcc-bilateral-2",
        },
        follow_redirects=False,
    )

    assert answered.status_code == 303
    view = negotiation.get_request(database, russia, LIMA, asked.id)
    assert (view.state, view.term(Term.PLACE).value, view.term(Term.PLACE).agreed_by) == (
        "countered",
        "lcc-bilateral-2",
        ("USA",),
    )
    refused = clients["RUS"].post(
        f"{thread}/terms",
        data={"csrf_token": csrf_of(clients["RUS"].get(thread).text), "host": "JPN"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "the host &#39;JPN&#39; is not a side of this request" in refused.text
