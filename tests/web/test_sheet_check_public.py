"""The sealed link of a printed sheet, opened by someone without an account (a space's staff
scanning the QR code): current or superseded and since when, nothing of the meetings; a
link that is not one a sheet printed is a 404, opened by the same work as a genuine one."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sidelines.services import sheet_links
from sidelines.services.sheets import SheetKind, SheetRef
from sidelines.storage.db import Database
from sidelines.web.pages.session import SESSION_COOKIE
from tests.services.sheet_world import agree_russia_us, local_day
from tests.web.helpers import LIMA, Lima, lima_api, solve_and_publish

# Every party's and principal's name of the Lima event, and the words of a meeting's terms.
NAMES = re.compile(
    r"Russia|United States|People's Republic|Japan|Peru|Australia|Canada|Putin|Obama|Xi "
    r"|Abe|Syria|Ukraine|bilateral|Bilateral",
)


def _link(page: str) -> str:
    [link] = re.findall(r'<a class="check-link" href="http://testserver([^"]+)">', page)
    assert re.fullmatch(r"/check/[A-Za-z0-9_-]{40,}", link), link  # no id, no code in it
    return link


def _printed(api: Lima, who: str, path: str) -> str:
    api.client.cookies.set(SESSION_COOKIE, who)
    link = _link(api.client.get(path).text)
    api.client.cookies.clear()
    return link


def _main(page: str) -> str:
    found = re.search(r"<main.*</main>", page, re.DOTALL)
    assert found is not None
    return found.group(0)


DAYS = ("2016-11-19", "2016-11-20")


def _links(api: Lima, who: str, path: str) -> dict[str, str]:
    """The check link of the sheet at ``path`` of each day, printed now."""
    return {day: _printed(api, who, f"{path}?day={day}") for day in DAYS}


@pytest.mark.slow
def test_a_visitor_reads_current_then_superseded_and_nothing_of_the_meetings(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)  # version 1
    overview = _links(api, api.organiser, f"/events/{LIMA}/print/overview")
    usa = _links(api, api.tokens["USA"], f"/events/{LIMA}/print/run-sheet")
    japan = _links(api, api.tokens["JPN"], f"/events/{LIMA}/print/run-sheet")
    current = [api.client.get(link) for links in (overview, usa) for link in links.values()]

    meeting, _ = agree_russia_us(api)  # version 2, on the US sheet of its day
    day = local_day(meeting).isoformat()
    later = {"o": api.client.get(overview[day]), "u": api.client.get(usa[day])}
    japan_later = [api.client.get(link).text for link in japan.values()]

    for page in [*current, *later.values()]:
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"  # current now, maybe not later
        shown = _main(page.text)
        assert NAMES.search(shown) is None, NAMES.search(shown)
        assert "Print this sheet as it is now" not in shown  # a login's page
        assert '<ul class="changes">' not in shown
    assert all('id="verdict"><strong>Current:</strong>' in p.text for p in current)
    assert "printed from schedule version 1." in later["o"].text
    for page in later.values():
        assert "<strong>Superseded:</strong>" in page.text
        assert "version 2, published" in page.text
        assert "Something on this sheet changed since" in page.text
    # Others' change leaves Japan's sheets current: no number tells that others' meetings moved.
    assert all('id="verdict"><strong>Current:</strong>' in page for page in japan_later)


def test_a_logged_in_reader_of_the_sheet_reads_what_changed_and_others_what_anyone_reads(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    usa = _links(api, api.tokens["USA"], f"/events/{LIMA}/print/run-sheet")
    meeting, _ = agree_russia_us(api)
    link = usa[local_day(meeting).isoformat()]

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    own = api.client.get(link).text
    api.client.cookies.set(SESSION_COOKIE, api.tokens["JPN"])
    other = api.client.get(link).text

    assert "Version 2: Bilateral with Russia placed on" in own
    assert "Print this sheet as it is now" in own
    assert NAMES.search(_main(other)) is None
    assert "Something on this sheet changed since" in other


def _bad_tokens(good: str) -> dict[str, str]:
    ref = SheetRef(SheetKind.OVERVIEW, date(2016, 11, 20), 1)
    other_key = sheet_links.seal(b"another server's key", LIMA, ref)
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    return {
        "altered": flipped,
        "another key": other_key,
        "not base64": "!" * len(good),
        "short": "abc",
        "a check code": "o1-20161120",
    }


def test_a_link_no_sheet_printed_is_a_404_opened_by_the_same_work(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    good = _printed(api, api.organiser, f"/events/{LIMA}/print/overview?day=2016-11-20")
    token = good.rpartition("/")[2]
    calls: list[int] = []
    real = sheet_links._prf
    monkeypatch.setattr(sheet_links, "_prf", lambda key, data: calls.append(1) or real(key, data))

    answers = {}
    work = {}
    for name, bad in {"genuine": token, **_bad_tokens(token)}.items():
        calls.clear()
        answers[name] = api.client.get(f"/check/{bad}")
        work[name] = len(calls)
    too_long = api.client.get(f"/check/{'A' * (sheet_links.TOKEN_MAX + 1)}")

    assert answers.pop("genuine").status_code == 200
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 404)
    assert len({_main(a.text) for a in answers.values()}) == 1
    assert "no such sheet" in answers["altered"].text
    # The same pseudo-random work for a token of the same length, genuine or not: the tag and
    # its key, the stream's key and its blocks.
    assert work["altered"] == work["genuine"] == work["not base64"]
    assert too_long.status_code in (404, 422)
