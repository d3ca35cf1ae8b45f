"""The services' error messages in the reader's language: each message written out at a raise
is in the catalogs as a text with placeholders, found again from the English sentence and said
with its values; the English sentence stays the error's own."""

from __future__ import annotations

import importlib
import pkgutil

import sidelines.services
from sidelines import i18n
from sidelines.i18n import service_texts
from sidelines.scheduling.onsite.alternatives import give_way_text
from sidelines.services.errors import Conflict, Invalid, ServiceError, not_found
from sidelines.storage.db import Database
from tests.web.helpers import lima_api, url


def _subclasses(kind: type) -> set[type]:
    found = set()
    for sub in kind.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_error_class_of_the_services_is_extracted() -> None:
    for module in pkgutil.walk_packages(sidelines.services.__path__, "sidelines.services."):
        importlib.import_module(module.name)

    names = {kind.__name__ for kind in _subclasses(ServiceError)} | {"ServiceError"}

    assert names <= service_texts.ERRORS, names - service_texts.ERRORS


def test_an_f_string_becomes_a_text_with_named_placeholders() -> None:
    source = (
        "raise Conflict(f'meeting {meeting_id} is {row.status}, not on the schedule')\n"
        "raise Invalid(f'no space {target.space_id!r} at {target.space_id!r}: 100%', 'x')\n"
        "raise not_found('meeting', meeting_id)\n"
        "raise Invalid(message)\n"
        "raise Invalid('50% is too much')\n"
        "raise Invalid('one of ' + ', '.join(CHANNELS) + f' not {channel!r}', 'channel')\n"
        "raise Invalid(prefix + suffix)\n"
    )

    assert [text for _line, text in service_texts.texts(source)] == [
        "meeting %(meeting_id)s is %(status)s, not on the schedule",
        "no space %(space_id)s at %(space_id)s: 100%%",
        "no meeting %(ident)s",
        "50% is too much",
        "one of %(channels)s not %(channel)s",
    ]


def test_a_message_reads_in_the_language_of_the_moment_and_stays_english_as_raised() -> None:
    refused = Conflict("meeting 123 is withdrawn: there is nothing to check in to")
    missing = not_found("meeting", 42)
    unknown = Invalid("no space 'suite-7' at this event", "space_id")
    untraced = Invalid("a sentence no service writes")

    with i18n.speaking("ru"):
        said = [e.message for e in (refused, missing, unknown, untraced)]

    assert said == [
        # The status is a text of the catalogs too, and is said as well.
        "встреча 123 в состоянии «отозван»: отмечать прибытие не на что",
        "встреча 42 не найдена",
        "на этом мероприятии нет помещения 'suite-7'",
        "a sentence no service writes",
    ]
    assert refused.message == str(refused) == refused.english
    assert refused.english == "meeting 123 is withdrawn: there is nothing to check in to"


def test_the_api_answers_in_english_unless_the_client_asks_for_russian(
    database: Database,
) -> None:
    api = lima_api(database)
    missing = url("/requests/987654321")

    english = api.client.get(missing, headers=api.as_("RUS"))
    russian = api.client.get(missing, headers={**api.as_("RUS"), "Accept-Language": "ru, en"})

    assert english.status_code == russian.status_code == 404
    assert english.json()["error"] == {
        "code": "not_found",
        "message": "no request 987654321",
        "field": "",
    }
    assert "content-language" not in english.headers
    assert russian.json()["error"]["code"] == "not_found"
    assert russian.json()["error"]["message"] == "запрос 987654321 не найден"
    assert russian.headers["content-language"] == "ru"


