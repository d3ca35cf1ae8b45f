"""Press reports read into proposals: private to the uploader, merged into the record only once
a person accepts them, audited as proposed from a report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import events, history, record, report_proposals, statements
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound
from sidelines.services.report_proposals import ReportIn, Review
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    EncounterRow,
    HistoricalMeetingRow,
    MeetingRow,
    StatementRow,
)
from tests.services.world import add_user
from tests.web.helpers import LIMA, import_lima

RUSSIAN_REPORT = ReportIn(
    "Vladimir Putin and Barack Obama spoke briefly at the APEC summit in Lima, Reuters reported. "
    "Kremlin spokesman Dmitry Peskov confirmed to RIA Novosti that the two presidents greeted "
    "each other at the beginning of the retreat.",
    date(2016, 11, 20),
    "Vesti",
)
HISTORY_REPORT = ReportIn(
    "Putin and Obama last met at the G20 summit in Hangzhou, where they discussed Syria.",
    date(2016, 11, 20),
    "Vesti",
)
AMERICAN_REPORT = ReportIn(
    "Obama told reporters he had spoken briefly with Putin at the start of the retreat in Lima.",
    date(2016, 11, 20),
    "Associated Press",
)


@pytest.fixture
def people(database: Database) -> dict[str, Actor]:
    import_lima(database)
    found = {
        p: add_user(database, p.lower(), Role.DELEGATE, LIMA, p) for p in ("RUS", "USA", "CHN")
    }
    found["organiser"] = add_user(database, "protocol", Role.ORGANISER, None, None)
    return found


def test_upload_proposes_claims_with_their_spans(
    database: Database, people: dict[str, Actor]
) -> None:
    view = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    [claim] = view.claims
    assert (view.owner_party, view.language, claim.kind, claim.state) == (
        "RUS",
        "en",
        "meeting",
        "proposed",
    )
    fields = claim.fields
    assert (fields["principals"], fields["parties"], fields["format"], fields["modality"]) == (
        ["obama", "putin"],
        ["USA", "RUS"],
        "brief_contact",
        "held",
    )
    assert (fields["day"], fields["session_id"], fields["edge"]) == (
        "2016-11-20",
        "retreat-1",
        "start",
    )
    assert fields["confirmers"] == [
        {"id": "peskov", "name": "Dmitry Peskov", "role": "press secretary", "side": "RUS"}
    ]
    assert fields["sources"] == ["Reuters", "RIA Novosti"]
    assert [view.text[s:e][:24] for s, e in claim.spans] == [
        "Vladimir Putin and Barac",
        "Kremlin spokesman Dmitry",
    ]


def test_nothing_enters_the_record_before_review(
    database: Database, people: dict[str, Actor]
) -> None:
    report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    assert record.list_encounters(database, people["RUS"], LIMA) == []
    assert statements.list_statements(database, people["RUS"], LIMA) == []


@pytest.mark.parametrize("reader", ["USA", "CHN", "organiser"])
def test_proposals_are_the_uploaders_alone(
    database: Database, people: dict[str, Actor], reader: str
) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    with pytest.raises(NotFound):
        report_proposals.get_upload(database, people[reader], LIMA, upload.id)
    with pytest.raises(NotFound):
        report_proposals.review_claim(
            database, people[reader], LIMA, upload.id, 0, Review("accept")
        )
    assert report_proposals.list_uploads(database, people[reader], LIMA) == []


def test_accepted_claim_becomes_an_encounter_and_the_sides_statement(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    view = report_proposals.review_claim(
        database, people["RUS"], LIMA, upload.id, 0, Review("accept")
    )

    [claim] = view.claims
    [encounter] = record.list_encounters(database, people["RUS"], LIMA)
    [statement] = statements.list_statements(database, people["RUS"], LIMA)
    assert claim.state == "merged"
    assert claim.merged == {"encounter_id": encounter.id, "statement_id": statement.id}
    assert (encounter.parties, encounter.principals, encounter.format, encounter.session_id) == (
        ("RUS", "USA"),
        ("obama", "putin"),
        "brief_contact",
        "retreat-1",
    )
    assert (statement.party_id, statement.kind, statement.speaker) == (
        "RUS",
        statements.StatementKind.CONFIRMATION,
        "Dmitry Peskov, press secretary",
    )
    assert [(s.name, s.kind) for s in statement.sources] == [
        ("Reuters", statements.SourceKind.AGENCY),
        ("RIA Novosti", statements.SourceKind.AGENCY),
        ("Vesti", statements.SourceKind.OUTLET),
    ]
    # The third delegation still sees nothing: no side has published a statement.
    assert record.list_encounters(database, people["CHN"], LIMA) == []
    with database.reading() as session:
        entry = session.scalars(
            select(AuditRow).where(AuditRow.action == "report.claim_merged")
        ).one()
    assert entry.detail == {
        "proposed_from": "report",
        "claim": 0,
        "corrected": [],
        "encounter_id": encounter.id,
        "statement_id": statement.id,
    }


class DiskFull(Exception):
    pass


def _fail_when_a_claim_is_marked_merged(_: object, __: object, entry: AuditRow) -> None:
    if entry.action == "report.claim_merged":
        raise DiskFull


@pytest.mark.parametrize(
    ("uploader", "report", "review"),
    [
        ("RUS", RUSSIAN_REPORT, Review("accept")),
        ("organiser", HISTORY_REPORT, Review("accept", {"when": "2016-09-05"})),
    ],
)
def test_a_merge_failing_at_its_last_step_leaves_nothing_written(
    database: Database, people: dict[str, Actor], uploader: str, report: ReportIn, review: Review
) -> None:
    upload = report_proposals.upload_report(database, people[uploader], LIMA, report)
    with database.reading() as session:
        audited = len(session.scalars(select(AuditRow)).all())

    # The claim's own audit entry, written after the encounter, the statement or the history
    # entry, is the last step of a merge.
    event.listen(AuditRow, "before_insert", _fail_when_a_claim_is_marked_merged)
    try:
        with pytest.raises(DiskFull):
            report_proposals.review_claim(database, people[uploader], LIMA, upload.id, 0, review)
    finally:
        event.remove(AuditRow, "before_insert", _fail_when_a_claim_is_marked_merged)

    with database.reading() as session:
        assert session.scalars(select(EncounterRow)).all() == []
        assert session.scalars(select(StatementRow)).all() == []
        assert session.scalars(select(HistoricalMeetingRow)).all() == []
        assert len(session.scalars(select(AuditRow)).all()) == audited
    after = report_proposals.get_upload(database, people[uploader], LIMA, upload.id)
    assert [(c.state, c.merged) for c in after.claims] == [("proposed", {})]
    # Nothing half-done stands in the way: the same review succeeds afterwards.
    merged = report_proposals.review_claim(database, people[uploader], LIMA, upload.id, 0, review)
    assert merged.claims[0].state == "merged"


def test_corrected_field_is_merged_as_corrected(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    view = report_proposals.review_claim(
        database,
        people["RUS"],
        LIMA,
        upload.id,
        0,
        Review("accept", {"format": "pull_aside", "topics": ["syria"]}),
    )

    [encounter] = record.list_encounters(database, people["RUS"], LIMA)
    assert (encounter.format, encounter.topics) == ("pull_aside", ("syria",))
    assert view.claims[0].fields["format"] == "pull_aside"


def test_second_report_of_the_same_pair_and_day_joins_the_first_encounter(
    database: Database, people: dict[str, Actor]
) -> None:
    first = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)
    report_proposals.review_claim(database, people["RUS"], LIMA, first.id, 0, Review("accept"))
    second = report_proposals.upload_report(database, people["USA"], LIMA, AMERICAN_REPORT)

    view = report_proposals.review_claim(
        database, people["USA"], LIMA, second.id, 0, Review("accept")
    )

    [encounter] = record.list_encounters(database, people["USA"], LIMA)
    [american] = statements.list_statements(database, people["USA"], LIMA)
    assert view.claims[0].merged == {"encounter_id": encounter.id, "statement_id": american.id}
    assert (american.party_id, american.speaker) == ("USA", "Barack Obama, principal")


def test_dropped_claim_writes_nothing_to_the_record(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    view = report_proposals.review_claim(
        database, people["RUS"], LIMA, upload.id, 0, Review("drop")
    )

    assert view.claims[0].state == "dropped"
    with database.reading() as session:
        assert session.scalars(select(EncounterRow)).all() == []


def test_a_claim_is_reviewed_once(database: Database, people: dict[str, Actor]) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)
    report_proposals.review_claim(database, people["RUS"], LIMA, upload.id, 0, Review("drop"))

    with pytest.raises(Conflict) as refused:
        report_proposals.review_claim(database, people["RUS"], LIMA, upload.id, 0, Review("accept"))

    assert refused.value.field == "state"


@pytest.mark.parametrize(
    ("corrections", "field"),
    [
        ({"format": "tea party"}, "corrections.format"),
        ({"principals": ["putin", "nobody"]}, "corrections.principals[1]"),
        ({"day": "20 November"}, "corrections.day"),
        ({"session_id": "karaoke"}, "corrections.session_id"),
        ({"venue": "hall"}, "corrections.venue"),
        ({"format": ["bilateral_restricted"]}, "corrections.format"),
        ({"modality": {"held": True}}, "corrections.modality"),
        ({"principals": [["putin"], "obama"]}, "corrections.principals"),
        ({"session_id": ["retreat-1"]}, "corrections.session_id"),
        ({"day": "2016-W47-7"}, "corrections.day"),
        ({"day": 20161120}, "corrections.day"),
        ({"topics": "syria"}, "corrections.topics"),
        ({"topics": ["syria"] * 31}, "corrections.topics"),
        ({"topics": ["syria", "x" * 201]}, "corrections.topics[1]"),
        ({"topics": ["syr\x00ia"]}, "corrections.topics[0]"),
        ({"sources": ["TASS", " "]}, "corrections.sources[1]"),
        ({"confirmers": [{"name": 7, "side": "RUS"}]}, "corrections.confirmers[0]"),
        (
            {"confirmers": [{"name": "Peskov", "side": "RUS", "rank": 1}]},
            "corrections.confirmers[0]",
        ),
    ],
)
def test_bad_correction_names_the_field_and_writes_nothing(
    database: Database, people: dict[str, Actor], corrections: dict[str, object], field: str
) -> None:
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(
            database, people["RUS"], LIMA, upload.id, 0, Review("accept", corrections)
        )

    assert refused.value.field == field
    assert report_proposals.get_upload(database, people["RUS"], LIMA, upload.id).claims[
        0
    ].state == ("proposed")
    assert record.list_encounters(database, people["RUS"], LIMA) == []


PESKOV = {"id": "peskov", "name": "Dmitry Peskov", "role": "press secretary"}


@pytest.mark.parametrize(
    "confirmer",
    [
        pytest.param({**PESKOV, "side": "USA"}, id="known-by-id"),
        pytest.param({"name": "Dmitry Peskov", "side": "USA"}, id="known-by-name"),
        pytest.param({"name": "Песков", "role": "press secretary", "side": "USA"}, id="in-russian"),
        pytest.param({"name": "An aide", "side": "CHN"}, id="not-a-side"),
        pytest.param({"id": "earnest", "name": "Dmitry Peskov", "side": "USA"}, id="id-not-name"),
    ],
)
def test_a_confirmer_of_another_side_is_refused_naming_the_side_and_writes_nothing(
    database: Database, people: dict[str, Actor], confirmer: dict[str, str]
) -> None:
    """The American delegation reviewing a Russian report may not record the Kremlin's press
    secretary, nor a side outside the contact, as confirming for it."""
    upload = report_proposals.upload_report(database, people["USA"], LIMA, RUSSIAN_REPORT)

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(
            database,
            people["USA"],
            LIMA,
            upload.id,
            0,
            Review("accept", {"confirmers": [confirmer]}),
        )

    assert refused.value.field == "corrections.confirmers[0].side"
    assert report_proposals.get_upload(database, people["USA"], LIMA, upload.id).claims[
        0
    ].state == ("proposed")
    assert record.list_encounters(database, people["USA"], LIMA) == []
    assert statements.list_statements(database, people["USA"], LIMA) == []


def test_a_side_corrects_its_own_confirmer_into_its_statement(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(database, people["USA"], LIMA, RUSSIAN_REPORT)
    earnest = {"name": "Josh Earnest", "role": "press secretary", "side": "USA"}

    report_proposals.review_claim(
        database,
        people["USA"],
        LIMA,
        upload.id,
        0,
        Review("accept", {"confirmers": [{**PESKOV, "side": "RUS"}, earnest]}),
    )

    [statement] = statements.list_statements(database, people["USA"], LIMA)
    assert (statement.party_id, statement.speaker) == ("USA", "Josh Earnest, press secretary")


def test_a_history_claims_event_is_a_name(database: Database, people: dict[str, Actor]) -> None:
    upload = report_proposals.upload_report(database, people["organiser"], LIMA, HISTORY_REPORT)
    index = next(c.index for c in upload.claims if c.kind == "history")

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(
            database,
            people["organiser"],
            LIMA,
            upload.id,
            index,
            Review("accept", {"event": ["g20-2016-hangzhou"]}),
        )

    assert refused.value.field == "corrections.event"


@pytest.mark.parametrize(
    "published_on",
    [date(1016, 11, 20), date(2015, 11, 18), date(2017, 11, 21), date(9999, 1, 1)],
)
def test_a_report_dated_far_from_the_event_is_refused_naming_its_date(
    database: Database, people: dict[str, Actor], published_on: date
) -> None:
    report = ReportIn(RUSSIAN_REPORT.text, published_on, "Vesti")

    with pytest.raises(Invalid) as refused:
        report_proposals.upload_report(database, people["RUS"], LIMA, report)

    assert refused.value.field == "published_on"
    assert report_proposals.list_uploads(database, people["RUS"], LIMA) == []


@pytest.mark.parametrize("published_on", [date(2015, 11, 19), date(2017, 11, 20)])
def test_a_report_dated_a_year_from_the_event_is_read(
    database: Database, people: dict[str, Actor], published_on: date
) -> None:
    report = ReportIn(HISTORY_REPORT.text, published_on, "Vesti")

    view = report_proposals.upload_report(database, people["RUS"], LIMA, report)

    assert view.published_on == published_on


@pytest.mark.parametrize(
    ("report", "field"),
    [
        (ReportIn("  ", date(2016, 11, 20), "Vesti"), "text"),
        (ReportIn("Putin met Obama.", date(2016, 11, 20), " "), "source"),
        (
            ReportIn("Putin met Obama.", date(2016, 11, 20), "Vesti", "application/pdf"),
            "media_type",
        ),
    ],
)
def test_bad_report_names_the_field(
    database: Database, people: dict[str, Actor], report: ReportIn, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        report_proposals.upload_report(database, people["RUS"], LIMA, report)

    assert refused.value.field == field
    assert report_proposals.list_uploads(database, people["RUS"], LIMA) == []


def _statements_run(database: Database, read: Callable[[], object]) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(database.engine, "before_cursor_execute", counted)
    try:
        read()
    finally:
        event.remove(database.engine, "before_cursor_execute", counted)
    return count


def test_listing_reports_takes_as_many_queries_for_three_as_for_one(
    database: Database, people: dict[str, Actor]
) -> None:
    def listing() -> object:
        return report_proposals.list_uploads(database, people["RUS"], LIMA)

    report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)
    one = _statements_run(database, listing)
    for _ in range(2):
        report_proposals.upload_report(database, people["RUS"], LIMA, RUSSIAN_REPORT)

    assert _statements_run(database, listing) == one
    assert len(report_proposals.list_uploads(database, people["RUS"], LIMA)) == 3


def test_organiser_accepts_a_recalled_meeting_into_the_history(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(database, people["organiser"], LIMA, HISTORY_REPORT)
    [claim] = upload.claims

    view = report_proposals.review_claim(
        database, people["organiser"], LIMA, upload.id, 0, Review("accept", {"when": "2016-09-05"})
    )

    assert (claim.kind, claim.fields["event"], claim.fields["topics"]) == (
        "history",
        "g20-2016-hangzhou",
        ["syria"],
    )
    assert view.claims[0].merged == {"history_event": "g20-2016-hangzhou", "held_on": "2016-09-05"}
    [entry] = history.pair_history(database, people["organiser"], ("RUS", "USA"))
    assert (entry.kind, entry.event, entry.city, entry.held_on, entry.topics) == (
        "historical",
        "G20 summit",
        "Hangzhou",
        date(2016, 9, 5),
        ("syria",),
    )


def test_a_recalled_meeting_needs_its_day_and_the_organiser(
    database: Database, people: dict[str, Actor]
) -> None:
    mine = report_proposals.upload_report(database, people["organiser"], LIMA, HISTORY_REPORT)
    theirs = report_proposals.upload_report(database, people["RUS"], LIMA, HISTORY_REPORT)

    with pytest.raises(Invalid) as undated:
        report_proposals.review_claim(
            database, people["organiser"], LIMA, mine.id, 0, Review("accept")
        )
    with pytest.raises(Forbidden):
        report_proposals.review_claim(
            database, people["RUS"], LIMA, theirs.id, 0, Review("accept", {"when": "2016-09-05"})
        )

    assert undated.value.field == "corrections.when"
    assert history.pair_history(database, people["organiser"], ("RUS", "USA")) == []


def test_a_claim_of_someone_not_at_the_event_asks_for_the_principals(
    database: Database, people: dict[str, Actor]
) -> None:
    report = ReportIn("Putin and Trump spoke briefly in Lima.", date(2016, 11, 20), "Vesti")
    upload = report_proposals.upload_report(database, people["RUS"], LIMA, report)

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(database, people["RUS"], LIMA, upload.id, 0, Review("accept"))
    corrected = report_proposals.review_claim(
        database,
        people["RUS"],
        LIMA,
        upload.id,
        0,
        Review("accept", {"principals": ["putin", "obama"], "day": "2016-11-19"}),
    )

    assert (refused.value.field, upload.claims[0].fields["principals"]) == (
        "corrections.principals[1]",
        ["putin", "trump"],
    )
    [encounter] = record.list_encounters(database, people["RUS"], LIMA)
    assert encounter.principals == ("obama", "putin")
    assert corrected.claims[0].merged == {"encounter_id": encounter.id}


LIMA_ZONE = ZoneInfo("America/Lima")


def _place_sunday_meeting(database: Database, title: str) -> int:
    """The agreed meeting ``title`` scheduled on the summit's Sunday, 20 November, at 10:00."""
    starts_at = datetime(2016, 11, 20, 10, 0, tzinfo=LIMA_ZONE)
    with database.writing() as session:
        [meeting_id] = [
            row.id
            for row, meeting in events.meetings_as_domain(session, LIMA, (MeetingStatus.AGREED,))
            if meeting.title == title
        ]
        session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id)
            .values(
                status=str(MeetingStatus.SCHEDULED),
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=45),
            )
        )
    return meeting_id


