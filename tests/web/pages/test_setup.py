"""The organiser's setup page edits, without a browser: delegation logins created with a
password shown once and revoked with their sessions, the policy changed; only by the organiser,
only with the form's CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from sidelines.domain import MeetingFormat
from sidelines.services import accounts, negotiation
from sidelines.services.actors import Role
from sidelines.services.logins import REVOKED_PASSWORD
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow, EventRow, TokenRow, UserRow
from sidelines.web.app import create_app
from tests.web.helpers import LIMA, TestClient, bearer, import_lima, issue_token, row_counts, url
from tests.web.pages.test_session import csrf_of, logged_in

SETUP = f"/events/{LIMA}/setup"


def organiser(database: Database) -> TestClient:
    import_lima(database)
    return logged_in(database, "protocol", None)


def log_in(database: Database, username: str, password: str) -> tuple[TestClient, int]:
    client = TestClient(create_app(database))
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    return client, response.status_code


def actions(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(AuditRow.action).order_by(AuditRow.at, AuditRow.id)))


def test_a_created_login_logs_in_with_the_password_shown_once(database: Database) -> None:
    client = organiser(database)
    page = client.get(SETUP)
    assert "imported from the event file" in page.text

    created = client.post(
        f"{SETUP}/logins",
        data={"party_id": "RUS", "username": "russia-2", "csrf_token": csrf_of(page.text)},
    )
    assert created.status_code == 200, created.text
    assert created.headers["cache-control"] == "no-store"
    found = re.search(r"<dt>Password</dt><dd><code>([^<]+)</code>", created.text)
    assert found is not None, created.text
    password = found.group(1)
    with database.reading() as session:
        user = session.scalars(select(UserRow).where(UserRow.username == "russia-2")).one()
    assert (user.role, user.event_id, user.party_id) == ("delegate", LIMA, "RUS")
    assert password not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert actions(database) == ["login.created"]
    assert password not in client.get(SETUP).text  # shown once

    russia, status = log_in(database, "russia-2", password)
    assert status == 303
    assert "Inbox of Russia" in russia.get(f"/events/{LIMA}/inbox").text


def test_a_taken_username_shows_the_form_again_with_why(database: Database) -> None:
    client = organiser(database)
    issue_token(database, "usa", "USA")
    page = client.get(SETUP)
    taken = client.post(
        f"{SETUP}/logins",
        data={"party_id": "RUS", "username": "usa", "csrf_token": csrf_of(page.text)},
    )
    assert taken.status_code == 409
    assert "the username &#39;usa&#39; is taken" in taken.text
    assert 'id="username-RUS" name="username" autocomplete="off" value="usa"' in taken.text
    assert "<dt>Password</dt>" not in taken.text
    assert row_counts(database, UserRow) == {"users": 2}  # the organiser and usa


def test_a_delegate_reaches_neither_the_page_nor_its_forms(database: Database) -> None:
    import_lima(database)
    russia = logged_in(database, "russia", "RUS")
    assert russia.get(SETUP).status_code == 403
    token = csrf_of(russia.get(f"/events/{LIMA}/inbox").text)  # a valid token of its own
    posts = {
        "logins": {"party_id": "RUS", "username": "russia-3"},
        "logins/revoke": {"username": "russia"},
        "policy": {"organiser_sees": "everything", "request_ttl_hours": "1"},
    }
    for path, data in posts.items():
        response = russia.post(f"{SETUP}/{path}", data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    assert row_counts(database, UserRow) == {"users": 1}
    assert actions(database) == []
    with database.reading() as session:
        assert session.scalar(select(TokenRow.revoked_at)) is None


def test_posts_without_the_csrf_token_write_nothing(database: Database) -> None:
    client = organiser(database)
    issue_token(database, "russia", "RUS")
    posts = {
        "logins": {"party_id": "RUS", "username": "russia-3"},
        "logins/revoke": {"username": "russia"},
        "policy": {"organiser_sees": "everything", "request_ttl_hours": "1"},
    }
    for path, data in posts.items():
        for token in ({}, {"csrf_token": "forged"}):
            response = client.post(f"{SETUP}/{path}", data={**data, **token})
            assert response.status_code == 403, path
    assert row_counts(database, UserRow, TokenRow) == {"users": 2, "api_tokens": 2}
    assert actions(database) == []
    with database.reading() as session:
        row = session.get(EventRow, LIMA)
        assert row is not None
        assert (row.organiser_sees, row.request_ttl_hours) == ("bookings", None)
        assert (
            session.scalar(select(TokenRow.revoked_at).where(TokenRow.revoked_at.is_not(None)))
            is None
        )


def test_revoking_a_login_ends_its_session_and_its_password(database: Database) -> None:
    client = organiser(database)
    accounts.create_user(
        database, "russia", "kremlin-lima-2016", Role.DELEGATE, event_id=LIMA, party_id="RUS"
    )
    russia, status = log_in(database, "russia", "kremlin-lima-2016")
    assert status == 303
    assert russia.get(f"/events/{LIMA}/inbox").status_code == 200
    page = client.get(SETUP)
    assert "russia (1 active)" in page.text

    revoked = client.post(
        f"{SETUP}/logins/revoke",
        data={"username": "russia", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert (revoked.status_code, revoked.headers["location"]) == (303, f"{SETUP}#delegations")
    assert "russia (revoked)" in client.get(SETUP).text
    gone = russia.get(f"/events/{LIMA}/inbox", follow_redirects=False)
    assert (gone.status_code, gone.headers["location"]) == (
        303,
        f"/login?next=/events/{LIMA}/inbox",
    )
    assert log_in(database, "russia", "kremlin-lima-2016")[1] == 401
    with database.reading() as session:
        user = session.scalars(select(UserRow).where(UserRow.username == "russia")).one()
        assert user.password_hash == REVOKED_PASSWORD
    assert actions(database) == ["login.revoked"]

    unknown = client.post(
        f"{SETUP}/logins/revoke", data={"username": "nobody", "csrf_token": csrf_of(page.text)}
    )
    assert unknown.status_code == 404
    assert "no login nobody" in unknown.text


def test_the_policy_edit_changes_what_the_organiser_sees(database: Database) -> None:
    client = organiser(database)
    japan = accounts.actor_for_token(database, issue_token(database, "japan", "JPN"))
    api = bearer(issue_token(database, "protocol-api"))
    page = client.get(SETUP)
    token = csrf_of(page.text)

    for ttl, why in (("abc", "the hours must be a whole number"), ("0", "between 1 and")):
        wrong = client.post(
            f"{SETUP}/policy",
            data={"organiser_sees": "everything", "request_ttl_hours": ttl, "csrf_token": token},
        )
        assert wrong.status_code == 422
        assert why in wrong.text
        assert f'name="request_ttl_hours" inputmode="numeric" value="{ttl}"' in wrong.text
    assert "event.policy_set" not in actions(database)

    # Before any request is sent, the organiser's view may widen.
    saved = client.post(
        f"{SETUP}/policy",
        data={"organiser_sees": "everything", "request_ttl_hours": "48", "csrf_token": token},
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"{SETUP}#policy")
    asked = negotiation.create_request(
        database, japan, LIMA, ["CHN"], Terms(MeetingFormat.PULL_ASIDE, topics=("fisheries",))
    )
    seen = client.get(url(f"/requests/{asked.id}"), headers=api)
    assert seen.status_code == 200, seen.text
    assert "fisheries" in seen.text
    with database.reading() as session:
        row = session.get(EventRow, LIMA)
        assert row is not None
        assert (row.organiser_sees, row.request_ttl_hours) == ("everything", 48)
    assert actions(database).count("event.policy_set") == 1
    shown = client.get(SETUP).text
    assert 'value="everything" checked' in shown
    assert 'value="48"' in shown

    # Once requests exist it may narrow, and then never widen again.
    narrowed = client.post(
        f"{SETUP}/policy",
        data={"organiser_sees": "bookings", "request_ttl_hours": "48", "csrf_token": token},
        follow_redirects=False,
    )
    assert narrowed.status_code == 303
    assert client.get(url(f"/requests/{asked.id}"), headers=api).status_code == 404
    widened = client.post(
        f"{SETUP}/policy",
        data={"organiser_sees": "everything", "request_ttl_hours": "48", "csrf_token": token},
    )
    assert widened.status_code == 409
    assert "cannot widen once the event has requests" in widened.text
    assert client.get(url(f"/requests/{asked.id}"), headers=api).status_code == 404
    assert actions(database).count("event.policy_set") == 2
