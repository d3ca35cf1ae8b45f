"""The grid's edit forms without a browser: a place that breaks a rule shows the grid again
with every rule named and writes nothing; delegations may not post them."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sidelines.domain import TimeSpan
from sidelines.services import edits, negotiation, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.edits import Target
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    MeetingPrincipalRow,
    MeetingRow,
    NoticeRow,
    ScheduleVersionRow,
    UserRow,
)
from tests.web.helpers import LIMA, import_lima, issue_token, row_counts
from tests.web.pages.test_session import csrf_of, logged_in

EVENT = f"/events/{LIMA}"
WRITTEN = (ScheduleVersionRow, NoticeRow, AuditRow)


def published(database: Database) -> tuple[int, str]:
    """Lima solved and published by the organiser ``protocol``; the Xi-Obama bilateral's id
    and its day in Lima."""
    import_lima(database)
    issue_token(database, "protocol", None)
    with database.reading() as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == "protocol"))
    protocol = Actor(Role.ORGANISER, user_id, "protocol")
    run = solves.start_solve(database, protocol, LIMA, time_limit_s=1)
    solves.publish(database, protocol, LIMA, solves.wait_for_run(database, run.id).id)
    return _meeting_of(database, "CHN"), "2016-11-19"


def test_a_move_to_a_place_that_breaks_a_rule_shows_the_rules_and_writes_nothing(
    database: Database,
) -> None:
    meeting_id, day = published(database)
    client = logged_in(database, "protocol-2", None)
    page = client.get(f"{EVENT}/grid?day={day}&meeting={meeting_id}")
    assert page.status_code == 200, page.text
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
    before = row_counts(database, *WRITTEN)
    # 07:00 in Lima, in the Russian delegation's suite: closed to a Chinese–US meeting.
    target = "2016-11-19T12:00:00+00:00|rus-suite"

    refused = client.post(
        f"{EVENT}/grid/meetings/{meeting_id}/move",
        data={"target": target, "day": day, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )

    assert refused.status_code == 409, refused.text
    rules = re.findall(r"<li><code>(\w+)</code>", refused.text)
    assert "space_fits_meeting" in rules
    assert row_counts(database, *WRITTEN) == before
    with database.reading() as session:
        again = session.get(MeetingRow, meeting_id)
        assert again is not None
        assert (again.starts_at, again.space_id) == (row.starts_at, row.space_id)


def test_a_move_from_a_grid_shown_before_another_organiser_moved_the_meeting_is_refused(
    database: Database,
) -> None:
    meeting_id, day = published(database)
    client = logged_in(database, "protocol-2", None)
    page = client.get(f"{EVENT}/grid?day={day}&meeting={meeting_id}")
    assert page.status_code == 200, page.text
    assert re.findall(r'name="seen_version" value="(\d+)"', page.text) == ["1", "1", "1"]
    targets = re.findall(r'name="target" value="([^"]+)"', page.text)
    # Meanwhile another organiser moves the meeting elsewhere.
    other = logged_in(database, "protocol-3", None)
    other_page = other.get(f"{EVENT}/grid?day={day}&meeting={meeting_id}")
    moved = other.post(
        f"{EVENT}/grid/meetings/{meeting_id}/move",
        data={
            "target": targets[-1],
            "day": day,
            "seen_version": "1",
            "csrf_token": csrf_of(other_page.text),
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    before = row_counts(database, *WRITTEN)

    refused = client.post(
        f"{EVENT}/grid/meetings/{meeting_id}/move",
        data={
            "target": targets[0],
            "day": day,
            "seen_version": "1",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )

    assert refused.status_code == 409, refused.text
    # The meeting by its title, as the officer knows it, not by its row.
    assert "Xi-Obama bilateral changed since version 1" in refused.text
    # The grid is shown again as it now is: a further click edits version 2.
    assert re.findall(r'name="seen_version" value="(\d+)"', refused.text) == ["2", "2", "2"]
    assert row_counts(database, *WRITTEN) == before


def delegate(database: Database, username: str, party: str) -> Actor:
    issue_token(database, username, party)
    with database.reading() as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
    return Actor(Role.DELEGATE, user_id, username, LIMA, party)


def test_a_meeting_waiting_for_a_place_is_listed_on_the_grid_to_be_placed(
    database: Database,
) -> None:
    _, day = published(database)
    client = logged_in(database, "protocol-2", None)
    assert "agreed meeting waits" not in client.get(f"{EVENT}/grid?day={day}").text
    # Agreed after publication for the first half hour of the retreat, which both leaders
    # attend: it fits nowhere, and waits.
    retreat = datetime(2016, 11, 20, 14, 30, tzinfo=UTC)
    asked = negotiation.create_request(
        database,
        delegate(database, "russia", "RUS"),
        LIMA,
        ["USA"],
        Terms(windows=(TimeSpan(retreat, retreat + timedelta(minutes=30)),)),
    )
    agreed = negotiation.respond(
        database, delegate(database, "usa", "USA"), LIMA, asked.id, negotiation.Answer.ACCEPT
    )
    assert agreed.meeting_id is not None

    page = client.get(f"{EVENT}/grid?day={day}")

    listed = re.findall(
        r'<section class="waiting".*?<h2[^>]*>([^<]+)</h2>'
        r'.*?meeting=(\d+)#picked-title">([^<]+)</a>',
        page.text,
        re.S,
    )
    assert listed == [
        (
            "1 agreed meeting waits for a place",
            str(agreed.meeting_id),
            "Bilateral, Russia and United States",
        )
    ]
    picked = client.get(f"{EVENT}/grid?day={day}&meeting={agreed.meeting_id}")
    assert "Agreed, waiting for a place." in picked.text
    assert 'name="waiting" value="true"' in picked.text


def test_a_delegation_may_not_post_the_grids_forms(database: Database) -> None:
    meeting_id, day = published(database)
    client = logged_in(database, "usa", "USA")
    page = client.get(f"{EVENT}/agenda")
    before = row_counts(database, *WRITTEN)

    for action in ("lock", "unplace"):
        response = client.post(
            f"{EVENT}/grid/meetings/{meeting_id}/{action}",
            data={"day": day, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 403
    assert row_counts(database, *WRITTEN) == before


def _meeting_of(database: Database, party: str) -> int:
    with database.reading() as session:
        meeting_id = session.scalar(
            select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
        )
        assert meeting_id is not None
        return meeting_id


def _shared_place(database: Database, protocol: Actor, first: int, second: int) -> Target:
    """A place of a bilateral room that both meetings fit, other than where each now is."""
    fits = [
        {
            (p.starts_at, p.space_id)
            for p in edits.meeting_places(database, protocol, LIMA, meeting).places
            if p.fits and not p.current and p.space_id and p.space_id.startswith("lcc-")
        }
        for meeting in (first, second)
    ]
    starts_at, space_id = min(fits[0] & fits[1])
    return Target(starts_at, space_id)


def _xi_obama_where_abe_kuczynski_fits(database: Database) -> tuple[int, int, Actor, Target]:
    """Lima published, and the Xi-Obama bilateral moved by ``protocol`` to a place where the
    Abe-Kuczynski one could go too: both meetings, the organiser, and that place."""
    xi_obama, _ = published(database)
    abe_kuczynski = _meeting_of(database, "JPN")
    with database.reading() as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == "protocol"))
    protocol = Actor(Role.ORGANISER, user_id, "protocol")
    held = _shared_place(database, protocol, xi_obama, abe_kuczynski)
    edits.move(database, protocol, LIMA, xi_obama, held)
    return xi_obama, abe_kuczynski, protocol, held


def test_a_taken_place_offers_to_make_room_and_names_in_words_what_would_move(
    database: Database,
) -> None:
    _, abe_kuczynski, _, held = _xi_obama_where_abe_kuczynski_fits(database)
    client = logged_in(database, "protocol-2", None)
    day = held.starts_at.astimezone(ZoneInfo("America/Lima")).date().isoformat()
    page = client.get(f"{EVENT}/grid?day={day}&meeting={abe_kuczynski}").text
    target = f"{held.starts_at.isoformat()}|{held.space_id}"
    # Taken, but the meeting there can give way.
    assert f'value="{target}" class="make-room secondary"' in page
    picked = page[page.index('id="picked-title"') : page.index('<div class="actions">')]
    assert re.search(r"Moving: \w[\w ]*, Japan and Peru<", picked), picked
    assert re.search(r"Now at \w{3} \d\d:\d\d, [^.]+\.", picked), picked
    assert str(abe_kuczynski) not in picked
    before = row_counts(database, *WRITTEN)

    refused = client.post(
        f"{EVENT}/grid/meetings/{abe_kuczynski}/move",
        data={"target": target, "day": day, "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )

    assert refused.status_code == 409, refused.text
    pushes = re.findall(r'<ul class="pushes">(.*?)</ul>', refused.text, re.S)
    [pushed] = [html.unescape(li) for li in re.findall(r"<li>([^<]*)</li>", pushes[0])]
    assert re.fullmatch(
        r"[\w-]+( \w+)*, People's Republic of China and United States moved from "
        r"\w{3} \d\d:\d\d, (?P<old>.+) to \w{3} \d\d:\d\d, (?P<new>.+)",
        pushed,
    ), pushed
    assert "lcc-" not in pushed  # spaces by name, never by id
    assert row_counts(database, *WRITTEN) == before

    moved = client.post(
        f"{EVENT}/grid/meetings/{abe_kuczynski}/move",
        data={"target": target, "day": day, "push": "true", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )

    assert moved.status_code == 303, moved.text
    with database.reading() as session:
        now_there = session.get(MeetingRow, abe_kuczynski)
        assert now_there is not None
        assert (now_there.starts_at, now_there.space_id) == (held.starts_at, held.space_id)


def test_a_place_held_by_a_locked_meeting_offers_no_room_and_says_it_is_locked(
    database: Database,
) -> None:
    xi_obama, abe_kuczynski, protocol, held = _xi_obama_where_abe_kuczynski_fits(database)
    client = logged_in(database, "protocol-2", None)
    # Locked where it now is: it will not give way to the Abe-Kuczynski meeting.
    edits.lock(database, protocol, LIMA, xi_obama, locked=True)
    day = held.starts_at.astimezone(ZoneInfo("America/Lima")).date().isoformat()

    page = client.get(f"{EVENT}/grid?day={day}&meeting={abe_kuczynski}").text

    target = f"{held.starts_at.isoformat()}|{held.space_id}"
    assert f'value="{target}" class="make-room' not in page
    place = next(
        p
        for p in edits.meeting_places(database, protocol, LIMA, abe_kuczynski).places
        if (p.starts_at, p.space_id) == (held.starts_at, held.space_id)
    )
    assert (place.rule, place.makes_room) == ("locked_meeting_kept", False)
    assert place.reason is not None
    assert place.reason.endswith(", which is locked there: unlock it first")
    assert html.escape(f"Not here: {place.reason}") in page
