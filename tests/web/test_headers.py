"""Security headers on every page and API answer; ``no-store`` on whatever a user's login shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from httpx import Headers

import sidelines.web
from sidelines.storage.db import Database
from sidelines.web.headers import DOCS_POLICY, PAGE_POLICY
from sidelines.web.security import SESSION_COOKIE
from tests.web.helpers import LIMA, Lima, lima_api

TEMPLATES = Path(sidelines.web.__file__).parent / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
DELEGATION_PAGES = (
    "/agenda",
    "/inbox",
    "/requests/new",
    "/statements",
    "/interests",
    "/calendar",
    "/results",
    "/messages",
    "/print/run-sheet",
)
ORGANISER_PAGES = (
    "/setup",
    "/grid",
    "/solves",
    "/changes",
    "/door",
    "/results",
    "/messages",
    "/print/overview",
    "/print/door-sheets",
)


@pytest.fixture
def api(database: Database) -> Lima:
    return lima_api(database)


def assert_guarded(headers: Headers, policy: str = PAGE_POLICY) -> None:
    assert headers["content-security-policy"] == policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(("login", "pages"), [("RUS", DELEGATION_PAGES), (None, ORGANISER_PAGES)])
def test_every_page_after_login_is_guarded_and_not_stored(
    api: Lima, login: str | None, pages: tuple[str, ...]
) -> None:
    api.client.cookies.set(SESSION_COOKIE, api.organiser if login is None else api.tokens[login])
    for page in pages:
        response = api.client.get(f"/events/{LIMA}{page}")
        assert response.status_code == 200, page
        assert_guarded(response.headers)
        assert response.headers["cache-control"] == "no-store", page


def test_public_pages_are_guarded_and_may_be_cached(api: Lima) -> None:
    for page in ("/login", f"/events/{LIMA}/public"):
        response = api.client.get(page)
        assert response.status_code == 200, page
        assert_guarded(response.headers)
        assert "cache-control" not in response.headers


def test_api_answers_for_a_user_are_not_stored(api: Lima) -> None:
    mine = api.client.get(f"/api/events/{LIMA}/requests", headers=api.as_("RUS"))
    agenda = api.client.get(f"/api/events/{LIMA}/agenda", headers=api.as_("USA"))
    refused = api.client.get(f"/api/events/{LIMA}/requests/999", headers=api.as_("RUS"))
    anonymous = api.client.get("/api/health")

    for response in (mine, agenda, refused):
        assert_guarded(response.headers)
        assert response.headers["cache-control"] == "no-store"
    assert agenda.headers["etag"]
    assert_guarded(anonymous.headers)
    assert "cache-control" not in anonymous.headers


def test_the_interactive_documentation_loads_but_cannot_be_framed(api: Lima) -> None:
    response = api.client.get("/docs")

    assert response.status_code == 200
    assert_guarded(response.headers, DOCS_POLICY)
    assert "frame-ancestors 'none'" in DOCS_POLICY


def test_pages_need_no_inline_script_or_style() -> None:
    """The page policy forbids inline script and style, so the templates must have none."""
    templates = sorted(TEMPLATES.glob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        assert "style=" not in text, template.name
        assert not INLINE_HANDLER.search(text), template.name
        for script in text.split("<script")[1:]:
            assert script.lstrip().startswith("src="), template.name