DINNER_REPORT = ReportIn(
    "LIMA, Nov 20 (Reuters) - Barack Obama and Xi Jinping spoke at the gala dinner on Saturday "
    "evening, the White House said.",
    date(2016, 11, 20),
    "Reuters",
)


def test_a_dinner_on_the_evening_before_is_no_meeting_of_the_report_day(
    database: Database, people: dict[str, Actor]
) -> None:
    meeting_id = _place_sunday_meeting(database, "Xi-Obama bilateral")
    upload = report_proposals.upload_report(database, people["USA"], LIMA, DINNER_REPORT)
    [claim] = upload.claims
    assert (claim.fields["day"], claim.fields["session_id"]) == ("2016-11-19", "gala-dinner")

    view = report_proposals.review_claim(
        database, people["USA"], LIMA, upload.id, 0, Review("accept")
    )

    [encounter] = record.list_encounters(database, people["USA"], LIMA)
    assert view.claims[0].merged["encounter_id"] == encounter.id
    assert (encounter.session_id, encounter.started_at.astimezone(LIMA_ZONE).date()) == (
        "gala-dinner",
        date(2016, 11, 19),
    )
    said = statements.list_statements(database, people["USA"], LIMA)
    assert [(s.meeting_id, s.encounter_id) for s in said] == [(None, encounter.id)]
    assert meeting_id not in [s.meeting_id for s in said]


