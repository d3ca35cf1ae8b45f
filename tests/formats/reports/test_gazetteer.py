"""The gazetteer: name forms as patterns, the files it is read from, and a stored event's
roster folded in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from sidelines.formats.errors import InputError
from sidelines.formats.reports import default_gazetteer, load_gazetteer
from sidelines.formats.reports.gazetteer import form_pattern
from tests.web.helpers import lima_from_file


@pytest.mark.parametrize(
    ("form", "text", "found"),
    [
        ("Путин", "встреча с Путиным", "Путиным"),
        ("Обама", "с Бараком Обамой", "Обамой"),
        ("Белый дом", "сообщили в Белом доме", "Белом доме"),
        ("российск*", "Российский лидер", "Российский"),
        ("Putin", "Putin's aide", "Putin's"),
        ("Xi", "Xixi and Xi met", "Xi"),
        ("US", "let us meet the US side", "US"),
        ("рабоч* заседани*", "в начале рабочего заседания", "рабочего заседания"),
        ("узк* состав*", "заседание в узком составе", "узком составе"),
    ],
)
def test_a_form_matches_its_inflections_and_nothing_inside_other_words(
    form: str, text: str, found: str
) -> None:
    match = re.search(form_pattern(form), text)

    assert match is not None
    assert match.group(0) == found


def test_a_short_russian_name_does_not_match_a_longer_word() -> None:
    assert re.search(form_pattern("Си"), "Сирия и Сингапур") is None


def test_a_leader_who_is_no_known_person_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n  - {id: e, series: G20, places: [Rome], start: 2021-10-30, end: 2021-10-31,"
        " leaders: {ITA: draghi}}\n",
        encoding="utf-8",
    )

    with pytest.raises(InputError) as refused:
        load_gazetteer([path])

    assert refused.value.path == "events.0.leaders.ITA"


def test_an_unknown_time_zone_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n  - {id: e, series: G20, timezone: Europe/Romee, places: [Rome],"
        " start: 2021-10-30, end: 2021-10-31}\n",
        encoding="utf-8",
    )

    with pytest.raises(InputError) as refused:
        load_gazetteer([path])

    assert refused.value.path == "events.0.timezone"


def test_every_known_summit_has_its_venues_time_zone() -> None:
    assert [e.id for e in default_gazetteer().events if not e.timezone] == []


def test_an_unknown_key_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_text("people:\n  - {id: x, party: X, role: leader, nam: [X]}\n", encoding="utf-8")

    with pytest.raises(InputError) as refused:
        load_gazetteer([path])

    assert refused.value.path == "people.0.names"


def test_a_stored_event_brings_its_ids_sessions_and_unknown_principals() -> None:
    lima = lima_from_file()

    def renamed(principal_id: str) -> str:
        return "vvp" if principal_id == "putin" else principal_id

    stored = replace(
        lima,
        principals=tuple(replace(p, id=renamed(p.id)) for p in lima.principals),
        programme=tuple(
            replace(s, attendees=frozenset(renamed(a) for a in s.attendees)) for s in lima.programme
        ),
        meetings=(),
        delegations=(),
    )

    gazetteer = default_gazetteer().with_event(stored)

    event = gazetteer.event("apec-2016-lima")
    assert event is not None
    assert event.leaders["RUS"] == "vvp"
    putin = gazetteer.person("vvp")
    assert putin is not None
    assert "Путин" in putin.names  # the known transliterations stay
    assert [s.id for s in event.sessions] == [p.id for p in lima.programme]
    assert event.timezone == stored.timezone
    bolkiah = gazetteer.person("bolkiah")
    assert bolkiah is not None
    assert bolkiah.names == ("Hassanal Bolkiah", "Bolkiah")


def test_a_persons_term_of_office_is_read_and_bounds_the_days_they_held_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(
        "people:\n  - {id: e, party: USA, role: press secretary, since: 2014-06-20,"
        " until: 2017-01-20, names: [Josh Earnest]}\n",
        encoding="utf-8",
    )

    [person] = load_gazetteer([path]).people

    assert person.held_on(date(2016, 11, 20))
    assert not person.held_on(date(2017, 11, 11))
    assert not person.held_on(date(2014, 1, 1))
