"""Sessions and forms of the pages, without a browser: the cookie's flags, CSRF refusals that
write nothing, logging out, and confidentiality exactly as in the API."""

from __future__ import annotations

import re

from sidelines.domain import MeetingFormat
from sidelines.services import accounts, interests, negotiation
from sidelines.services.actors import Actor, Role
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from sidelines.web.settings import Settings
from tests.web.helpers import LIMA, TestClient, import_lima, issue_token

EVENT = f"/events/{LIMA}"
RUSSIA = Actor(Role.DELEGATE, event_id=LIMA, party_id="RUS")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def logged_in(database: Database, username: str, party: str | None) -> TestClient:
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, username, party))
    return client


def log_in_through_the_form(client: TestClient, password: str) -> str:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "russia", "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


def test_login_sets_an_httponly_lax_cookie_and_logout_revokes_the_session(
    database: Database,
) -> None:
    import_lima(database)
    accounts.create_user(
        database, "russia", "kremlin-lima-2016", Role.DELEGATE, event_id=LIMA, party_id="RUS"
    )
    client = TestClient(create_app(database))

    cookie = log_in_through_the_form(client, "kremlin-lima-2016")
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development serves plain HTTP
    inbox = client.get(f"{EVENT}/inbox")
    assert inbox.status_code == 200
    assert "Inbox of Russia" in inbox.text

    out = client.post("/logout", data={"csrf_token": csrf_of(inbox.text)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    client.cookies.set(SESSION_COOKIE, cookie.split(";")[0].split("=", 1)[1])  # a kept copy
    again = client.get(f"{EVENT}/inbox", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (
        303,
        f"/login?next=/events/{LIMA}/inbox",
    )


def test_session_cookie_is_secure_in_production(database: Database) -> None:
    import_lima(database)
    accounts.create_user(
        database, "russia", "kremlin-lima-2016", Role.DELEGATE, event_id=LIMA, party_id="RUS"
    )
    production = Settings(environment="production", secret_key="s" * 40)
    client = TestClient(create_app(database, production), base_url="https://testserver")

    cookie = log_in_through_the_form(client, "kremlin-lima-2016")

    assert "; Secure" in cookie


def test_wrong_password_shows_the_form_again_without_saying_which_part_was_wrong(
    database: Database,
) -> None:
    import_lima(database)
    accounts.create_user(
        database, "russia", "kremlin-lima-2016", Role.DELEGATE, event_id=LIMA, party_id="RUS"
    )
    client = TestClient(create_app(database))
    form = client.get("/login")

    response = client.post(
        "/login",
        data={"username": "russia", "password": "wrong-guess", "csrf_token": csrf_of(form.text)},
    )

    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_form_post_without_its_csrf_token_is_refused_and_writes_nothing(
    database: Database,
) -> None:
    import_lima(database)
    client = logged_in(database, "russia", "RUS")
    page = client.get(f"{EVENT}/interests")
    other = TestClient(create_app(database))
    other.cookies.set(SESSION_COOKIE, issue_token(database, "russia-2", "RUS"))
    foreign = csrf_of(other.get(f"{EVENT}/interests").text)  # another session's token

    for token in (None, "", foreign):
        data = {"party": "USA", "kind": "contact", "on": "true"}
        if token is not None:
            data["csrf_token"] = token
        response = client.post(f"{EVENT}/interests", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "the form has expired" in response.text

    assert interests.open_contacts(database, RUSSIA, LIMA).marked == []
    accepted = client.post(
        f"{EVENT}/interests",
        data={"party": "USA", "kind": "contact", "on": "true", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert interests.open_contacts(database, RUSSIA, LIMA).marked == ["USA"]


def test_another_delegations_request_is_not_found_as_an_unknown_one_and_never_listed(
    database: Database,
) -> None:
    import_lima(database)
    japan = accounts.actor_for_token(database, issue_token(database, "japan", "JPN"))
    asked = negotiation.create_request(
        database, japan, LIMA, ["CHN"], Terms(MeetingFormat.PULL_ASIDE, topics=("fisheries",))
    )
    client = logged_in(database, "russia", "RUS")

    hidden = client.get(f"{EVENT}/requests/{asked.id}")
    unknown = client.get(f"{EVENT}/requests/{asked.id + 1000}")
    inbox = client.get(f"{EVENT}/inbox")

    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.text.replace(f"no request {asked.id}", "no request N") == unknown.text.replace(
        f"no request {asked.id + 1000}", "no request N"
    )
    assert f"/requests/{asked.id}" not in inbox.text
    assert "fisheries" not in inbox.text
    assert "No request has reached you." in inbox.text


def test_the_organiser_has_no_delegation_pages_and_delegations_no_organiser_pages(
    database: Database,
) -> None:
    import_lima(database)
    organiser = logged_in(database, "protocol", None)
    russia = logged_in(database, "russia", "RUS")

    assert organiser.get(f"{EVENT}/inbox").status_code == 403
    assert russia.get(f"{EVENT}/grid").status_code == 403
    assert russia.get(f"{EVENT}/setup").status_code == 403


def test_login_never_forwards_to_another_site(database: Database) -> None:
    import_lima(database)
    accounts.create_user(database, "protocol", "peru-protocol-2016", Role.ORGANISER)
    client = TestClient(create_app(database))
    form = client.get("/login?next=//elsewhere.example/")
    assert 'name="next" value="/"' in form.text

    response = client.post(
        "/login",
        data={
            "username": "protocol",
            "password": "peru-protocol-2016",
            "csrf_token": csrf_of(form.text),
            "next": "https://elsewhere.example/",
        },
        follow_redirects=False,
    )

    assert (response.status_code, response.headers["location"]) == (303, "/")


def test_the_api_keeps_its_json_errors_beside_the_pages(database: Database) -> None:
    import_lima(database)
    client = TestClient(create_app(database))

    response = client.get(f"/api/events/{LIMA}/requests/1", headers={"Accept": "text/html"})

    assert response.json() == {
        "error": {"code": "not_found", "message": "no request 1", "field": ""}
    }


def test_a_request_the_service_refuses_shows_the_form_again_with_the_field_and_writes_nothing(
    database: Database,
) -> None:
    import_lima(database)
    client = logged_in(database, "russia", "RUS")
    page = client.get(f"{EVENT}/requests/new")

    response = client.post(
        f"{EVENT}/requests",
        data={
            "csrf_token": csrf_of(page.text),
            "invitees": "USA",
            "format": "brief_contact",
            "day": "2016-11-20",
            "window_from": "09:30",
            "window_to": "08:30",
            "topics": "Syria, Ukraine",
        },
    )

    assert response.status_code == 422
    assert "the window must end after it starts" in response.text
    assert "(time to)" in response.text  # the form's field, in its words
    assert 'value="Syria, Ukraine"' in response.text  # what was typed is kept
    assert negotiation.list_requests(database, RUSSIA, LIMA).total == 0


def test_too_many_failed_logins_answer_a_page_with_retry_after(database: Database) -> None:
    import_lima(database)
    client = TestClient(create_app(database))
    token = csrf_of(client.get("/login").text)
    attempt = {"username": "russia", "password": "guessing-again", "csrf_token": token}

    answers = [client.post("/login", data=attempt).status_code for _ in range(6)]

    throttled = client.post("/login", data=attempt)
    assert answers[:5] == [401] * 5
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("text/html")
    assert int(throttled.headers["retry-after"]) > 0
    assert "<h1>Not done</h1>" in throttled.text


def _request_form(client: TestClient, csrf_token: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token,
        "invitees": "USA",
        "format": "pull_aside",
        "message": "A word in the corridor",
    }


def test_a_form_sent_after_its_session_ended_elsewhere_leads_back_to_its_page_after_login(
    database: Database,
) -> None:
    import_lima(database)
    accounts.create_user(
        database, "russia", "kremlin-lima-2016", Role.DELEGATE, event_id=LIMA, party_id="RUS"
    )
    client = TestClient(create_app(database))
    log_in_through_the_form(client, "kremlin-lima-2016")
    form_page = f"{EVENT}/requests/new"
    token = csrf_of(client.get(form_page).text)
    accounts.revoke_token(database, client.cookies[SESSION_COOKIE])  # logged out in another tab

    sent = client.post(
        f"{EVENT}/requests",
        data=_request_form(client, token),
        headers={"Referer": f"http://testserver{form_page}"},
        follow_redirects=False,
    )

    assert (sent.status_code, sent.headers["location"]) == (
        303,
        f"/login?next={form_page}&unsent=1",
    )
    login = client.get(sent.headers["location"])
    assert "You were logged out before the form was sent, so nothing was saved." in login.text
    back = client.post(
        "/login",
        data={
            "username": "russia",
            "password": "kremlin-lima-2016",
            "csrf_token": csrf_of(login.text),
            "next": form_page,
        },
    )
    assert (back.status_code, str(back.url)) == (200, f"http://testserver{form_page}")
    assert negotiation.list_requests(database, RUSSIA, LIMA).total == 0


def test_a_form_sent_after_its_session_cookie_was_dropped_asks_for_a_login_not_a_refusal(
    database: Database,
) -> None:
    import_lima(database)
    client = logged_in(database, "russia", "RUS")
    form_page = f"{EVENT}/grid?day=2016-11-20"
    token = csrf_of(client.get(f"{EVENT}/requests/new").text)
    client.cookies.clear()  # the cookie's day is over: the browser sends none

    sent = client.post(
        f"{EVENT}/requests",
        data=_request_form(client, token),
        headers={"Referer": f"http://testserver{form_page}"},
        follow_redirects=False,
    )
    elsewhere = client.post(
        f"{EVENT}/requests",
        data=_request_form(client, token),
        headers={"Referer": "https://elsewhere.example/page"},
        follow_redirects=False,
    )

    assert (sent.status_code, sent.headers["location"]) == (
        303,
        f"/login?next=/events/{LIMA}/grid%3Fday%3D2016-11-20&unsent=1",
    )
    assert (elsewhere.status_code, elsewhere.headers["location"]) == (303, "/login?next=/&unsent=1")
    assert negotiation.list_requests(database, RUSSIA, LIMA).total == 0


def test_an_address_with_no_page_or_opened_the_wrong_way_is_said_in_the_readers_words(
    database: Database,
) -> None:
    import_lima(database)
    client = logged_in(database, "russia", "RUS")
    client.cookies.set("sidelines_language", "ru")

    missing = client.get(f"{EVENT}/no-such-page")
    posted_only = client.get(f"{EVENT}/requests")

    assert (missing.status_code, posted_only.status_code) == (404, 405)
    assert "Not Found" not in missing.text
    assert "по этому адресу нет страницы" in missing.text
    assert "Method Not Allowed" not in posted_only.text
    assert "этот адрес — не страница" in posted_only.text
