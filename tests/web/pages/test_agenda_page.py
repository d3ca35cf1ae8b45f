"""The agenda page reads like the agenda API: meetings by format and counterpart in words, a
room meeting's space by name."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from httpx import Response

from sidelines.domain.negotiation import Answer
from sidelines.services import negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.negotiation import RequestView, Terms
from sidelines.storage.db import Database
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, Lima, lima_api, solve_and_publish, url
from tests.web.pages.test_session import csrf_of


def russia_and_usa_agree(api: Lima, database: Database) -> RequestView:
    """Russia asks the United States for a bilateral, and the United States accepts."""
    russia = actor_for_token(database, api.tokens["RUS"])
    usa = actor_for_token(database, api.tokens["USA"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    return negotiation.respond(database, usa, LIMA, asked.id, Answer.ACCEPT)


def test_the_agenda_page_names_meetings_counterparts_and_spaces(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    russia = actor_for_token(database, api.tokens["RUS"])
    usa = actor_for_token(database, api.tokens["USA"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    negotiation.respond(database, usa, LIMA, asked.id, Answer.ACCEPT)  # placed at once
    [china, russia_meeting] = [
        i
        for i in api.client.get(url("/agenda"), headers=api.as_("USA")).json()
        if i["kind"] == "meeting"
    ]
    assert russia_meeting["title"] == "Bilateral with Russia"
    assert china["where"] != china["space_id"]

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    titles = {
        "Expanded bilateral with People&#39;s Republic of China": china,
        "Bilateral with Russia": russia_meeting,
    }
    for title, item in titles.items():
        # Each on the page of its own day (the placement decides which day that is).
        day = datetime.fromisoformat(item["starts_at"]).astimezone(ZoneInfo("America/Lima"))
        page = api.client.get(f"/events/{LIMA}/agenda?day={day.date().isoformat()}").text
        link = r'<a href="/events/[^"]+/meetings/\d+">([^<]*)</a>'
        found = re.findall(link + r'\s*<span class="where">([^<]*)</span>', page)
        assert (title, item["where"]) in found


def test_an_agreed_meeting_not_yet_placed_reads_in_words(database: Database) -> None:
    api = lima_api(database)
    agreed = russia_and_usa_agree(api, database)

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/agenda").text

    unplaced = page[page.index('id="unplaced"') : page.index('id="notices"')]
    # The event file's China–US meeting, and the one just agreed.
    assert [title for _, title in re.findall(r'meetings/(\d+)">([^<]*)</a>', unplaced)] == [
        "Expanded bilateral with People&#39;s Republic of China",
        "Bilateral with Russia",
    ]
    assert f'meetings/{agreed.meeting_id}">Bilateral with Russia<' in unplaced


def test_an_agreed_meeting_not_yet_placed_says_why_on_its_page(database: Database) -> None:
    api = lima_api(database)
    agreed = russia_and_usa_agree(api, database)
    explained = api.client.get(
        url(f"/meetings/{agreed.meeting_id}/explanation"), headers=api.as_("USA")
    ).json()

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/meetings/{agreed.meeting_id}").text

    why = page[page.index('id="why-unplaced"') :]
    assert explained["summary"] in html.unescape(why)
    listed = re.findall(r"<li>([^<]*)</li>", why[: why.index("</section>")])
    assert [fact["text"] for fact in explained["facts"]] == [html.unescape(f) for f in listed]


def test_a_meeting_page_says_why_in_russian_to_a_reader_who_chose_it(
    database: Database,
) -> None:
    api = lima_api(database)
    agreed = russia_and_usa_agree(api, database)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])

    page = api.client.get(
        f"/events/{LIMA}/meetings/{agreed.meeting_id}", headers={"Accept-Language": "ru"}
    ).text

    why = html.unescape(page[page.index('id="why-unplaced"') : page.index("</section>")])
    # The summary names the meeting as a Russian reader does, not in English.
    summary = "Встречу «Двусторонняя встреча: Russia и United States» не удаётся поставить"
    assert f"<p>{summary} в расписание</p>" in why
    assert "President Vladimir Putin уезжает вс 20 нояб. 20:00" in why
    assert "cannot be placed" not in why


def test_a_placed_meeting_page_has_no_why(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    placed = russia_and_usa_agree(api, database)

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/meetings/{placed.meeting_id}").text

    assert 'id="meeting-status">scheduled<' in page
    assert "why-unplaced" not in page


def test_a_placed_meeting_the_other_side_cancelled_reads_so_on_the_agenda_and_its_page(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    placed = russia_and_usa_agree(api, database)
    assert placed.meeting_id is not None
    cancelled = api.client.post(
        url(f"/meetings/{placed.meeting_id}/status"),
        json={"status": "cancelled"},
        headers=api.as_("RUS"),
    )
    assert cancelled.status_code == 200

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    agenda = html.unescape(api.client.get(f"/events/{LIMA}/agenda").text)
    page = api.client.get(f"/events/{LIMA}/meetings/{placed.meeting_id}").text

    notices = agenda[agenda.index('id="notices"') :]
    # The newest notice first: the meeting is off, and where it was.
    first = re.findall(r"<li>(Version \d+:) <a [^>]*>([^<]*)</a></li>", notices)[0]
    assert first[0] == "Version 3:"
    assert re.fullmatch(r"Bilateral with Russia cancelled \(was \w{3} \d\d:\d\d, .+\)", first[1])
    assert 'id="meeting-status">cancelled<' in page
    assert "not placed yet" not in page
    # The organiser's changes name the delegations told, by name.
    api.client.cookies.set(SESSION_COOKIE, api.organiser)
    changes = html.unescape(api.client.get(f"/events/{LIMA}/changes").text)
    latest = changes[changes.index('id="v3"') :]
    assert re.search(
        r"Russia and United States cancelled \(was [^)]+\)</a> — told Russia, United States", latest
    )


def test_a_delegation_makes_replaces_and_stops_its_calendar_feed_from_its_pages(
    database: Database,
) -> None:
    api = lima_api(database)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    agenda = api.client.get(f"/events/{LIMA}/agenda").text
    assert f'href="/events/{LIMA}/calendar"' in agenda
    page = api.client.get(f"/events/{LIMA}/calendar").text
    assert "No feed works now." in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None

    first = api.client.post(f"/events/{LIMA}/calendar", data={"csrf_token": csrf[1]}).text
    first_url = re.search(r'id="feed-url" readonly value="([^"]+)"', first)
    assert first_url is not None
    assert first_url[1].endswith(".ics")
    calendar = api.client.get(first_url[1])
    assert calendar.status_code == 200
    assert calendar.text.startswith("BEGIN:VCALENDAR")

    second = api.client.post(f"/events/{LIMA}/calendar", data={"csrf_token": csrf[1]}).text
    second_url = re.search(r'id="feed-url" readonly value="([^"]+)"', second)
    assert second_url is not None
    assert second_url[1] != first_url[1]
    assert api.client.get(first_url[1]).status_code == 404  # replaced: the old one is shut off

    stopped = api.client.post(
        f"/events/{LIMA}/calendar/revoke", data={"csrf_token": csrf[1]}, follow_redirects=True
    ).text
    assert "No feed works now." in stopped
    assert "feed-url" not in stopped
    assert api.client.get(second_url[1]).status_code == 404


def test_another_delegations_calendar_page_is_its_own(database: Database) -> None:
    api = lima_api(database)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["RUS"])
    page = api.client.get(f"/events/{LIMA}/calendar").text
    assert "Russia" in page
    assert "United States" not in page


def test_a_statement_made_from_the_meeting_page_is_said_at_the_venue_time_typed(
    database: Database,
) -> None:
    api = lima_api(database)
    agreed = russia_and_usa_agree(api, database)
    page_url = f"/events/{LIMA}/meetings/{agreed.meeting_id}"
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(page_url).text

    made = api.client.post(
        f"{page_url}/statements",
        data={
            "csrf_token": csrf_of(page),
            "kind": "readout",
            "visibility": "counterpart",
            "text": "The presidents spoke briefly.",
            "said_at": "2016-11-20T07:00",
        },
        follow_redirects=False,
    )
    said = api.client.get(
        url(f"/statements?meeting_id={agreed.meeting_id}"), headers=api.as_("USA")
    ).json()

    assert 'name="said_at" type="datetime-local"' in page
    assert "(America/Lima; empty: now)" in page
    assert made.status_code == 303
    # Seven in the morning in Lima is noon UTC.
    assert [s["said_at"] for s in said] == ["2016-11-20T12:00:00Z"]


def statement_said_on_sunday_morning(
    database: Database, language: str, said_at: str = "Sunday morning"
) -> tuple[Response, list[dict[str, object]]]:
    """The US side records a statement from the meeting page with "Sunday morning" (or
    ``said_at``) as when it was said, reading the page in ``language``: the answer, and the
    statements stored."""
    api = lima_api(database)
    agreed = russia_and_usa_agree(api, database)
    page_url = f"/events/{LIMA}/meetings/{agreed.meeting_id}"
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    form = {
        "csrf_token": csrf_of(api.client.get(page_url).text),
        "kind": "readout",
        "visibility": "counterpart",
        "text": "The presidents spoke briefly.",
        "said_at": said_at,
    }
    answer = api.client.post(
        f"{page_url}/statements", data=form, headers={"Accept-Language": language}
    )
    said = api.client.get(
        url(f"/statements?meeting_id={agreed.meeting_id}"), headers=api.as_("USA")
    ).json()
    return answer, said


def test_a_said_at_that_is_no_time_is_refused_on_the_meeting_page(database: Database) -> None:
    refused, said = statement_said_on_sunday_morning(database, "en")

    assert refused.status_code == 422
    assert "Not done:</strong> not a date and time: &#39;Sunday morning&#39;" in refused.text
    assert '<span class="field">(said at)</span>' in refused.text
    # The meeting's own page, with the text typed kept for a second try.
    assert 'id="meeting-status">agreed<' in refused.text
    assert ">The presidents spoke briefly.</textarea>" in refused.text
    assert 'value="Sunday morning"' in refused.text
    assert said == []


def test_a_meeting_agreed_with_no_place_reads_as_waiting_for_one_to_both_sides(
    database: Database,
) -> None:
    api = lima_api(database)
    # Nothing is published yet: the meeting agreed has nowhere to go until the next solve.
    agreed = russia_and_usa_agree(api, database)

    for side in ("RUS", "USA"):
        api.client.cookies.set(SESSION_COOKIE, api.tokens[side])
        inbox = api.client.get(f"/events/{LIMA}/inbox").text
        thread = api.client.get(f"/events/{LIMA}/requests/{agreed.id}").text
        agenda = api.client.get(f"/events/{LIMA}/agenda").text

        found = re.search(rf'data-request="{agreed.id}">.*?</li>', inbox, re.S)
        assert found is not None, side
        assert '<span class="state waiting">agreed, waiting for a place</span>' in found.group()
        assert f'meetings/{agreed.meeting_id}">the agreed meeting</a>' in thread
        assert '<span id="meeting-waiting">agreed, waiting for a place</span>' in thread
        assert '<h2 id="unplaced">Agreed, waiting for a place</h2>' in agenda


def test_a_meeting_placed_as_it_is_agreed_does_not_read_as_waiting(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    placed = russia_and_usa_agree(api, database)  # placed at once

    api.client.cookies.set(SESSION_COOKIE, api.tokens["RUS"])
    inbox = api.client.get(f"/events/{LIMA}/inbox").text
    thread = api.client.get(f"/events/{LIMA}/requests/{placed.id}").text

    found = re.search(rf'data-request="{placed.id}">.*?</li>', inbox, re.S)
    assert found is not None
    assert '<span class="state">accepted</span>' in found.group()
    assert "waiting for a place" not in inbox + thread


def test_a_said_at_past_the_calendar_once_in_utc_is_refused_on_the_meeting_page(
    database: Database,
) -> None:
    # The last minute of year 9999 in Lima is already year 10000 in UTC.
    refused, said = statement_said_on_sunday_morning(database, "en", "9999-12-31T23:59")

    assert refused.status_code == 422
    assert "Not done:</strong> the time is out of range once converted to UTC" in refused.text
    assert '<span class="field">(said at)</span>' in refused.text
    assert said == []
