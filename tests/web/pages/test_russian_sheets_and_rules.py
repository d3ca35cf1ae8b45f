"""Without a browser, in Russian: the printed run-sheet says its days, the meetings' states and
press plans in Russian; the rules a grid edit would break are said in Russian; an error names
its field in the form's words, or not at all."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sidelines import i18n
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import record, sheets
from sidelines.services.errors import Conflict, Invalid, ServiceError
from sidelines.services.onsite_changes import organiser_named
from sidelines.services.record import Outcome
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, SolveRunRow
from sidelines.web.pages.templating import templates
from tests.web.helpers import LIMA
from tests.web.pages.test_grid_refusals import published
from tests.web.pages.test_session import csrf_of, logged_in

EVENT = f"/events/{LIMA}"


def _in_russian(database: Database, username: str, party: str | None) -> TestClient:
    client = logged_in(database, username, party)
    client.headers["Accept-Language"] = "ru"
    return client


def _hold_a_meeting_of_the_usa(database: Database) -> None:
    organiser = organiser_named(database, "protocol")
    meeting = next(
        line.meeting
        for day in (date(2016, 11, 19), date(2016, 11, 20))
        for line in sheets.run_sheet(database, organiser, LIMA, "USA", day).lines
        if line.meeting
    )
    record.record_outcome(
        database, organiser, LIMA, meeting.meeting_id, Outcome(MeetingStatus.HELD)
    )


def test_a_russian_run_sheet_says_its_days_states_and_press_plans_in_russian(
    database: Database,
) -> None:
    published(database)
    _hold_a_meeting_of_the_usa(database)
    usa = _in_russian(database, "usa", "USA")

    sheet = usa.get(f"{EVENT}/print/run-sheet")

    assert sheet.status_code == 200, sheet.text
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", sheet.text) == [
        "Распорядок делегации: United States, суббота 19 ноября 2016",
        "Распорядок делегации: United States, воскресенье 20 ноября 2016",
    ]
    terms = re.findall(r'<span class="terms">(.*?)</span>', sheet.text)
    assert terms
    assert all(t.startswith("пресса: без прессы") for t in terms)
    assert any(t.endswith(" · состоялась") for t in terms)
    assert "no press" not in sheet.text
    assert "held" not in " ".join(terms)


@pytest.mark.parametrize("titled", [True, False])
def test_the_rules_a_grid_edit_would_break_are_said_in_russian(
    database: Database, titled: bool
) -> None:
    meeting_id, day = published(database)
    if not titled:
        # As agreed through negotiation: named by its format and sides, in Russian too.
        with database.writing() as session:
            row = session.get(MeetingRow, meeting_id)
            assert row is not None
            row.terms = {k: v for k, v in row.terms.items() if k != "title"}
    client = _in_russian(database, "protocol-2", None)
    page = client.get(f"{EVENT}/grid?day={day}&meeting={meeting_id}")

    # 07:00 in Lima, in the Russian delegation's suite: closed to a Chinese–US meeting.
    refused = client.post(
        f"{EVENT}/grid/meetings/{meeting_id}/move",
        data={
            "target": "2016-11-19T12:00:00+00:00|rus-suite",
            "day": day,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )

    assert refused.status_code == 409, refused.text
    said = dict(re.findall(r"<li><code>(\w+)</code>: (.*?)</li>", refused.text))
    # The meeting is any of China's (ids are random); the sentence and its reason are Russian.
    assert re.fullmatch(
        r"Russian delegation suite не подходит для встречи «.+»: [^a-z]+(: [^:]+)?",
        said["space_fits_meeting"],
    ), said
    assert not any(" does not fit " in s or " is outside its " in s for s in said.values())
    named = (
        "Xi-Obama bilateral"
        if titled
        else "Двусторонняя встреча в расширенном составе: People's Republic of China и United "
        "States"
    )
    assert f" не подходит для встречи «{named}»:" in html.unescape(said["space_fits_meeting"]), said
    # So is why the meeting does not fit each place the grid shows it, before any move.
    why = re.findall(r'<span class="why" title="([^"]*)">', page.text)
    assert [w for w in why if " does not fit " in w or " is outside its " in w] == []
    assert any(" не подходит для " in w for w in why), why
    # ... and names the meeting there as the reader does.
    assert any(f" не подходит для встречи «{named}»" in html.unescape(w) for w in why), why
    assert not any("Expanded bilateral" in html.unescape(w) for w in why), why


def test_a_page_s_own_refusal_is_said_in_russian(database: Database) -> None:
    published(database)
    client = _in_russian(database, "protocol-2", None)

    # The organiser's run-sheet needs the delegation named.
    refused = client.get(f"{EVENT}/print/run-sheet")

    assert refused.status_code == 422, refused.text
    assert "укажите делегацию, распорядок которой нужно напечатать" in refused.text
    assert "name the delegation" not in refused.text


def _error_box(error: ServiceError) -> str:
    macro = templates.env.from_string(
        '{% from "macros.html" import error_box %}{{ error_box(error) }}'
    )
    with i18n.speaking("ru"):
        return " ".join(macro.render(error=error).split())


def test_an_error_names_a_field_the_reader_fills_in_in_russian_and_no_other() -> None:
    assert '<span class="field">(формат проведения)</span>' in _error_box(
        Invalid("a downgraded meeting names the format it was held in", "held_format")
    )
    assert '<span class="field">(продолжительность)</span>' in _error_box(
        Invalid("duration must be positive, got 0", "proposal.duration_min")
    )
    # A state or an id names nothing the reader could correct: no bracket at all.
    withdrawn = _error_box(Conflict("this request is withdrawn and takes no more answers", "state"))
    assert "запрос в состоянии «отозван» и больше не принимает ответов" in withdrawn
    assert "(" not in withdrawn.split("</strong>", 1)[1]
    assert 'class="field"' not in _error_box(Invalid("no meeting 3", "meeting_id"))


def test_a_solve_s_left_out_meetings_read_by_name_with_their_reasons_in_russian(
    database: Database,
) -> None:
    meeting_id, _day = published(database)
    reason = "Xi-Obama bilateral fits at 2016-11-19 08:00-09:00, but the solve did not place it"
    with database.writing() as session:
        run = session.scalars(select(SolveRunRow)).one()
        assert run.result is not None
        run.result = {**run.result, "left_out": [{"meeting_id": meeting_id, "reason": reason}]}
        run_id = run.id
    desk = _in_russian(database, "protocol-ru", None)

    page = desk.get(f"{EVENT}/solves/{run_id}")

    assert page.status_code == 200, page.text
    assert re.findall(r'<ul id="left-out"><li>(.*?)</li>', html.unescape(page.text)) == [
        "Xi-Obama bilateral: Встреча «Xi-Obama bilateral» помещается 2016-11-19 08:00-09:00, "
        "но расчёт её не поставил"
    ]