def test_a_day_that_is_none_of_the_summits_is_proposed_without_a_day_and_matches_no_meeting(
    database: Database, people: dict[str, Actor]
) -> None:
    _place_sunday_meeting(database, "Xi-Obama bilateral")
    report = ReportIn(
        "Barack Obama and Xi Jinping met on Monday, the White House said.",
        date(2016, 11, 20),
        "Reuters",
    )
    dated = report_proposals.upload_report(database, people["USA"], LIMA, DINNER_REPORT)
    upload = report_proposals.upload_report(database, people["USA"], LIMA, report)
    [claim] = upload.claims
    assert (claim.fields["day"], claim.fields["session_id"]) == (None, None)
    assert claim.confidence < dated.claims[0].confidence

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(database, people["USA"], LIMA, upload.id, 0, Review("accept"))

    assert refused.value.field == "corrections.day"
    assert record.list_encounters(database, people["USA"], LIMA) == []
    assert statements.list_statements(database, people["USA"], LIMA) == []


def _log_sunday_encounter(database: Database, organiser: Actor, hour: int) -> int:
    """An encounter of Xi and Obama in the lobby on the summit's Sunday at ``hour``:00."""
    started_at = datetime(2016, 11, 20, hour, 0, tzinfo=LIMA_ZONE)
    encounter = record.EncounterIn(parties=("CHN", "USA"), started_at=started_at, place="lobby")
    return record.log_encounter(database, organiser, LIMA, encounter).id


