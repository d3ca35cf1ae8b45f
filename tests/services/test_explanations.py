"""Explanations through the database: what blocks an agreed meeting, told only to those who may
know of it, with the other delegations' meetings kept confidential."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from sidelines.domain import Meeting, MeetingFormat, MeetingId, PrincipalId, TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.event_loader import load_event
from sidelines.i18n import speaking
from sidelines.services import events
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import NotFound
from sidelines.services.explanations import meeting_explanation
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow

LIMA = Path(__file__).parents[2] / "examples" / "apec-2016-lima.yaml"
EVENT = "apec-2016-lima"
ORGANISER = Actor(Role.ORGANISER, channel="cli")
LIMA_ZONE = ZoneInfo("America/Lima")


def delegate(party: str) -> Actor:
    return Actor(Role.DELEGATE, event_id=EVENT, party_id=party)


def lima_time(hour: int, minute: int = 0) -> datetime:
    return datetime(2016, 11, 20, hour, minute, tzinfo=LIMA_ZONE)


def bilateral(meeting_id: str, title: str, *principals: str, **fields: object) -> Meeting:
    return Meeting(
        id=MeetingId(meeting_id),
        principals=tuple(PrincipalId(p) for p in principals),
        format=MeetingFormat.BILATERAL_RESTRICTED,
        title=title,
        **fields,  # type: ignore[arg-type]
    )


def lima_with_meetings(database: Database) -> dict[str, int]:
    """Obama-Abe wanted early on Sunday morning, when Abe is already with Xi; Obama-Xi wanted
    during the first retreat. Row ids by title (stored meetings list principals by id)."""
    event = replace(
        load_event(LIMA),
        meetings=(
            bilateral(
                "jpn-usa",
                "Obama-Abe",
                "obama",
                "abe",
                windows=(TimeSpan(lima_time(8, 0), lima_time(8, 30)),),
            ),
            bilateral("chn-jpn", "Xi-Abe", "xi", "abe", priority=6),
            bilateral(
                "chn-usa",
                "Obama-Xi",
                "obama",
                "xi",
                windows=(TimeSpan(lima_time(9, 30), lima_time(11, 45)),),
            ),
        ),
    )
    events.import_event(database, ORGANISER, event)
    with database.writing() as session:
        ids = {
            meeting.title: row.id
            for row, meeting in events.meetings_as_domain(session, EVENT, (MeetingStatus.AGREED,))
        }
        session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == ids["Xi-Abe"])
            .values(
                status=str(MeetingStatus.SCHEDULED),
                starts_at=lima_time(8, 0),
                ends_at=lima_time(8, 0) + timedelta(minutes=30),
                space_id="lcc-bilateral-1",
            )
        )
    return ids


def test_a_side_learns_of_another_delegations_meeting_only_as_an_engagement(
    database: Database,
) -> None:
    ids = lima_with_meetings(database)
    explanation = meeting_explanation(database, delegate("USA"), EVENT, ids["Obama-Abe"])
    assert not explanation.scheduled
    assert explanation.text == (
        "Obama-Abe cannot be placed: it may only be held Sun 20 Nov 08:00–08:30; "
        "Prime Minister Shinzo Abe has another engagement Sun 20 Nov 08:00–08:30."
    )


def test_a_side_of_the_blocking_meeting_sees_it_by_name_without_priorities(
    database: Database,
) -> None:
    ids = lima_with_meetings(database)
    explanation = meeting_explanation(database, delegate("JPN"), EVENT, ids["Obama-Abe"])
    assert [fact.text for fact in explanation.facts][1] == (
        "Prime Minister Shinzo Abe is in Xi-Abe Sun 20 Nov 08:00–08:30"
    )


def test_the_organiser_sees_the_bookings_that_block_a_meeting(database: Database) -> None:
    ids = lima_with_meetings(database)
    explanation = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])
    assert [fact.text for fact in explanation.facts][1] == (
        "Prime Minister Shinzo Abe is in Xi-Abe Sun 20 Nov 08:00–08:30"
    )


def test_a_meeting_wanted_during_the_retreat_is_blocked_by_it(database: Database) -> None:
    ids = lima_with_meetings(database)
    explanation = meeting_explanation(database, delegate("CHN"), EVENT, ids["Obama-Xi"])
    assert [(str(fact.kind), fact.text) for fact in explanation.facts] == [
        ("window", "it may only be held Sun 20 Nov 09:30–11:45"),
        (
            "programme",
            "President Barack Obama is in Leaders' retreat, session I Sun 20 Nov 09:30–11:45",
        ),
        (
            "programme",
            "President Xi Jinping is in Leaders' retreat, session I Sun 20 Nov 09:30–11:45",
        ),
    ]


def test_a_placed_meeting_is_explained_by_where_it_is(database: Database) -> None:
    ids = lima_with_meetings(database)
    explanation = meeting_explanation(database, delegate("CHN"), EVENT, ids["Xi-Abe"])
    assert explanation.scheduled
    assert explanation.text == "Xi-Abe is scheduled Sun 20 Nov 08:00–08:30, Bilateral room 1 (LCC)"


def test_a_third_delegation_is_told_the_meeting_does_not_exist(database: Database) -> None:
    ids = lima_with_meetings(database)
    with pytest.raises(NotFound) as hidden:
        meeting_explanation(database, delegate("RUS"), EVENT, ids["Obama-Abe"])
    missing = 10_000
    with pytest.raises(NotFound) as absent:
        meeting_explanation(database, delegate("RUS"), EVENT, missing)
    assert str(hidden.value).replace(str(ids["Obama-Abe"]), "#") == str(absent.value).replace(
        str(missing), "#"
    )


def test_the_public_is_told_the_meeting_does_not_exist(database: Database) -> None:
    ids = lima_with_meetings(database)
    with pytest.raises(NotFound):
        meeting_explanation(database, Actor(Role.PUBLIC), EVENT, ids["Obama-Abe"])


def untitle(database: Database, *meeting_ids: int) -> None:
    """Meetings as agreed through negotiation: without a title."""
    with database.writing() as session:
        for meeting_id in meeting_ids:
            row = session.get(MeetingRow, meeting_id)
            assert row is not None
            row.terms = {k: v for k, v in row.terms.items() if k != "title"}


def test_a_meeting_without_a_title_is_named_by_its_format_and_sides(database: Database) -> None:
    # A meeting agreed through negotiation has no title: its row number must not name it.
    ids = lima_with_meetings(database)
    untitle(database, ids["Obama-Abe"], ids["Xi-Abe"])

    explanation = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])

    assert explanation.text == (
        "Bilateral, Japan and United States cannot be placed: it may only be held "
        "Sun 20 Nov 08:00–08:30; Prime Minister Shinzo Abe is in Bilateral, Japan and "
        "People's Republic of China Sun 20 Nov 08:00–08:30."
    )


def test_an_explanation_reads_in_russian_for_a_reader_who_chose_it(database: Database) -> None:
    # A Russian page must not say why in English: each fact is said from its text and values,
    # the meetings named by format and sides in Russian too.
    ids = lima_with_meetings(database)
    untitle(database, ids["Obama-Abe"], ids["Xi-Abe"])

    with speaking("ru"):
        explanation = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])
    in_english = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])

    assert explanation.text == (
        "Встречу «Двусторонняя встреча: Japan и United States» не удаётся поставить в "
        "расписание: её можно провести только вс 20 нояб. 08:00–08:30; Prime Minister Shinzo "
        "Abe участвует во встрече «Двусторонняя встреча: Japan и People's Republic of China» "
        "вс 20 нояб. 08:00–08:30."
    )
    assert [fact.kind for fact in explanation.facts] == [fact.kind for fact in in_english.facts]
    assert in_english.summary == "Bilateral, Japan and United States cannot be placed"


def test_a_delegation_reads_another_engagement_and_the_programme_in_russian(
    database: Database,
) -> None:
    ids = lima_with_meetings(database)

    with speaking("ru"):
        engagement = meeting_explanation(database, delegate("USA"), EVENT, ids["Obama-Abe"])
        retreat = meeting_explanation(database, delegate("CHN"), EVENT, ids["Obama-Xi"])

    assert [fact.text for fact in engagement.facts][1] == (
        "Prime Minister Shinzo Abe участвует в другом мероприятии вс 20 нояб. 08:00–08:30"
    )
    assert [fact.text for fact in retreat.facts] == [
        "её можно провести только вс 20 нояб. 09:30–11:45",
        "President Barack Obama участвует в мероприятии программы «Leaders' retreat, session I» "
        "вс 20 нояб. 09:30–11:45",
        "President Xi Jinping участвует в мероприятии программы «Leaders' retreat, session I» "
        "вс 20 нояб. 09:30–11:45",
    ]


def test_a_meeting_no_longer_waiting_is_named_in_words_not_by_its_row(database: Database) -> None:
    ids = lima_with_meetings(database)
    untitle(database, ids["Obama-Abe"])
    with database.writing() as session:
        row = session.get(MeetingRow, ids["Obama-Abe"])
        assert row is not None
        row.status = str(MeetingStatus.CANCELLED)

    explanation = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])
    with speaking("ru"):
        in_russian = meeting_explanation(database, ORGANISER, EVENT, ids["Obama-Abe"])

    assert explanation.summary == (
        "Bilateral, Japan and United States is cancelled, not waiting for a time"
    )
    assert in_russian.summary == (
        "встреча «Двусторонняя встреча: Japan и United States» в состоянии «отменена» и не ждёт "
        "времени в расписании"
    )