def test_the_domain_s_errors_and_the_rules_sentences_are_extracted_too() -> None:
    source = (
        "raise DomainError(f'this request is {thread.state} and cannot be withdrawn')\n"
        "raise InputError(file, f'unknown person {person!r}', line=3)\n"
        "yield Violation(self.name, f'{meeting.label} is required but not scheduled', ids)\n"
        "class Rule:\n"
        "    def explain(self, problem, item):\n"
        "        return f'{meeting.label} at {when(problem, item)} runs past the end of the day'\n"
    )

    assert sorted(text for _, text in service_texts.texts(source)) == [
        "%(label)s at %(problem)s runs past the end of the day",
        "%(label)s is required but not scheduled",
        "this request is %(state)s and cannot be withdrawn",
        "unknown person %(person)s",
    ]


def test_sentences_passed_on_from_the_domain_and_the_rules_read_in_russian() -> None:
    passed_on = Conflict("a meeting that is held cannot become scheduled", "status")
    upload = Invalid("not a readable PDF: EOF marker not found", "file")
    rules = [
        "Xi-Obama bilateral at Sat 19 Nov 07:00–08:00 is outside its allowed windows",
        "Xi-Obama bilateral at Sat 19 Nov 07:00–08:00 is outside its allowed windows"
        " (morning only)",
        "Russian delegation suite does not fit Xi-Obama bilateral: lacks press",
    ]

    with i18n.speaking("ru"):
        said = [passed_on.message, upload.message, *map(service_texts.translate, rules)]

    assert said == [
        "встреча в состоянии «состоялась» не может перейти в состояние «в расписании»",
        "PDF не удаётся прочитать: EOF marker not found",
        "Xi-Obama bilateral в сб 19 нояб. 07:00–08:00 — вне допустимого для неё времени",
        "Xi-Obama bilateral в сб 19 нояб. 07:00–08:00 — вне допустимого для неё времени"
        " (morning only)",
        # The reason is a sentence of its own, said too, its feature with it.
        "Russian delegation suite не подходит для встречи «Xi-Obama bilateral»: нет оснащения: "
        "пресса",
    ]


def test_a_reason_a_meeting_is_left_out_reads_in_russian_with_its_rules_and_its_name() -> None:
    # The engine says why in English; a Russian page says it all in Russian: the sentence, each
    # rule that stops the meeting, and the meeting as the engine named it by format and sides.
    reason = (
        "Bilateral, A and B has no possible time and place: a principal never meets in its "
        "forbidden windows; a space is used only within its opening hours"
    )

    with i18n.speaking("ru"):
        said = service_texts.translate(
            reason, {"Bilateral, A and B": "Двусторонняя встреча: A и B"}
        )

    assert said == (
        "Для встречи «Двусторонняя встреча: A и B» нет ни одного допустимого времени и места: "
        "участник не встречается в запрещённые для него окна; помещение используется только в "
        "часы работы"
    )
    assert service_texts.translate(reason) == reason


def test_a_rule_s_label_is_extracted_from_its_class() -> None:
    source = (
        "class SpaceWithinOpeningHours:\n"
        "    name = 'space_within_opening_hours'\n"
        "    label = 'a space is used only within its opening hours'\n"
    )

    assert [text for _line, text in service_texts.texts(source)] == [
        "a space is used only within its opening hours"
    ]


def test_the_engine_s_days_and_times_read_with_russian_names() -> None:
    policy = (
        "Republic of A holds 2 meetings in the organiser's rooms on Mon 06 May, the policy allows 1"
    )

    with i18n.speaking("ru"):
        said = service_texts.translate(policy)

    assert said == (
        "у стороны Republic of A пн 06 мая встреч в помещениях организатора: 2, правила допускают 1"
    )


def test_an_alternative_that_has_meetings_give_way_names_each_in_russian() -> None:
    english = give_way_text(["Bilateral, A and B", "Meeting, C and D"])
    names = {"Bilateral, A and B": "Двусторонняя, A и B", "Meeting, C and D": "Встреча, C и D"}

    with i18n.speaking("ru"):
        said = service_texts.translate(english, names)

    assert english == "if Bilateral, A and B; Meeting, C and D give way (lower priority)"
    assert said == (
        "если уступят место встречи с более низким приоритетом: Двусторонняя, A и B; Встреча, C и D"
    )