def _obama_xi_report(when: str) -> ReportIn:
    return ReportIn(
        f"Barack Obama and Xi Jinping met {when}, the White House said.",
        date(2016, 11, 20),
        "Reuters",
    )


def _accepted(database: Database, actor: Actor, when: str) -> dict[str, object]:
    """What accepting, as proposed, the one claim of a report that Obama and Xi met ``when``
    merged into the record."""
    upload = report_proposals.upload_report(database, actor, LIMA, _obama_xi_report(when))
    view = report_proposals.review_claim(database, actor, LIMA, upload.id, 0, Review("accept"))
    return view.claims[0].merged


@pytest.mark.parametrize(
    ("when", "time_of_day", "joins"),
    [
        ("on Sunday afternoon", "afternoon", "encounter"),
        ("on Sunday at 16:00", "16:00", "encounter"),
        ("on Sunday morning", "morning", "meeting"),
        ("at 10:00 on Sunday", "10:00", "meeting"),
        ("on Sunday at 10 a.m.", "10:00", "meeting"),
    ],
)
def test_the_time_of_day_picks_which_of_the_pairs_contacts_that_day_a_report_joins(
    database: Database, people: dict[str, Actor], when: str, time_of_day: str, joins: str
) -> None:
    meeting_id = _place_sunday_meeting(database, "Xi-Obama bilateral")
    encounter_id = _log_sunday_encounter(database, people["organiser"], 16)
    upload = report_proposals.upload_report(database, people["USA"], LIMA, _obama_xi_report(when))
    [claim] = upload.claims
    assert (claim.fields["day"], claim.fields["time"], claim.fields["notes"]) == (
        "2016-11-20",
        time_of_day,
        [],
    )

    view = report_proposals.review_claim(
        database, people["USA"], LIMA, upload.id, 0, Review("accept")
    )

    subject = {"encounter": encounter_id, "meeting": meeting_id}[joins]
    assert view.claims[0].merged[f"{joins}_id"] == subject
    assert [e.id for e in record.list_encounters(database, people["organiser"], LIMA)] == [
        encounter_id
    ]


