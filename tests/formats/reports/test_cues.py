"""The cues of news language, each on the words it must and must not take."""

from __future__ import annotations

import pytest

from sidelines.formats.reports import cues


@pytest.mark.parametrize(
    ("text", "brief"),
    [
        ("they spoke briefly", True),
        ("a brief exchange", True),
        ("Misri told a media briefing", False),
        ("officials briefed reporters", False),
    ],
)
def test_a_briefing_is_no_brief_contact(text: str, brief: bool) -> None:
    assert bool(cues.BRIEF.search(text)) is brief


@pytest.mark.parametrize(
    "text", ["the two leaders clinked glasses", "they toasted each other", "лидеры чокнулись"]
)
def test_a_toast_together_is_a_contact_held(text: str) -> None:
    assert cues.MEETING.search(text)
    assert cues.HELD.search(text)


@pytest.mark.parametrize(
    "text",
    ["Путин проведет встречу с Си", "Путин встретится с Шарифом", "Моди побеседует с Си"],
)
def test_a_russian_future_of_a_meeting_verb_is_a_plan(text: str) -> None:
    assert cues.PLANNED.search(text)
    assert not cues.HELD.search(text)


@pytest.mark.parametrize("text", ["встречи в программе не значилось", "в графике не значится"])
def test_not_in_the_programme_is_not_planned_in_any_tense(text: str) -> None:
    assert cues.NOT_PLANNED.search(text)


@pytest.mark.parametrize(
    "text", ["В Кремле не исключили, что…", "the Kremlin did not rule out a meeting"]
)
def test_not_ruling_out_is_a_sides_word(text: str) -> None:
    assert cues.SPEECH.search(text)


@pytest.mark.parametrize(
    ("staff", "roles"),
    [
        ("помощник", ("aide",)),
        ("aide", ("aide",)),
        ("spokeswoman", ("spokes", "press secretary")),
        ("пресс-секретарь", ("spokes", "press secretary")),
        ("presidency", ()),
        ("администрация президента", ()),
        ("МИД", ()),
    ],
)
def test_a_staff_word_names_the_posts_it_may_mean(staff: str, roles: tuple[str, ...]) -> None:
    assert cues.post_roles(staff) == roles


def test_the_meeting_and_the_talks_are_a_meeting_noun_the_exchange_is_not() -> None:
    assert cues.MEETING_NOUN.search("described the meeting as business-like")
    assert cues.MEETING_NOUN.search("Переговоры продлились час")
    assert not cues.MEETING_NOUN.search("described the exchange as cordial")


@pytest.mark.parametrize(
    "text",
    ["Trump and Johnson had breakfast together", "a working lunch with Abe", "лидеры поужинали"],
)
def test_a_meal_shared_is_a_contact_and_talk_at_the_meal(text: str) -> None:
    assert cues.MEETING.search(text)
    assert cues.MEAL_TOGETHER.search(text)


def test_contacts_are_a_word_of_meeting_in_english_too() -> None:
    assert cues.MEETING.search("No contacts between the leaders are envisaged")


@pytest.mark.parametrize("text", ["Peskov denied the report", "Песков опроверг сообщения"])
def test_a_denial_is_a_sides_word_with_an_object(text: str) -> None:
    assert cues.VERDICT.search(text)


@pytest.mark.parametrize(
    ("text", "planned"),
    [("Trump will meet Moon", True), ("Trump will not meet Rouhani", False)],
)
def test_will_not_meet_is_no_plan_but_a_negation(text: str, planned: bool) -> None:
    assert bool(cues.PLANNED.search(text)) is planned
    assert bool(cues.NEGATED.search(text)) is not planned


@pytest.mark.parametrize(
    ("text", "brief"),
    [("held talks shortly after signing", False), ("they spoke shortly", True)],
)
def test_shortly_after_is_when_not_how_long(text: str, brief: bool) -> None:
    assert bool(cues.BRIEF.search(text)) is brief


@pytest.mark.parametrize(
    "text",
    ["sat down to a working breakfast", "the two leaders dined together", "ужинали вместе"],
)
def test_more_ways_of_sharing_a_meal(text: str) -> None:
    assert cues.MEAL_TOGETHER.search(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [("передает агентство PTI", "PTI"), ("reported the news agency ANI", "ANI")],
)
def test_an_outlet_by_its_acronym_after_the_word_agency(text: str, name: str) -> None:
    found = cues.UNLISTED_OUTLET.search(text)

    assert found is not None
    assert found.group("name") == name


@pytest.mark.parametrize("text", ["a ban on seafood imports", "ограничения на экспорт"])
def test_imports_and_exports_are_trade(text: str) -> None:
    assert cues.TOPICS["trade"].search(text)


@pytest.mark.parametrize(
    ("staff", "role", "same"),
    [
        ("spokeswoman", "foreign ministry spokeswoman", True),
        ("spokeswoman", "foreign ministry spokesman", False),
        ("spokesman", "foreign ministry spokesman", True),
        ("пресс-секретарь", "press secretary", False),
    ],
)
def test_a_gendered_post_matches_only_that_gender(staff: str, role: str, same: bool) -> None:
    assert cues.same_gender(staff, role) is same


@pytest.mark.parametrize(
    "text", ["the meeting has been postponed", "встреча перенесена", "переговоры отложены"]
)
def test_a_meeting_put_off_is_not_held_at_this_summit(text: str) -> None:
    assert cues.CANCELLED.search(text)


def test_the_opening_day_in_russian_is_the_first_day() -> None:
    assert cues.FIRST_DAY.search("встретились в день открытия саммита")


@pytest.mark.parametrize(
    "text",
    [
        "LIMA, Nov 20 (Reuters) - Putin",
        "NEW DELHI, Sept 9 (Reuters) — Putin",
        "Lima, Peru, Nov. 20 - Putin",
        "ЛИМА, 20 ноября. /ТАСС/ — Путин",
    ],
)
def test_a_dateline_is_read_as_one(text: str) -> None:
    found = cues.DATELINE.match(text)

    assert found is not None
    assert text[found.end() :] in ("Putin", "Путин")


def test_a_sentence_with_a_date_is_no_dateline() -> None:
    assert cues.DATELINE.match("Putin, speaking on 20 November - he said") is None
