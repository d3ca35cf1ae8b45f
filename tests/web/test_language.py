"""The language of the pages: the user's choice kept on the account, else the one chosen on the
browser, else Accept-Language, else English; the API answers in English whatever the choice."""

from __future__ import annotations

import re

from sidelines.services import accounts
from sidelines.services.accounts import actor_for_token
from sidelines.storage.db import Database
from sidelines.web.pages.language import LANGUAGE_COOKIE
from sidelines.web.pages.session import NONCE_COOKIE, SESSION_COOKIE
from tests.web.helpers import LIMA, Lima, TestClient, lima_api, solve_and_publish, url


def _heading(page: str) -> str:
    found = re.search(r"<h1>([^<]*)", page)
    assert found is not None, page[:500]
    return found.group(1)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _as_russia(api: Lima) -> TestClient:
    api.client.cookies.set(SESSION_COOKIE, api.tokens["RUS"])
    return api.client


def test_a_page_without_a_choice_speaks_english(database: Database) -> None:
    client = _as_russia(lima_api(database))

    page = client.get(f"/events/{LIMA}/agenda").text

    assert '<html lang="en">' in page
    assert _heading(page) == "Agenda of Russia"


def test_a_page_follows_accept_language_when_nothing_was_chosen(database: Database) -> None:
    client = _as_russia(lima_api(database))

    page = client.get(
        f"/events/{LIMA}/agenda", headers={"Accept-Language": "de-DE;q=0.9, ru-RU;q=0.8, en;q=0.5"}
    ).text

    assert '<html lang="ru">' in page
    assert _heading(page) == "Программа дня: Russia"


def test_an_unspoken_accept_language_falls_back_to_english(database: Database) -> None:
    client = _as_russia(lima_api(database))

    page = client.get(f"/events/{LIMA}/agenda", headers={"Accept-Language": "fr, de"}).text

    assert _heading(page) == "Agenda of Russia"


def test_a_user_who_chose_russian_reads_russian_whatever_the_browser_asks(
    database: Database,
) -> None:
    api = lima_api(database)
    client = _as_russia(api)
    form = client.get(f"/events/{LIMA}/agenda").text

    chosen = client.post(
        "/language",
        data={"language": "ru", "next": f"/events/{LIMA}/agenda", "csrf_token": _csrf(form)},
        follow_redirects=False,
    )
    client.cookies.delete(LANGUAGE_COOKIE)  # kept on the account, not only on this browser

    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"/events/{LIMA}/agenda"
    russia = actor_for_token(database, api.tokens["RUS"])
    assert russia.user_id is not None
    assert accounts.language_of(database, russia.user_id) == "ru"
    page = client.get(f"/events/{LIMA}/agenda", headers={"Accept-Language": "en"}).text
    assert _heading(page) == "Программа дня: Russia"
    # Another delegation has chosen nothing: English.
    client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    assert _heading(client.get(f"/events/{LIMA}/agenda").text) == "Agenda of United States"


def test_the_api_keeps_english_for_a_user_who_chose_russian(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    usa = actor_for_token(database, api.tokens["USA"])
    accounts.set_language(database, usa, "ru")

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/agenda").text  # the first day, the meeting's
    api.client.cookies.clear()
    # After the Russian page: what the agenda keeps between reads is kept per language.
    items = api.client.get(url("/agenda"), headers=api.as_("USA")).json()

    assert "Двусторонняя встреча в расширенном составе: People&#39;s Republic of China" in page
    titles = [item["title"] for item in items if item["kind"] == "meeting"]
    assert titles == ["Expanded bilateral with People's Republic of China"]


def test_a_visitor_choice_is_kept_on_the_browser(database: Database) -> None:
    client = lima_api(database).client
    form = client.get("/login").text

    chosen = client.post(
        "/language",
        data={"language": "ru", "csrf_token": _csrf(form)},
        headers={"Referer": "http://testserver/login?next=/events"},
        follow_redirects=False,
    )
    elsewhere = client.post(
        "/language",
        data={"language": "ru", "csrf_token": _csrf(form)},
        headers={"Referer": "http://example.org/login"},
        follow_redirects=False,
    )

    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/login?next=/events"  # back where it was chosen
    assert elsewhere.headers["location"] == "/"  # never to another site
    assert client.cookies.get(LANGUAGE_COOKIE) == "ru"
    assert client.cookies.get(NONCE_COOKIE)
    assert _heading(client.get("/login").text) == "Войти"


def test_an_unknown_language_is_refused_with_the_known_ones(database: Database) -> None:
    client = _as_russia(lima_api(database))
    form = client.get(f"/events/{LIMA}/agenda").text

    refused = client.post(
        "/language", data={"language": "xx", "next": "/", "csrf_token": _csrf(form)}
    )

    assert refused.status_code == 422
    assert "unknown language &#39;xx&#39;; one of en, ru" in refused.text
    assert LANGUAGE_COOKIE not in client.cookies


def test_no_two_links_of_the_navigation_share_a_name_in_any_language(database: Database) -> None:
    # Two links of one name lead a reader (and a screen reader's list of links) astray: the
    # press reports and the messages were both "Сообщения" in Russian.
    api = lima_api(database)
    for token in (api.tokens["RUS"], api.organiser):
        api.client.cookies.set(SESSION_COOKIE, token)
        for language in ("en", "ru"):
            page = api.client.get(f"/events/{LIMA}/results", headers={"Accept-Language": language})
            nav = page.text[page.text.index("<nav") : page.text.index("</nav>")]
            links = re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', nav)
            names = [name for _, name in links]
            assert len(links) > 5
            assert sorted(set(names)) == sorted(names), (language, links)