def test_a_report_that_cannot_say_which_of_two_contacts_that_day_is_flagged_and_asks_the_time(
    database: Database, people: dict[str, Actor]
) -> None:
    _place_sunday_meeting(database, "Xi-Obama bilateral")
    encounter_id = _log_sunday_encounter(database, people["organiser"], 16)
    upload = report_proposals.upload_report(
        database, people["USA"], LIMA, _obama_xi_report("on Sunday")
    )
    [claim] = upload.claims
    assert (claim.fields["time"], claim.fields["notes"]) == (
        None,
        [{"kind": "ambiguous_match", "times": ["10:00", "16:00"]}],
    )

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(database, people["USA"], LIMA, upload.id, 0, Review("accept"))
    assert refused.value.field == "corrections.time"
    assert statements.list_statements(database, people["USA"], LIMA) == []

    view = report_proposals.review_claim(
        database, people["USA"], LIMA, upload.id, 0, Review("accept", {"time": "16:00"})
    )
    assert view.claims[0].merged["encounter_id"] == encounter_id


def _notes(view: report_proposals.UploadView) -> list[dict[str, object]]:
    return [dict(n) for n in view.claims[0].fields["notes"]]


def test_the_ambiguous_match_note_follows_the_record_after_the_upload(
    database: Database, people: dict[str, Actor]
) -> None:
    meeting_id = _place_sunday_meeting(database, "Xi-Obama bilateral")
    upload = report_proposals.upload_report(
        database, people["USA"], LIMA, _obama_xi_report("on Sunday")
    )
    assert _notes(upload) == []

    _log_sunday_encounter(database, people["organiser"], 16)

    ambiguous = [{"kind": "ambiguous_match", "times": ["10:00", "16:00"]}]
    assert _notes(report_proposals.get_upload(database, people["USA"], LIMA, upload.id)) == (
        ambiguous
    )
    [listed] = report_proposals.list_uploads(database, people["USA"], LIMA)
    assert _notes(listed) == ambiguous

    with database.writing() as session:
        session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id)
            .values(status=str(MeetingStatus.CANCELLED))
        )

    assert _notes(report_proposals.get_upload(database, people["USA"], LIMA, upload.id)) == []


