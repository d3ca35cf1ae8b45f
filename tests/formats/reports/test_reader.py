"""The report reader: each rule on a small report of its own, and the written set's scores."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

import pytest

from sidelines.domain.formats import MeetingFormat
from sidelines.formats.reports import (
    Modality,
    PartialDate,
    Precision,
    Reading,
    Report,
    ReportReader,
    default_gazetteer,
)
from sidelines.formats.reports import reader as reader_module
from sidelines.formats.reports.reader import Mention
from sidelines.formats.reports.text import Sentence

READER = ReportReader(default_gazetteer())


def read(text: str, published_on: date, source: str = "Agency", **kwargs: str) -> Reading:
    return READER.read(Report(text, published_on, source, **kwargs))


def test_read_seed_like_report_gives_the_contact_the_plan_and_the_history() -> None:
    reading = read(
        "Russian President Vladimir Putin and his U.S. counterpart Barack Obama exchanged a few "
        "words at the APEC summit in Lima, Reuters reports.\n"
        "Kremlin spokesman Dmitry Peskov confirmed that the two presidents greeted each other "
        "at the beginning of the retreat.\n"
        "Earlier the Kremlin said no separate meeting of the leaders was planned, but they "
        "might still meet.\n"
        "Putin and Obama last met at the G20 summit in Hangzhou, where they discussed Syria.",
        date(2016, 11, 20),
    )

    contact, plan = reading.meetings
    assert reading.event == "apec-2016-lima"
    assert (contact.pair, contact.parties) == (("obama", "putin"), ("USA", "RUS"))
    assert (contact.format, contact.modality) == (MeetingFormat.BRIEF_CONTACT, Modality.HELD)
    assert (contact.day, contact.session, contact.edge) == (
        PartialDate(date(2016, 11, 20)),
        "retreat-1",
        "start",
    )
    assert [(c.id, c.role, c.side) for c in contact.confirmers] == [
        ("peskov", "press secretary", "RUS")
    ]
    assert contact.sources == ["Reuters"]
    assert (plan.format, plan.modality) == (
        MeetingFormat.BILATERAL_RESTRICTED,
        Modality.POSSIBLE_NOT_PLANNED,
    )
    assert [(c.id, c.side) for c in plan.confirmers] == [("kremlin", "RUS")]
    [history] = reading.history
    assert (history.pair, history.event, history.topics) == (
        ("obama", "putin"),
        "g20-2016-hangzhou",
        ["syria"],
    )


def test_spans_point_at_the_sentences_the_claim_came_from() -> None:
    reading = read("Putin and Obama met in Lima on Saturday.", date(2016, 11, 19))

    [claim] = reading.meetings
    assert [reading.text[s.start : s.end] for s in claim.spans] == [
        "Putin and Obama met in Lima on Saturday."
    ]
    assert claim.confidence == pytest.approx(0.85)


def test_russian_names_in_their_cases_and_titles_resolve_to_principals() -> None:
    reading = read(
        "Президент России провел переговоры с Бараком Обамой в Лиме. Встреча продлилась час, "
        "сообщил Песков.",
        date(2016, 11, 19),
    )

    [claim] = reading.meetings
    assert reading.language == "ru"
    assert claim.pair == ("obama", "putin")
    assert [c.id for c in claim.confirmers] == ["peskov"]


def test_the_two_presidents_are_the_last_named_pair() -> None:
    reading = read(
        "Putin met Abe in Lima on Saturday. Later Putin and Obama were seen in the hall. "
        "The two presidents spoke briefly.",
        date(2016, 11, 20),
    )

    assert [(m.pair, m.format) for m in reading.meetings] == [
        (("abe", "putin"), MeetingFormat.BILATERAL_RESTRICTED),
        (("obama", "putin"), MeetingFormat.BRIEF_CONTACT),
    ]


@pytest.mark.parametrize(
    ("sentence", "modality"),
    [
        ("Putin and Trump will meet on Saturday.", Modality.PLANNED),
        ("Trump called off his meeting with Putin.", Modality.CANCELLED),
        (
            "No meeting between Putin and Trump is planned, but they may talk.",
            Modality.POSSIBLE_NOT_PLANNED,
        ),
        ("The Kremlin denied that Putin and Trump had a secret meeting.", Modality.DENIED),
        ("Putin and Trump met for two hours.", Modality.HELD),
    ],
)
def test_modality_of_a_meeting(sentence: str, modality: Modality) -> None:
    [claim] = read(sentence, date(2018, 11, 29)).meetings

    assert claim.modality is modality


def test_a_conversation_at_dinner_is_a_meal_conversation_on_the_dinner_day() -> None:
    [claim] = read(
        "Putin and Trump talked at the leaders' dinner of the G20 in Buenos Aires.",
        date(2018, 12, 2),
    ).meetings

    assert (claim.format, claim.session, claim.day) == (
        MeetingFormat.MEAL_CONVERSATION,
        "leaders-dinner",
        PartialDate(date(2018, 11, 30)),
    )


def test_a_month_keeps_its_precision_in_the_history() -> None:
    reading = read(
        "Putin and Trump spoke briefly in Da Nang. They had last met in Hamburg in July 2017.",
        date(2017, 11, 11),
    )

    [history] = reading.history
    assert history.when == PartialDate(date(2017, 7, 1), Precision.MONTH)
    assert str(history.when) == "2017-07"


def test_the_publishers_own_name_is_not_a_source() -> None:
    [claim] = read(
        "Putin and Obama met in Antalya, Reuters and TASS reported.",
        date(2015, 11, 15),
        source="Reuters",
    ).meetings

    assert claim.sources == ["TASS"]


def test_html_is_read_as_its_text() -> None:
    reading = read(
        "<html><head><script>var x = 'Obama';</script></head><body><h1>Lima</h1>"
        "<p>Putin and Obama spoke briefly at the APEC summit.</p></body></html>",
        date(2016, 11, 20),
        media_type="text/html",
    )

    assert reading.text == "Lima\nPutin and Obama spoke briefly at the APEC summit."
    assert [m.pair for m in reading.meetings] == [("obama", "putin")]


def test_a_report_without_principals_proposes_nothing() -> None:
    reading = read("The summit adopted a declaration on trade.", date(2016, 11, 20))

    assert (reading.meetings, reading.history) == ([], [])


def test_a_day_that_dates_the_saying_is_not_the_contacts_day() -> None:
    reading = read(
        "The Kremlin spokesman Dmitry Peskov on Tuesday described the talk that Putin and Obama "
        "had before the opening session in Hangzhou as useful.",
        date(2016, 9, 6),
    )

    [talk] = reading.meetings
    assert (talk.day, talk.session) == (PartialDate(date(2016, 9, 4)), "opening")
    assert [(c.id, c.side) for c in talk.confirmers] == [("peskov", "RUS")]


def test_the_night_before_counts_back_from_the_day_of_the_saying() -> None:
    reading = read(
        "Obama said on Monday that he had talked with Putin in Hangzhou the night before.",
        date(2016, 9, 6),
    )

    [talk] = reading.meetings
    assert talk.day == PartialDate(date(2016, 9, 4))


def test_a_stated_day_beats_a_session_of_the_same_name_on_another_day() -> None:
    reading = read(
        "Trump and Xi talked over a working dinner in Buenos Aires on Saturday.",
        date(2018, 12, 2),
    )

    [dinner] = reading.meetings
    assert (dinner.day, dinner.session, dinner.format) == (
        PartialDate(date(2018, 12, 1)),
        None,
        MeetingFormat.MEAL_CONVERSATION,
    )


@pytest.mark.parametrize(
    "text",
    [
        "LIMA, Nov 20 (Reuters) - Vladimir Putin and Xi Jinping met at the gala dinner on "
        "Saturday evening.",
        "Vladimir Putin and Xi Jinping met at the gala dinner last night.",
        "Путин и Си Цзиньпин побеседовали в субботу вечером на торжественном ужине.",
        "ЛИМА, 20 ноября. /ТАСС/ — Путин и Си Цзиньпин побеседовали вчера вечером на ужине.",
    ],
)
def test_a_relative_day_counts_back_from_the_report_not_from_its_dateline(text: str) -> None:
    reading = read(text, date(2016, 11, 20))

    [dinner] = reading.meetings
    assert (dinner.pair, dinner.day, dinner.session) == (
        ("putin", "xi"),
        PartialDate(date(2016, 11, 19)),
        "gala-dinner",
    )


@pytest.mark.parametrize(
    ("text", "published", "day"),
    [
        ("Putin and Xi met on Saturday morning at the gala dinner.", date(2016, 11, 20), 19),
        ("Putin and Xi spoke last night at the retreat.", date(2016, 11, 21), 20),
        ("Путин и Си Цзиньпин поговорили утром в субботу на ужине.", date(2016, 11, 20), 19),
    ],
)
def test_a_time_of_day_is_no_session_at_another_time(text: str, published: date, day: int) -> None:
    reading = read(text, published)

    [talk] = reading.meetings
    assert (talk.day, talk.session) == (PartialDate(date(2016, 11, day)), None)


def test_a_session_at_the_time_of_day_named_is_that_session() -> None:
    reading = read("Putin and Xi spoke in the evening at the gala dinner.", date(2016, 11, 20))

    [talk] = reading.meetings
    assert (talk.day, talk.session) == (PartialDate(date(2016, 11, 19)), "gala-dinner")


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("Putin and Xi met on Monday.", date(2016, 11, 20)),  # the 14th; the 21st is to come
        ("Putin and Xi met at the gala dinner on Monday.", date(2016, 11, 20)),
        ("Путин и Си Цзиньпин встретились в понедельник.", date(2016, 11, 20)),
        ("Putin and Xi met in Lima yesterday.", date(2016, 11, 30)),
    ],
)
def test_a_day_that_is_none_of_the_summits_is_left_for_a_person_to_say(
    text: str, published: date
) -> None:
    dated = read("Putin and Xi met on Saturday.", date(2016, 11, 20))

    [talk] = read(text, published).meetings

    assert (talk.day, talk.session) == (None, None)
    assert talk.confidence < dated.meetings[0].confidence - 0.2


def test_a_meeting_planned_for_a_weekday_is_the_coming_one() -> None:
    reading = read("Putin will meet Xi on Sunday in Lima.", date(2016, 11, 19))

    [plan] = reading.meetings
    assert (plan.modality, plan.day) == (Modality.PLANNED, PartialDate(date(2016, 11, 20)))


def test_contacts_of_a_pair_on_two_days_are_two_claims() -> None:
    reading = read(
        "Xi Jinping and Justin Trudeau had a short chat in Bali on Tuesday.\n"
        "On Wednesday the two leaders spoke briefly again, about Ukraine.",
        date(2022, 11, 17),
    )

    assert [(m.day, m.topics) for m in reading.meetings] == [
        (PartialDate(date(2022, 11, 15)), []),
        (PartialDate(date(2022, 11, 16)), ["ukraine"]),
    ]


def test_a_last_meeting_still_to_come_is_no_recalled_meeting() -> None:
    reading = read(
        "Abe and Putin met in Lima on Saturday, the last time they will meet before Putin visits "
        "Japan.",
        date(2016, 11, 20),
    )

    [meeting] = reading.meetings
    assert (reading.history, meeting.day) == ([], PartialDate(date(2016, 11, 19)))


@pytest.mark.parametrize(
    ("words", "format_"),
    [
        ("talked for about three minutes", MeetingFormat.BRIEF_CONTACT),
        ("talked for half an hour", MeetingFormat.BILATERAL_RESTRICTED),
        ("talked for two and a half hours", MeetingFormat.BILATERAL_RESTRICTED),
        ("поговорили около получаса", MeetingFormat.BILATERAL_RESTRICTED),
    ],
)
def test_how_long_they_talked_makes_the_format(words: str, format_: MeetingFormat) -> None:
    [meeting] = read(f"Putin and Obama {words} in Lima.", date(2016, 11, 20)).meetings

    assert meeting.format == format_


def test_a_clause_about_another_kind_of_contact_is_its_own_claim() -> None:
    reading = read(
        "Sarah Sanders said Trump and Putin chatted briefly at the dinner in Buenos Aires, after "
        "Trump called off their formal meeting.",
        date(2018, 12, 1),
    )

    assert [(m.format, m.modality, [c.id for c in m.confirmers]) for m in reading.meetings] == [
        (MeetingFormat.MEAL_CONVERSATION, Modality.HELD, ["sanders"]),
        (MeetingFormat.BILATERAL_RESTRICTED, Modality.CANCELLED, ["sanders"]),
    ]


@pytest.mark.parametrize(
    ("report", "speakers"),
    [
        (
            "Obama and Erdogan met in Antalya. Erdogan's office said the two leaders discussed "
            "terrorism.",
            [],
        ),
        (
            "Obama and Putin met in Antalya. With them at the talk were their aides Yuri Ushakov "
            "and Susan Rice, said Dmitry Peskov.",
            ["peskov"],
        ),
    ],
)
def test_who_speaks_for_a_side(report: str, speakers: list[str]) -> None:
    reading = read(report, date(2015, 11, 15))

    assert [c.id for m in reading.meetings for c in m.confirmers] == speakers


def test_a_meeting_not_held_for_a_reason_was_called_off() -> None:
    [meeting] = read(
        "Putin said he and Trump had not held a full meeting in Da Nang because of protocol "
        "problems.",
        date(2017, 11, 11),
    ).meetings

    assert (meeting.format, meeting.modality) == (
        MeetingFormat.BILATERAL_RESTRICTED,
        Modality.CANCELLED,
    )


def test_he_said_is_the_one_who_spoke_last() -> None:
    reading = read(
        "Putin and Obama met in Antalya, Peskov told reporters.\n"
        '"They discussed Syria at length," he added.',
        date(2015, 11, 15),
    )

    [meeting] = reading.meetings
    assert ([c.id for c in meeting.confirmers], meeting.topics) == (["peskov"], ["syria"])


def test_po_ego_slovam_is_the_one_who_spoke_last() -> None:
    reading = read(
        "Путин и Обама провели встречу в Анталье, сообщил Юрий Ушаков.\n"
        "По его словам, лидеры обсудили Сирию.",
        date(2015, 11, 15),
    )

    [meeting] = reading.meetings
    assert ([c.id for c in meeting.confirmers], meeting.topics) == (["ushakov"], ["syria"])


def test_a_courtesy_call_is_its_own_format() -> None:
    [meeting] = read(
        "Abe paid a courtesy call on Putin in Lima on Saturday.", date(2016, 11, 20)
    ).meetings

    assert (meeting.format, meeting.day) == (
        MeetingFormat.COURTESY_CALL,
        PartialDate(date(2016, 11, 19)),
    )


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("19.11.2016", date(2016, 11, 19)),
        ("позавчера", date(2016, 11, 19)),
        ("накануне", date(2016, 11, 20)),
    ],
)
def test_numeric_and_relative_days_in_russian(words: str, day: date) -> None:
    [meeting] = read(f"Путин и Абэ {words} провели переговоры в Лиме.", date(2016, 11, 21)).meetings

    assert meeting.day == PartialDate(day)


def test_an_unnamed_contact_whose_fate_is_told_is_the_pairs() -> None:
    reading = read(
        "Trump and Putin chatted briefly in Da Nang on Saturday, but a sit-down meeting never "
        "materialised.\nYuri Ushakov blamed the American side for the failure to agree on a time.",
        date(2017, 11, 12),
    )

    assert [(m.format, m.modality, [c.id for c in m.confirmers]) for m in reading.meetings] == [
        (MeetingFormat.BRIEF_CONTACT, Modality.HELD, []),
        (MeetingFormat.BILATERAL_RESTRICTED, Modality.CANCELLED, ["ushakov"]),
    ]


@pytest.mark.parametrize(
    ("report", "speakers"),
    [
        (
            "Obama and Putin huddled in Antalya. Peskov, the Kremlin's spokesman, confirmed it.",
            ["peskov"],
        ),
        ("Peskov called the talk between Putin and Obama in Antalya useful.", ["peskov"]),
        ("Obama and Putin met in Antalya. Putin called for a transition in Syria.", []),
    ],
)
def test_verbs_of_a_sides_word(report: str, speakers: list[str]) -> None:
    [meeting] = read(report, date(2015, 11, 15)).meetings

    assert [c.id for c in meeting.confirmers] == speakers


@pytest.mark.parametrize(
    ("report", "speakers"),
    [
        ("Песков: Путин и Обама поговорили в Лиме.", ["peskov"]),
        ("Путин и Обама поговорили в Лиме, сообщила пресс-служба Кремля.", ["kremlin"]),
        (
            "Путин и Обама поговорили в Лиме, сообщила официальный представитель МИД России "
            "Мария Захарова.",
            ["zakharova"],
        ),
    ],
)
def test_who_speaks_in_russian(report: str, speakers: list[str]) -> None:
    [meeting] = read(report, date(2016, 11, 20)).meetings

    assert [c.id for c in meeting.confirmers] == speakers


def test_minutes_in_russian_words_make_a_brief_contact() -> None:
    [meeting] = read(
        "Путин и Обама поговорили в Лиме; разговор длился не более четырёх минут.",
        date(2016, 11, 20),
    ).meetings

    assert meeting.format == MeetingFormat.BRIEF_CONTACT


def test_a_meeting_called_off_is_not_the_contact_held() -> None:
    reading = read(
        "Putin and Trump greeted each other in Buenos Aires on Friday.\n"
        "That came a day after Trump cancelled their planned meeting.",
        date(2018, 12, 1),
    )

    assert [(m.format, m.modality) for m in reading.meetings] == [
        (MeetingFormat.BRIEF_CONTACT, Modality.HELD),
        (MeetingFormat.BILATERAL_RESTRICTED, Modality.CANCELLED),
    ]


def test_what_the_leaders_did_goes_to_the_contact_held_not_the_meeting_called_off() -> None:
    reading = read(
        "Путин и Трамп коротко пообщались в Дананге в субботу.\n"
        "Полноформатную встречу провести не удалось.\n"
        "Лидеры одобрили совместное заявление по Сирии.",
        date(2017, 11, 11),
    )

    assert [(m.format, m.modality, m.topics) for m in reading.meetings] == [
        (MeetingFormat.BRIEF_CONTACT, Modality.HELD, ["syria"]),
        (MeetingFormat.BILATERAL_RESTRICTED, Modality.CANCELLED, []),
    ]


def test_a_meeting_at_a_later_summit_is_that_summits() -> None:
    reading = read(
        "Trump and Putin met in Hamburg on Friday.\n"
        "Their next encounter could come at the APEC summit in November, officials said.",
        date(2017, 7, 10),
    )

    assert [(m.event, str(m.day), m.modality) for m in reading.meetings] == [
        ("g20-2017-hamburg", "2017-07-07", Modality.HELD),
        ("apec-2017-danang", "2017-11", Modality.POSSIBLE_NOT_PLANNED),
    ]


def test_earlier_in_the_day_is_the_day_of_the_saying() -> None:
    [meeting] = read(
        "Putin said on Monday that he and Obama had talked in Hangzhou earlier in the day.",
        date(2016, 9, 6),
    ).meetings

    assert meeting.day == PartialDate(date(2016, 9, 5))


def test_the_speaker_an_agency_cites_and_an_outlet_by_its_acronym() -> None:
    [meeting] = read(
        "Путин и Обама перекинулись парой фраз в Лиме, передает CBC со ссылкой на Дмитрия "
        "Пескова.\nПо его словам, Путин рассказал Обаме о Сирии.",
        date(2016, 11, 20),
    ).meetings

    assert (meeting.format, [c.id for c in meeting.confirmers], meeting.sources) == (
        MeetingFormat.BRIEF_CONTACT,
        ["peskov"],
        ["CBC"],
    )


def _benchmark() -> object:
    path = Path(__file__).parents[3] / "benchmarks" / "reports.py"
    spec = importlib.util.spec_from_file_location("report_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_benchmark"] = module
    spec.loader.exec_module(module)
    return module


def test_written_report_set_scores_at_least_the_targets() -> None:
    bench = _benchmark()
    cases = bench.load_cases()  # type: ignore[attr-defined]
    assert len(cases) >= 30
    assert len({c.id.split("-0")[0] for c in cases}) >= 7
    assert {c.language for c in cases} == {"en", "ru"}

    tally = bench.evaluate(cases, READER)  # type: ignore[attr-defined]

    for name in ("pair", "event", "day"):
        assert tally.scores(name)[2] >= 0.9, name
    for name in ("format", "modality", "confirmer", "sources", "topics"):
        assert tally.scores(name)[2] >= 0.8, name


def test_an_unnamed_spokesman_is_the_one_roster_holder_of_that_post() -> None:
    [meeting] = read(
        "Trump and Putin met in Osaka on Friday for about 80 minutes, the Kremlin spokesman "
        "told reporters.",
        date(2019, 6, 28),
    ).meetings

    assert [(c.id, c.role, c.side) for c in meeting.confirmers] == [
        ("peskov", "press secretary", "RUS")
    ]


def test_an_unnamed_staffer_of_a_side_with_several_holders_speaks_for_the_office() -> None:
    english = read(
        "Modi and Xi had a brief conversation in Johannesburg on Wednesday, a Chinese foreign "
        "ministry spokesperson said.",
        date(2023, 8, 24),
    ).meetings[0]
    russian = read(
        "Обама и Дутерте коротко пообщались во Вьентьяне в среду, сообщил официальный "
        "представитель Белого дома.",
        date(2016, 9, 8),
    ).meetings[0]

    assert [(c.id, c.side) for c in english.confirmers] == [("mfa-chn", "CHN")]
    assert [(c.id, c.side) for c in russian.confirmers] == [("white-house", "USA")]


def test_a_speaker_may_stand_an_adverbial_away_from_the_verb() -> None:
    [meeting] = read(
        "Путин провел переговоры с Обамой в Нью-Йорке 28 сентября. По итогам беседы Президент "
        "России в ответ на вопросы журналистов назвал разговор конструктивным.",
        date(2015, 9, 29),
    ).meetings

    assert [c.id for c in meeting.confirmers] == ["putin"]


def test_a_principal_meeting_several_partners_has_a_contact_with_each() -> None:
    reading = read(
        "Путин в Астане проведет встречи с председателем КНР Си Цзиньпином и президентом "
        "Турции Эрдоганом, сообщил Юрий Ушаков.\n"
        "Встреча с Си Цзиньпином намечена на 3 июля.",
        date(2024, 7, 2),
    )

    assert [(m.pair, str(m.day), m.modality) for m in reading.meetings] == [
        (("putin", "xi"), "2024-07-03", Modality.PLANNED),
        (("erdogan", "putin"), "None", Modality.PLANNED),
    ]
    assert all([c.id for c in m.confirmers] == ["ushakov"] for m in reading.meetings)


def test_a_plan_inside_a_possibility_is_only_possible() -> None:
    [meeting] = read(
        "В Кремле не исключили, что Путин встретится в Астане с Шахбазом Шарифом.",
        date(2024, 7, 2),
    ).meetings

    assert meeting.modality is Modality.POSSIBLE_NOT_PLANNED
    assert [(c.id, c.side) for c in meeting.confirmers] == [("kremlin", "RUS")]


def test_a_toast_is_a_contact_and_the_meeting_after_it_is_the_meeting() -> None:
    reading = read(
        "Obama and Putin met for about 90 minutes on Monday at the United Nations.\n"
        "Earlier, at a luncheon, the two leaders clinked glasses.\n"
        "A senior administration official described the meeting as business-like, with Syria "
        "on the agenda.",
        date(2015, 9, 29),
    )

    meeting, toast = reading.meetings
    assert (meeting.format, meeting.topics) == (MeetingFormat.BILATERAL_RESTRICTED, ["syria"])
    assert [c.id for c in meeting.confirmers] == ["white-house"]
    assert (toast.format, str(toast.day), toast.topics) == (
        MeetingFormat.BRIEF_CONTACT,
        "2015-09-28",
        [],
    )


def test_a_media_briefing_does_not_make_a_meeting_brief() -> None:
    [meeting] = read(
        "Modi and Xi held bilateral talks in Kazan on Wednesday.\n"
        "Foreign Secretary Vikram Misri told a media briefing that the two leaders endorsed "
        "the agreement.",
        date(2024, 10, 23),
    ).meetings

    assert meeting.format is MeetingFormat.BILATERAL_RESTRICTED
    assert [c.id for c in meeting.confirmers] == ["misri"]


@pytest.mark.parametrize(
    "text",
    [
        "Trump and Johnson had breakfast together in Biarritz on Sunday.",
        "Трамп и Джонсон позавтракали вместе в Биаррице в воскресенье.",
    ],
)
def test_a_meal_two_principals_shared_is_talk_at_the_meal(text: str) -> None:
    [meeting] = read(text, date(2019, 8, 26)).meetings

    assert (meeting.format, str(meeting.day)) == (MeetingFormat.MEAL_CONVERSATION, "2019-08-25")


def test_no_contacts_envisaged_is_a_meeting_not_planned_and_who_says_so() -> None:
    [meeting] = read(
        "No contacts between Overchuk and Biden are envisaged at the APEC summit, the Kremlin "
        "said.",
        date(2023, 11, 14),
    ).meetings

    assert (meeting.pair, meeting.event, meeting.modality) == (
        ("biden", "overchuk"),
        "apec-2023-san-francisco",
        Modality.POSSIBLE_NOT_PLANNED,
    )
    assert [c.id for c in meeting.confirmers] == ["kremlin"]


def test_who_denies_a_meeting_speaks_for_a_side() -> None:
    [meeting] = read(
        "Песков опроверг сообщения о встрече Путина и Байдена на Бали.", date(2022, 11, 15)
    ).meetings

    assert (meeting.modality, [c.id for c in meeting.confirmers]) == (Modality.DENIED, ["peskov"])


def test_a_name_inside_what_another_said_is_spoken_about() -> None:
    [meeting] = read(
        "Trump and Putin chatted briefly in Da Nang on Saturday.\n"
        "Trump told reporters aboard Air Force One that Putin had again denied meddling.",
        date(2017, 11, 11),
    ).meetings

    assert [c.id for c in meeting.confirmers] == ["trump"]


@pytest.mark.parametrize(
    ("text", "published", "confirmers"),
    [
        (
            "Путин и Моди провели переговоры в Казани во вторник, сообщил помощник президента "
            "России.",
            date(2024, 10, 22),
            [("ushakov", "RUS")],
        ),
        (
            "Obama and Putin met for 90 minutes in New York on Monday, a senior administration "
            "official said.",
            date(2015, 9, 29),
            [("white-house", "USA")],
        ),
        (
            "Putin and Xi met in Astana on Wednesday, the Kremlin's foreign policy aide told "
            "reporters.",
            date(2024, 7, 4),
            [("ushakov", "RUS")],
        ),
        (
            "Erdogan and Putin held talks in Astana on Wednesday, Turkey's presidency said.",
            date(2024, 7, 4),
            [("tur-presidency", "TUR")],
        ),
        (
            "Эрдоган и Путин провели переговоры в Астане в среду, сообщила администрация "
            "президента Турции.",
            date(2024, 7, 4),
            [("tur-presidency", "TUR")],
        ),
        (
            "Xi and Kishida met on Thursday in San Francisco, China's foreign ministry said.",
            date(2023, 11, 17),
            [("mfa-chn", "CHN")],
        ),
        (
            "Lavrov did not meet Biden in Bali, the Russian foreign ministry's spokeswoman said.",
            date(2022, 11, 16),
            [("zakharova", "RUS")],
        ),
        (
            "Xi and Biden met in Bali. Xi said the talks were candid, according to the Chinese "
            "Foreign Ministry, and urged the U.S. side to act.",
            date(2022, 11, 14),
            [("xi", "CHN"), ("mfa-chn", "CHN")],
        ),
    ],
)
def test_a_post_or_office_named_by_what_it_is_speaks_for_that_side(
    text: str, published: date, confirmers: list[tuple[str, str]]
) -> None:
    meeting = read(text, published).meetings[0]

    assert sorted((c.id, c.side) for c in meeting.confirmers) == sorted(confirmers)


def test_will_not_meet_denies_a_meeting_rather_than_plans_it() -> None:
    [meeting] = read(
        "Trump and Rouhani will not meet in New York during the General Assembly.",
        date(2018, 9, 24),
    ).meetings

    assert meeting.modality is Modality.DENIED


def test_a_post_with_no_side_is_the_holder_among_the_pairs_sides_on_the_reports_date() -> None:
    [meeting] = read(
        "China confirmed on Friday that Xi will travel to San Francisco and will hold talks "
        "with Biden, the foreign ministry's spokeswoman told a regular briefing.",
        date(2023, 11, 10),
    ).meetings

    assert [(c.id, c.side) for c in meeting.confirmers] == [("mao-ning", "CHN")]


def test_the_holder_of_a_post_is_the_one_who_held_it_then() -> None:
    earlier = read(
        "Obama and Putin met in Lima on Sunday, the White House press secretary said.",
        date(2016, 11, 20),
    ).meetings[0]
    later = read(
        "Trump and Putin met in Da Nang on Saturday, the White House press secretary said.",
        date(2017, 11, 11),
    ).meetings[0]

    assert [c.id for c in earlier.confirmers] == ["earnest"]
    assert [c.id for c in later.confirmers] == ["sanders"]


def test_a_speaker_before_a_participles_phrase_speaks() -> None:
    [meeting] = read(
        "Trump met Modi in Biarritz on Monday. Modi, sitting beside Trump, said all issues "
        "were bilateral.",
        date(2019, 8, 26),
    ).meetings

    assert [c.id for c in meeting.confirmers] == ["modi"]


def test_a_leaders_country_in_a_post_is_no_topic_of_the_talk() -> None:
    [meeting] = read(
        "Президент США Дональд Трамп заявил, что не планирует встречаться с иранским коллегой "
        "Хасаном Роухани в Нью-Йорке.",
        date(2018, 9, 23),
    ).meetings

    assert (meeting.modality, meeting.topics) == (Modality.POSSIBLE_NOT_PLANNED, [])


def test_a_meeting_that_never_took_place_is_no_recalled_meeting() -> None:
    reading = read(
        "Лула да Силва и Зеленский провели в среду в Нью-Йорке первую встречу.\n"
        "Их встреча на полях саммита G7 в мае так и не состоялась.",
        date(2023, 9, 20),
    )

    assert reading.history == []
    assert [m.modality for m in reading.meetings] == [Modality.HELD]


def test_a_recalled_summit_of_another_time_than_stated_is_not_named() -> None:
    reading = read(
        "Biden and Lula met in New York on Wednesday.\nThey had last met at a G7 summit in May.",
        date(2023, 9, 21),
    )

    assert [(h.pair, h.event) for h in reading.history] == [(("biden", "lula"), None)]


def test_a_working_breakfast_and_a_dinner_together_are_talk_at_the_meal() -> None:
    reading = read(
        "Abe and Trump agreed Wednesday in New York to start trade talks.\n"
        "The two leaders had also dined together at Trump Tower on Sunday evening.",
        date(2018, 9, 27),
    )

    assert [(m.format, str(m.day)) for m in reading.meetings] == [
        (MeetingFormat.BILATERAL_RESTRICTED, "2018-09-26"),
        (MeetingFormat.MEAL_CONVERSATION, "2018-09-23"),
    ]


def test_readers_built_for_each_report_share_the_compiled_roster() -> None:
    again = ReportReader(default_gazetteer())

    assert again._matcher.by_key["put"][0][2] is READER._matcher.by_key["put"][0][2]


@pytest.mark.parametrize(
    "text",
    [
        "The Russian and Chinese leaders held talks in Astana on Wednesday.",
        "Российский и китайский лидеры провели переговоры в Астане в среду.",
    ],
)
def test_adjectives_joined_before_one_plural_title_name_both_leaders(text: str) -> None:
    [meeting] = read(text, date(2024, 7, 4)).meetings

    assert (meeting.pair, str(meeting.day)) == (("putin", "xi"), "2024-07-03")


def test_a_summit_unnamed_in_a_preview_a_few_days_ahead_is_the_coming_one() -> None:
    [meeting] = read(
        "Ушаков не исключил, что Путин и Моди пообщаются на полях саммита.", date(2024, 10, 18)
    ).meetings

    assert (meeting.event, meeting.modality) == ("brics-2024-kazan", Modality.POSSIBLE_NOT_PLANNED)


# --- a weekday and a date that disagree, days after the report, times of day --------------------


LIMA_SUNDAY = date(2016, 11, 20)  # the APEC summit in Lima's second and last day


@pytest.mark.parametrize(
    ("text", "words", "day"),
    [
        ("Putin and Obama met in Lima on Saturday, November 20.", "Saturday, November 20", 20),
        ("Путин и Обама встретились в Лиме в пятницу, 19 ноября.", "пятницу, 19 ноября", 19),
    ],
)
def test_a_date_whose_weekday_is_written_wrong_is_proposed_with_a_note_and_less_confidence(
    text: str, words: str, day: int
) -> None:
    [agreeing] = read("Putin and Obama met in Lima on Saturday, November 19.", LIMA_SUNDAY).meetings
    [meeting] = read(text, LIMA_SUNDAY).meetings

    # The written date stands (a weekday is the word most often slipped), flagged for a person.
    assert meeting.day == PartialDate(date(2016, 11, day))
    assert [(n.kind, n.words) for n in meeting.notes] == [("weekday_conflict", words)]
    assert agreeing.notes == []
    assert meeting.confidence == pytest.approx(agreeing.confidence - 0.2)


@pytest.mark.parametrize(
    "text",
    [
        "Putin and Obama met in Lima on Saturday, November 26.",  # a Saturday, not the summit's
        "Putin and Obama met in Lima on November 25.",
        "Putin and Obama met on the sidelines in Lima on 21.11.2030.",
        "Путин и Обама встретились в Лиме 25 ноября.",
    ],
)
def test_a_written_date_that_is_none_of_the_summits_gives_no_day(text: str) -> None:
    [dated] = read("Putin and Obama met in Lima.", LIMA_SUNDAY).meetings
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (dated.day, meeting.day) == (PartialDate(LIMA_SUNDAY), None)
    assert meeting.confidence < dated.confidence


def test_a_date_the_contact_is_counted_from_is_not_its_day() -> None:
    [meeting] = read(
        "Putin and Obama met in Lima, their first talks since September 28, 2015.", LIMA_SUNDAY
    ).meetings

    assert meeting.day == PartialDate(LIMA_SUNDAY)


@pytest.mark.parametrize(
    ("text", "published", "day"),
    [
        ("Putin and Obama will meet in Lima tomorrow.", date(2016, 11, 18), date(2016, 11, 19)),
        ("Putin and Obama will meet in Lima tomorrow.", date(2016, 11, 25), None),
        ("Путин и Обама встретятся в Лиме завтра.", date(2016, 11, 19), date(2016, 11, 20)),
        ("Путин и Обама встретятся в Лиме завтра.", date(2016, 11, 25), None),
        ("Путин и Обама встретились в Лиме вчера.", date(2016, 11, 25), None),
    ],
)
def test_tomorrow_and_yesterday_count_from_the_report_and_must_be_a_summit_day(
    text: str, published: date, day: date | None
) -> None:
    [meeting] = read(text, published).meetings

    assert meeting.day == (None if day is None else PartialDate(day))
    assert meeting.confidence == pytest.approx(0.85 if day else 0.55)


@pytest.mark.parametrize(
    ("text", "time_of_day"),
    [
        ("Putin and Obama met in Lima on Saturday morning.", "morning"),
        ("Putin and Obama met at 15:00 on Saturday in Lima.", "15:00"),
        ("Putin and Obama met at 3 p.m. on Saturday in Lima.", "15:00"),
        ("Putin and Obama met in Lima at 9.30 on Saturday.", "09:30"),
        ("Путин и Обама встретились в субботу вечером в Лиме.", "evening"),
        ("Путин и Обама встретились в Лиме в 15:00 19.11.2016.", "15:00"),
        ("Putin and Obama met in Lima on Saturday.", None),
        ("Putin and Obama met in Lima on 19.11.2016 at the summit.", None),
    ],
)
def test_the_time_of_day_a_report_gives_is_proposed(text: str, time_of_day: str | None) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (meeting.day, meeting.time_of_day) == (PartialDate(date(2016, 11, 19)), time_of_day)


@pytest.mark.parametrize(
    ("text", "time_of_day"),
    [
        ("Putin and Obama met at 15:00 local time (20:00 GMT) in Lima on Saturday.", "15:00"),
        ("Putin and Obama met at 8 p.m. GMT (3 p.m. local time) in Lima on Saturday.", "15:00"),
        ("Путин и Обама встретились в субботу в 12:30 по местному времени.", "12:30"),
        ("Putin and Obama met in Lima on Saturday at noon.", "12:00"),
        ("Путин и Обама встретились в субботу в полдень.", "12:00"),
        ("Путин и Обама встретились в субботу в первой половине дня.", "morning"),
        ("Путин и Обама встретились в субботу во второй половине дня.", "afternoon"),
    ],
)
def test_a_local_time_or_noon_or_a_part_of_the_day_is_the_venues(
    text: str, time_of_day: str | None
) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (meeting.day, meeting.time_of_day) == (PartialDate(date(2016, 11, 19)), time_of_day)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Putin and Obama met on the 19th in Lima.", date(2016, 11, 19)),
        ("Putin and Obama met in Lima on the 19th of November.", date(2016, 11, 19)),
        ("Путин и Обама встретились в Лиме 19-го.", date(2016, 11, 19)),
        ("Putin and Obama met on the 3rd in Lima.", None),
        ("Путин и Обама встретились в Лиме 19-го числа.", date(2016, 11, 19)),
        ("Putin and Obama met in Lima on the 19th of December.", None),
    ],
)
def test_a_day_of_the_month_alone_is_the_summit_day_of_that_number(
    text: str, day: date | None
) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert meeting.day == (None if day is None else PartialDate(day))
    assert meeting.confidence == pytest.approx(0.85 if day else 0.55)


def test_a_count_of_meetings_is_no_day_of_the_month() -> None:
    [meeting] = read(
        "Abe and Putin met in Lima on Saturday, meeting for the 16th time.", LIMA_SUNDAY
    ).meetings

    assert meeting.day == PartialDate(date(2016, 11, 19))


@pytest.mark.parametrize(
    "text",
    [
        "Peskov told reporters on Sunday evening that Putin and Obama spoke briefly at the "
        "retreat.",
        "Putin and Obama spoke briefly at the retreat, Peskov said on Sunday evening.",
        "Песков вчера вечером рассказал, что Путин и Обама коротко поговорили на рабочей сессии.",
    ],
)
def test_the_time_of_day_a_saying_is_dated_is_not_the_contacts(text: str) -> None:
    [contact] = read(text, date(2016, 11, 21) if "вчера" in text else LIMA_SUNDAY).meetings

    assert (contact.day, contact.session, contact.time_of_day) == (
        PartialDate(LIMA_SUNDAY),
        "retreat-1",
        None,
    )


def test_the_same_pair_met_again_at_another_time_of_day_is_another_contact() -> None:
    reading = read(
        "Putin and Obama spoke briefly on Saturday morning. They met again in the evening for "
        "thirty minutes.",
        LIMA_SUNDAY,
    )

    assert [(m.format, m.day, m.time_of_day) for m in reading.meetings] == [
        (MeetingFormat.BRIEF_CONTACT, PartialDate(date(2016, 11, 19)), "morning"),
        (MeetingFormat.BILATERAL_RESTRICTED, PartialDate(date(2016, 11, 19)), "evening"),
    ]


def test_a_later_time_of_the_same_contact_stays_with_it() -> None:
    reading = read(
        "Putin and Obama met on Saturday morning. The talks began at 10:30 and lasted an hour.",
        LIMA_SUNDAY,
    )

    [meeting] = reading.meetings
    assert (meeting.day, meeting.time_of_day) == (PartialDate(date(2016, 11, 19)), "10:30")


@pytest.mark.parametrize(
    ("text", "format", "told_held"),
    [
        (
            "Путин и Обама переговорили в кулуарах саммита в Лиме.",
            MeetingFormat.BRIEF_CONTACT,
            True,
        ),
        ("Путин и Обама провели переговоры в Лиме.", MeetingFormat.BILATERAL_RESTRICTED, True),
        ("Putin and Obama bumped into each other in Lima.", MeetingFormat.BRIEF_CONTACT, True),
        ("Putin and Obama ran into each other in a corridor.", MeetingFormat.BRIEF_CONTACT, True),
        # A plan may run into trouble: no word that it was held.
        (
            "Putin and Obama talks ran into trouble in Lima.",
            MeetingFormat.BILATERAL_RESTRICTED,
            False,
        ),
    ],
)
def test_having_a_word_is_a_brief_contact_and_talks_a_meeting(
    text: str, format: MeetingFormat, told_held: bool
) -> None:
    [contact] = read(text, LIMA_SUNDAY).meetings

    assert (contact.format, contact.modality, contact.confidence) == (
        format,
        Modality.HELD,
        pytest.approx(0.75 if told_held else 0.6),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Putin and Obama met at 10:00 and again at 16:30 on Saturday in Lima.",
        "Putin and Obama met on Saturday at 10:00, and then again at 16:30.",
        "Путин и Обама встретились в субботу в 10:00 и еще раз в 16:30.",
    ],
)
def test_two_times_of_one_pair_in_one_sentence_are_two_contacts(text: str) -> None:
    reading = read(text, LIMA_SUNDAY)

    assert [(m.pair, m.day, m.time_of_day) for m in reading.meetings] == [
        (("obama", "putin"), PartialDate(date(2016, 11, 19)), "10:00"),
        (("obama", "putin"), PartialDate(date(2016, 11, 19)), "16:30"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Putin and Obama met on Saturday, the talks began at 10:00 and ended at 11:30.",
        "Putin and Obama met on Saturday from 10:00 to 11:30.",
        "Putin and Obama met on Saturday at 10:00 and again at 10:30.",
    ],
)
def test_the_start_and_end_of_one_contact_are_one_contact(text: str) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert meeting.time_of_day == "10:00"


@pytest.mark.parametrize(
    ("text", "time_of_day", "words"),
    [
        ("Putin and Obama met on Saturday at 20:00 GMT in Lima.", "15:00", "20:00 GMT"),
        ("Putin and Obama met on Saturday at 3 p.m. EST in Lima.", "15:00", "3 p.m. EST"),
        ("Путин и Обама встретились в субботу в 22:30 мск в Лиме.", "14:30", "22:30 мск"),
        (
            "Путин и Обама встретились в субботу в 22:30 по московскому времени.",
            "14:30",
            "22:30 по московскому времени",
        ),
    ],
)
def test_a_time_in_another_zone_is_converted_to_the_venues_and_noted(
    text: str, time_of_day: str, words: str
) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (meeting.day, meeting.time_of_day) == (PartialDate(date(2016, 11, 19)), time_of_day)
    assert [(n.kind, n.words) for n in meeting.notes] == [("time_converted", words)]


def test_a_time_in_another_zone_beside_the_local_one_is_the_local_one_unnoted() -> None:
    [meeting] = read(
        "Putin and Obama met at 15:00 local time (20:00 GMT) in Lima on Saturday.", LIMA_SUNDAY
    ).meetings

    assert (meeting.time_of_day, meeting.notes) == ("15:00", [])


@pytest.mark.parametrize(
    "text",
    [
        "Putin and Obama spoke by phone on Saturday, the Kremlin said in a readout of the call.",
        "Putin and Obama talked on the phone on Saturday.",
        "The two presidents held a telephone conversation on Saturday, the White House said.",
        "Путин и Обама провели телефонный разговор в субботу, сообщила пресс-служба Кремля.",
        "Путин провел телефонный разговор с Обамой.",
        "Путин и Обама поговорили по телефону в субботу.",
    ],
)
def test_a_phone_call_is_no_meeting_at_the_summit(text: str) -> None:
    assert read(text, LIMA_SUNDAY).meetings == []


@pytest.mark.parametrize(
    "text",
    [
        "Obama called Putin on Saturday to discuss Syria.",
        "Obama called his Russian counterpart on Saturday to discuss Syria.",
        "Obama phoned Putin on Saturday to discuss Syria.",
        "Putin and Obama discussed Syria in a call on Saturday.",
        "Putin and Obama had a call on Saturday to discuss Syria.",
        "Путин позвонил Обаме в субботу, чтобы обсудить Сирию.",
        "Путин и Обама обсудили Сирию в ходе телефонного звонка в субботу.",
    ],
)
def test_a_call_to_a_person_is_no_meeting_at_the_summit(text: str) -> None:
    assert read(text, LIMA_SUNDAY).meetings == []


@pytest.mark.parametrize(
    "text",
    [
        "Peskov called Putin's talk with Obama in Lima on Saturday useful.",
        "Obama and Putin met in Lima on Saturday. Putin called for a transition in Syria.",
        "Abe paid a courtesy call on Putin in Lima on Saturday.",
    ],
)
def test_called_with_no_person_called_is_no_call(text: str) -> None:
    assert len(read(text, LIMA_SUNDAY).meetings) == 1


@pytest.mark.parametrize(
    "text",
    [
        "«Президенты коротко пообщались», — сказал Песков. Речь идет о Путине и Обаме.",
        '"The two presidents spoke briefly," Peskov said, referring to Putin and Obama.',
        '"The two presidents spoke briefly," Peskov said. He was referring to Putin and Obama.',
    ],
)
def test_a_pair_named_after_the_contact_is_the_contacts_pair(text: str) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (meeting.pair, meeting.format, meeting.modality) == (
        ("obama", "putin"),
        MeetingFormat.BRIEF_CONTACT,
        Modality.HELD,
    )
    assert [c.id for c in meeting.confirmers] == ["peskov"]


def test_a_phone_call_then_a_meeting_gives_the_meeting_alone() -> None:
    reading = read(
        "Putin and Obama spoke by phone on Friday, the White House said. They met in Lima on "
        "Saturday, the Kremlin said.",
        LIMA_SUNDAY,
    )

    [meeting] = reading.meetings
    assert (meeting.pair, meeting.modality, meeting.day) == (
        ("obama", "putin"),
        Modality.HELD,
        PartialDate(date(2016, 11, 19)),
    )
    assert [c.id for c in meeting.confirmers] == ["kremlin"]


@pytest.mark.parametrize(
    "text",
    [
        "Песков: встречи Путина и Обамы в Лиме не было.",
        "Встречи Путина и Обамы в Лиме не было, сказал Песков.",
        "Переговоров Путина и Обамы на саммите не было, заявил Песков.",
    ],
)
def test_a_meeting_said_not_to_have_been_is_denied(text: str) -> None:
    [meeting] = read(text, LIMA_SUNDAY).meetings

    assert (meeting.pair, meeting.modality) == (("obama", "putin"), Modality.DENIED)


@pytest.mark.parametrize(
    "text",
    [
        "Putin held talks with Abe on Saturday; Obama met Xi on Saturday.",
        "Obama met Xi on Saturday, while Putin met Abe.",
        "On Saturday Obama met Xi and Putin met Abe.",
        "Obama met Xi, and Putin met Abe on Saturday.",
    ],
)
def test_two_pairs_meeting_in_one_sentence_are_two_contacts(text: str) -> None:
    reading = read(text, LIMA_SUNDAY)

    assert sorted((m.pair, m.day) for m in reading.meetings) == [
        (("abe", "putin"), PartialDate(date(2016, 11, 19))),
        (("obama", "xi"), PartialDate(date(2016, 11, 19))),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "В субботу Путин встретился с Абэ, а Обама — с Си Цзиньпином.",
        "В субботу Путин встретился с Абэ, а Обама - с Си Цзиньпином.",
        "On Saturday Putin met Abe, and Obama, Xi.",
        "On Saturday Putin met Abe and Obama with Xi.",
    ],
)
def test_a_clause_without_its_verb_takes_the_verb_before(text: str) -> None:
    reading = read(text, LIMA_SUNDAY)

    assert sorted((m.pair, m.day, m.modality) for m in reading.meetings) == [
        (("abe", "putin"), PartialDate(date(2016, 11, 19)), Modality.HELD),
        (("obama", "xi"), PartialDate(date(2016, 11, 19)), Modality.HELD),
    ]


def test_a_clause_of_two_names_with_a_verb_of_no_contact_takes_no_verb_before() -> None:
    reading = read(
        "On Saturday Putin met Abe, and Obama and Xi were seen in the hall.", LIMA_SUNDAY
    )

    assert [m.pair for m in reading.meetings] == [("abe", "putin")]


def test_a_pair_without_a_day_after_a_pair_with_one_takes_that_day_less_surely() -> None:
    reading = read("Obama met Xi on Saturday. Putin met Abe.", LIMA_SUNDAY)

    first, second = reading.meetings
    assert (second.pair, second.day) == (("abe", "putin"), PartialDate(date(2016, 11, 19)))
    assert second.confidence < first.confidence


@pytest.mark.parametrize(
    "text",
    [
        "Obama met Xi on Saturday.\nPutin met Abe.",  # another paragraph: another account
        "Obama met Xi on Saturday. Putin will meet Abe.",  # a plan is no part of that day's
    ],
)
def test_a_pair_without_a_day_outside_the_account_of_a_day_takes_not_that_day(text: str) -> None:
    reading = read(text, LIMA_SUNDAY)

    [day] = [m.day for m in reading.meetings if m.pair == ("abe", "putin")]
    assert day != PartialDate(date(2016, 11, 19))


def test_a_pair_of_each_clause_keeps_its_own_day_and_kind() -> None:
    reading = read(
        "On Saturday, Obama met Xi, and Putin met Abe; on Sunday, Obama spoke briefly with Putin.",
        LIMA_SUNDAY,
    )

    assert sorted((m.pair, m.format, m.day) for m in reading.meetings) == [
        (("abe", "putin"), MeetingFormat.BILATERAL_RESTRICTED, PartialDate(date(2016, 11, 19))),
        (("obama", "putin"), MeetingFormat.BRIEF_CONTACT, PartialDate(date(2016, 11, 20))),
        (("obama", "xi"), MeetingFormat.BILATERAL_RESTRICTED, PartialDate(date(2016, 11, 19))),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "There was no meeting between Putin and Obama, Peskov said, but they exchanged a few "
        "words.",
        "Встречи Путина и Обамы не было, но они коротко пообщались, сказал Песков.",
    ],
)
def test_no_meeting_but_a_few_words_is_a_meeting_denied_and_a_contact_held(text: str) -> None:
    reading = read(text, LIMA_SUNDAY)

    assert [(m.pair, m.format, m.modality) for m in reading.meetings] == [
        (("obama", "putin"), MeetingFormat.BILATERAL_RESTRICTED, Modality.DENIED),
        (("obama", "putin"), MeetingFormat.BRIEF_CONTACT, Modality.HELD),
    ]


@pytest.mark.parametrize(
    ("text", "source", "sources"),
    [
        ("LIMA, Nov 20 (Reuters) - Putin and Abe held talks on Saturday.", "Vesti", ["Reuters"]),
        ("LIMA, Nov 20 (Reuters) - Putin and Abe held talks on Saturday.", "Reuters", []),
        (
            "ЛИМА, 20 ноя — РИА Новости. Путин и Абэ провели переговоры в субботу.",
            "Вести",
            ["RIA Novosti"],
        ),
    ],
)
def test_the_agency_of_a_wire_dateline_is_a_source_unless_it_published_the_report(
    text: str, source: str, sources: list[str]
) -> None:
    [meeting] = read(text, LIMA_SUNDAY, source).meetings

    assert meeting.sources == sources


def test_a_principal_of_the_next_clause_is_no_partner_of_the_first() -> None:
    reading = read("В субботу Путин встретился с Абэ, а Обама — с Си Цзиньпином.", LIMA_SUNDAY)

    assert ("obama", "putin") not in [m.pair for m in reading.meetings]
    assert ("putin", "xi") not in [m.pair for m in reading.meetings]
    assert reading.meetings[0].pair == ("abe", "putin")


class _CountedOffset(int):
    """An offset into a report that counts how often it is compared: the work of assigning
    names to sentences, which wall time on a shared machine measures badly."""

    compared = 0

    def __lt__(self, other: object) -> bool:
        _CountedOffset.compared += 1
        return int(self) < other  # type: ignore[operator]

    def __le__(self, other: object) -> bool:
        _CountedOffset.compared += 1
        return int(self) <= other  # type: ignore[operator]

    def __gt__(self, other: object) -> bool:
        _CountedOffset.compared += 1
        return int(self) > other  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        _CountedOffset.compared += 1
        return int(self) >= other  # type: ignore[operator]


def _comparisons_to_assign_names(sentence_count: int) -> int:
    found = [Sentence(i * 10, i * 10 + 9, i, "Putin met.") for i in range(sentence_count)]
    mentions = [
        Mention("person", "putin", _CountedOffset(i * 10), _CountedOffset(i * 10 + 5))
        for i in range(sentence_count)
    ]
    _CountedOffset.compared = 0
    by_sentence = reader_module._by_sentence(found, mentions)
    assert [[m.start for m in ms] for ms in by_sentence] == [
        [i * 10] for i in range(sentence_count)
    ]
    return _CountedOffset.compared


def test_assigning_names_to_sentences_grows_no_faster_than_n_log_n() -> None:
    small, large = _comparisons_to_assign_names(500), _comparisons_to_assign_names(4000)

    # Eight times the report: at most about eight times the work and a log's growth, not
    # sixty-four times.
    assert large <= 8 * small * 1.5


def test_names_go_to_the_sentence_they_stand_in_in_a_long_report() -> None:
    sentence = "Putin met Obama in Lima on Saturday. Peskov confirmed it. The sun shone. "
    reading = read(sentence * 50, LIMA_SUNDAY)

    [meeting] = reading.meetings
    assert meeting.pair == ("obama", "putin")
    assert [c.id for c in meeting.confirmers] == ["peskov"]