def test_a_delegation_is_not_told_the_times_of_contacts_it_took_no_part_in(
    database: Database, people: dict[str, Actor]
) -> None:
    for hour in (10, 16):
        started_at = datetime(2016, 11, 20, hour, 0, tzinfo=LIMA_ZONE)
        encounter = record.EncounterIn(parties=("CHN", "RUS"), started_at=started_at, place="hall")
        record.log_encounter(database, people["organiser"], LIMA, encounter)
    report = ReportIn("Putin and Xi Jinping met on Sunday.", date(2016, 11, 20), "Reuters")

    by_usa = report_proposals.upload_report(database, people["USA"], LIMA, report)
    by_organiser = report_proposals.upload_report(database, people["organiser"], LIMA, report)

    assert _notes(by_usa) == []
    assert _notes(by_organiser) == [{"kind": "ambiguous_match", "times": ["10:00", "16:00"]}]


def test_a_claim_merged_at_the_time_a_person_gave_keeps_no_ambiguous_match_note(
    database: Database, people: dict[str, Actor]
) -> None:
    _place_sunday_meeting(database, "Xi-Obama bilateral")
    _log_sunday_encounter(database, people["organiser"], 16)
    upload = report_proposals.upload_report(
        database, people["USA"], LIMA, _obama_xi_report("on Sunday")
    )

    view = report_proposals.review_claim(
        database, people["USA"], LIMA, upload.id, 0, Review("accept", {"time": "16:00"})
    )

    assert _notes(view) == []
    assert _notes(report_proposals.get_upload(database, people["USA"], LIMA, upload.id)) == []


def test_a_time_of_day_no_contact_of_the_day_has_is_a_new_encounter_at_that_time(
    database: Database, people: dict[str, Actor]
) -> None:
    meeting_id = _place_sunday_meeting(database, "Xi-Obama bilateral")

    merged = _accepted(database, people["USA"], "briefly on Sunday at 17:30")

    [encounter] = record.list_encounters(database, people["USA"], LIMA)
    assert merged["encounter_id"] == encounter.id
    assert encounter.started_at.astimezone(LIMA_ZONE) == datetime(
        2016, 11, 20, 17, 30, tzinfo=LIMA_ZONE
    )
    assert meeting_id not in [
        s.meeting_id for s in statements.list_statements(database, people["USA"], LIMA)
    ]


@pytest.mark.parametrize("value", ["25:00", "teatime", "9:5", 1600])
def test_a_time_of_day_correction_is_a_time_on_the_clock_or_a_part_of_the_day(
    database: Database, people: dict[str, Actor], value: object
) -> None:
    upload = report_proposals.upload_report(
        database, people["USA"], LIMA, _obama_xi_report("on Sunday")
    )

    with pytest.raises(Invalid) as refused:
        report_proposals.review_claim(
            database, people["USA"], LIMA, upload.id, 0, Review("accept", {"time": value})
        )

    assert refused.value.field == "corrections.time"


def test_a_date_written_with_the_wrong_weekday_is_proposed_with_a_note(
    database: Database, people: dict[str, Actor]
) -> None:
    upload = report_proposals.upload_report(
        database, people["USA"], LIMA, _obama_xi_report("on Saturday, November 20")
    )

    [claim] = upload.claims
    assert (claim.fields["day"], claim.fields["notes"]) == (
        "2016-11-20",
        [{"kind": "weekday_conflict", "words": "Saturday, November 20"}],
    )


def test_a_contact_first_reported_without_a_time_is_joined_by_a_report_that_gives_one(
    database: Database, people: dict[str, Actor]
) -> None:
    first = _accepted(database, people["USA"], "briefly on Sunday")

    second = _accepted(database, people["USA"], "briefly on Sunday afternoon")

    [encounter] = record.list_encounters(database, people["USA"], LIMA)
    assert first["encounter_id"] == second["encounter_id"] == encounter.id
