"""The words that carry a report's meaning, in English and Russian.

Each cue is a general pattern of news language (a verb of meeting, a word of cancelling, an
attribution), never a phrase of a particular story. Russian stems end in ``\\w*`` so that one
pattern covers the forms of a word.
"""

from __future__ import annotations

import re


def _cue(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


# A leader named by office and party: "the Russian President", "президент России", "his U.S.
# counterpart".
TITLE = _cue(
    "presidents?",
    "prime ministers?",
    "premier",
    "chancellor",
    "leaders?",
    "heads? of state",
    "counterparts?",
    "президент\\w*",
    "председател\\w*",
    "премьер\\w*",
    "канцлер\\w*",
    "лидер\\w*",
    "глав\\w*",
    "коллег\\w*",
    "хозя\\w*",
)
# A title right after one of these names someone's staff, not the leader: "press secretary of
# the President of Russia", "помощник президента России".
STAFF_BEFORE = re.compile(
    r"(?:secretary|adviser|advisor|aide|spokes\w*|assistant|office|administration|staff|"
    r"пресс-секретар\w*|помощник\w*|советник\w*|администраци\w*|представител\w*|аппарат\w*|"
    r"пресс-служб\w*)\W+(?:(?:of|to|the|for)\W+){0,3}(?:\w+\W+)?$",
    re.IGNORECASE,
)
# A side's staff by post, named or not: "the Kremlin spokesman", "помощник президента России".
STAFF_ROLE = _cue(
    # A side's office by what it is, not by its name: "Turkey's presidency", "China's foreign
    # ministry", "администрация президента Турции" -- the side's own office speaks.
    "presidency",
    "presidential office",
    "администраци\\w* президента",
    "офис\\w* президента",
    "foreign ministry",
    "ministry of (?:external|foreign) affairs",
    "МИД",
    "пресс-секретар\\w*",
    "официальн\\w* представител\\w*",
    "представител\\w*",
    "помощник\\w*",
    "spokes(?:man|woman|person)",
    "press secretary",
    "aide",
)
FOREIGN_MINISTRY = _cue(
    "foreign ministry",
    "ministry of (?:external|foreign) affairs",
    "external affairs ministry",
    "МИД\\w*",
    "министерств\\w* иностранных дел",
    "внешнеполитическ\\w* ведомств\\w*",
)
CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


def post_roles(staff: str) -> tuple[str, ...]:
    """The roster roles a staff word names: a spokesman is a press secretary or a spokesman,
    an aide an aide."""
    if re.match(r"(?:помощник|aide)", staff, re.IGNORECASE):
        return ("aide",)
    if OFFICE_WORD.fullmatch(staff):
        return ()  # an office, no one in it
    return ("spokes", "press secretary")


def same_gender(staff: str, role: str) -> bool:
    """Whether a staff word and a roster role agree where both say a gender: a spokeswoman is
    no spokesman."""
    for word in ("spokeswoman", "spokesman"):
        if staff.lower() == word:
            return word in role
    return False


OFFICE_WORD = re.compile(
    r"presidency|presidential office|администраци\w* президента|офис\w* президента|"
    r"foreign ministry|ministry of (?:external|foreign) affairs|МИД",
    re.IGNORECASE,
)


# An office's own voice: "пресс-служба Кремля сообщила", "the Kremlin press office said".
PRESS_SERVICE = re.compile(r"(?:пресс-служб\w*|press (?:service|office))\W+$", re.IGNORECASE)
# Both of the last-named pair: "the two presidents", "оба лидера".
PAIR_ANAPHOR = _cue(
    "the two (?:presidents|leaders|heads of state|men)",
    "both (?:presidents|leaders|men)",
    "the (?:presidents|leaders)",
    "they",
    "their",
    "them",
    "the pair",
    "(?:два|двух|оба|обоих|обоими) (?:президент|лидер|глав|государств)\\w*",
    "президенты",
    "президентов",
    "президентами",
    "лидеры",
    "лидеров",
    "лидерами",
    "главы государств",
    "главами государств",
    "они",
    "стороны",
    "сторон",
)

# "Переговоры" (talks) and its forms, not the verb "переговорить" (to have a word).
_TALKS_RU = "переговор(?!и|ят)\\w*"

MEETING = _cue(
    "met",
    "meet\\w*",
    "talks?",
    "talked",
    "talking",
    "spoke",
    "spoken",
    "speak\\w*",
    "conversations?",
    "chat\\w*",
    "greet\\w*",
    "handshakes?",
    "shook hands",
    "exchanged",
    "exchange",
    "encounters?",
    "contacts?",
    "bilaterals?",
    "pull-asides?",
    "pulled .{0,20}aside",
    "courtesy (?:call|visit)",
    "визит\\w* вежливости",
    "huddl\\w*",
    "bumped into|ran into each other",
    "sat down",
    "sit(?:ting|s)? down",
    "confer(?:red|ring)",
    "discuss\\w*",
    "встреч\\w*",
    "встрет\\w*",
    "встречал\\w*",
    "переговор\\w*",
    "бесед\\w*",
    "побеседова\\w*",
    "поговори\\w*",
    "разговор\\w*",
    "пообща\\w*",
    "общени\\w*",
    "общались",
    "говорили",
    "поприветствова\\w*",
    "рукопожат\\w*",
    "пожали",
    "обменял\\w*",
    "перекинул\\w*",
    "контакт\\w*",
    # Two principals raising glasses together: "clinked glasses", "toasted", "чокнулись".
    "clink\\w* (?:their )?glasses",
    "toast\\w*",
    "чокнул\\w*",
    "обсуди\\w*",
    "обсужда\\w*",
    # Two principals at a meal together: "agreed over dinner", "во время ужина".
    "(?:over|during|at) (?:a |an |the |their )?(?:[\\w-]+ ){0,2}(?:dinner|lunch|breakfast)",
    "(?:за|во время) (?:\\w+ ){0,2}(?:ужин|обед|завтрак)\\w*",
    # "had breakfast together", "dined", "поужинали": a meal two principals shared.
    "dined",
    "lunched",
    "had (?:a |an )?(?:[\\w-]+ )?(?:breakfast|lunch|dinner) (?:together|with)",
    "(?:breakfast|lunch|dinner) (?:meeting )?with",
    "позавтракал\\w*",
    "пообедал\\w*",
    "поужинал\\w*",
)
# A call on the telephone, which is no contact at a summit: "spoke by phone", "a phone call",
# "телефонный разговор", "по телефону", "созвонились"; with the verb it goes with, so that the
# words left show whether the sentence tells of a meeting too.
CALL = _cue(
    "(?:(?:spoke|spoken|speak\\w*|talk\\w*|chatted|conferred) )?(?:by|on the|over the) "
    "(?:tele)?phone",
    "(?:(?:held|had|hold\\w*|have|has) )?(?:a |an |the |their )?(?:[\\w-]+ )?(?:tele)?phone "
    "(?:call|conversation|talk|discussion)s?",
    "(?:tele)?phoned",
    # "discussed Syria in a call", "had a call": a call a courtesy call is not.
    "(?:in|during|on|over|had|held|hold\\w*|have|has) (?:a|an|the|their) (?!courtesy )"
    "(?:[\\w-]+ )?calls?(?! for| on)",
    "позвони\\w*",
    "(?:телефонн\\w* )?звон(?:ок|ка|ке|ком|ки|ков)",
    "(?:(?:провел\\w*|провели|состоял\\w*) )?телефонн\\w* (?:разговор|переговор|бесед|контакт)\\w*",
    "(?:(?:\\w*говорил\\w*|\\w*беседова\\w*|\\w*общал\\w*) )?по телефону",
    "созвонил\\w*",
)
# A meal shared is talk at the meal ("had breakfast together", "пообедали вместе").
MEAL_TOGETHER = _cue(
    "had (?:a |an )?(?:[\\w-]+ )?(?:breakfast|lunch|dinner) (?:together|with)",
    "sat down (?:to|for) (?:a |an |their )?(?:[\\w-]+ )?(?:breakfast|lunch|dinner)",
    "(?:dined|lunched|breakfasted)",
    "ужинали вместе",
    "обедали вместе",
    "(?:breakfast|lunch|dinner) (?:meeting )?with",
    "позавтракал\\w*",
    "пообедал\\w*",
    "поужинал\\w*",
)

# The noun news language gives a formal meeting ("the meeting", "the talks", "переговоры").
MEETING_NOUN = _cue(
    "the (?:meeting|talks)",
    _TALKS_RU,
    "встреч(?:а|и|е|у|ей)",
)

# --- formats ---------------------------------------------------------------------------------

# Talk (not a handshake) is what makes a contact at a meal a meal conversation.
TALK = _cue(
    "over (?:a |an |the |their )?(?:[\\w-]+ ){0,2}(?:dinner|lunch|breakfast)",
    "за (?:\\w+ ){0,2}(?:ужином|обедом|завтраком)",
    "talk\\w*",
    "spoke",
    "speak\\w*",
    "conversations?",
    "chat\\w*",
    "discuss\\w*",
    "exchange",
    "бесед\\w*",
    "поговори\\w*",
    "разговор\\w*",
    "разговарива\\w*",
    "пообща\\w*",
    "общались",
    "обсуди\\w*",
)
MEAL = _cue(
    "dinner",
    "lunch",
    "breakfast",
    "banquet",
    "ужин\\w*",
    "обед\\w*",
    "завтрак\\w*",
    "банкет\\w*",
)
PULL_ASIDE = _cue(
    "pull-asides?",
    "pull aside",
    "pulled .{0,20}aside",
    "отв[её]л\\w* в сторону",
    "отошли в сторону",
)
BRIEF = _cue(
    # "brief", "briefly", not "briefing" or "briefed": a briefing is how a side speaks.
    "brief(?:ly|er|est)?",
    "short",
    "shortly(?! (?:after|before|afterwards|thereafter))",
    "quick\\w*",
    "informal\\w*",
    "few words",
    "few minutes",
    "exchanged (?:remarks|words|a few words|pleasantries|greetings)",
    "chat\\w*",
    "greet\\w*",
    "handshakes?",
    "shook hands",
    "bumped into|ran into each other",
    "on their feet",
    "standing",
    "кратк\\w*",
    "коротк\\w*",
    # "переговорили": had a word; not "переговоры", talks.
    "переговори\\w*",
    "переговорят",
    "неформальн\\w*",
    "на ногах",
    "на ходу",
    "накоротке",
    "мимол[её]тн\\w*",
    "поприветствова\\w*",
    "рукопожат\\w*",
    "пожали",
    "пообща\\w*",
    "перекинул\\w*",
    "пар\\w* слов",
    "clink\\w* (?:their )?glasses",
    "toast\\w*",
    "чокнул\\w*",
    "нескольк\\w* минут",
    "парой фраз",
    "обменял\\w* репликами",
)
FORMAL = _cue(
    "bilaterals?",
    "talks",
    "full-fledged",
    "full-scale",
    "formal",
    "separate (?:[\\w-]+ ){0,2}(?:meeting|talks)",
    "sit-down",
    "one-on-one",
    "courtesy",
    "вежливости",
    "(?:full|proper|real|substantive|separate|standalone|stand-alone) (?:[\\w-]+ )?meeting",
    _TALKS_RU,
    "двусторонн\\w*",
    "полноформатн\\w*",
    "полноценн\\w*",
    "отдельн\\w*",
    "официальн\\w*",
    "формальн\\w*",
)
COURTESY = _cue(
    "courtesy (?:call|visit|meeting)",
    "визит\\w* вежливости",
    "протокольн\\w* (?:визит|встреч)\\w*",
)
EXPANDED = _cue(
    "expanded (?:format|session)",
    "with (?:their |the )?delegations",
    "в расширенном (?:составе|формате)",
)

# --- modality --------------------------------------------------------------------------------

CANCELLED = _cue(
    "cancel\\w*",
    # Put off to another time is not held at this summit.
    "postpon\\w*",
    "put off",
    "перенес[её]н\\w*",
    "перенесл\\w*",
    "отложен\\w*",
    "отложил\\w*",
    "called off",
    "call off",
    "calling off",
    "scrapped",
    "scrap",
    "never materiali[sz]ed",
    "(?:did not|didn't|failed to) materiali[sz]e",
    "fell through",
    "сорвал\\w*",
    "(?:will|would) not take place",
    "won't take place",
    "отмен\\w*",
    "не состоится",
    "не состоялась",
    "не состоялись",
    "не состоялся",
)
DENIED = _cue(
    "deni\\w*",
    "deny",
    "dismissed",
    "refuted",
    "опроверг\\w*",
    "отрица\\w*",
)
# A meeting said not to have happened: "did not meet", "there was no formal meeting".
NEGATED = _cue(
    "did not (?:meet|hold|have)",
    "didn't (?:meet|hold|have)",
    "(?:had|have|has) not (?:met|held|had)",
    "never (?:met|held)",
    "no (?:[\\w-]+ ){0,2}(?:meeting|talks)",
    "(?:will|would) not (?:meet|hold|sit down)",
    "won't (?:meet|hold|sit down)",
    "не встретятся",
    "не встретится",
    "не встречал\\w*",
    "не провел\\w*",
    "не было (?:\\w+ ){0,2}встреч\\w*",
    # "Встречи Путина и Обамы в Лиме не было", "переговоров на саммите не было".
    "(?:встреч|переговор|бесед|разговор|контакт)\\w* (?:[\\w-]+ ){0,6}?не было",
    "без (?:\\w+ ){0,2}встреч\\w*",
)
# A meeting sought that did not come about: "failed to agree a time", "не удалось согласовать".
FAILED = _cue(
    "fail\\w* to (?:meet|agree|arrange|find)",
    "could not (?:be )?(?:arrange|agree|fit|find)\\w*",
    "не удалось",
    "не смогли",
    "не получилось",
)
# A reason given for a meeting that did not happen makes it one sought and not held.
CAUSE = _cue("because", "due to", "owing to", "citing", "из-за", "по причине", "ввиду")
NOT_PLANNED = _cue(
    "(?:not|no longer) (?:\\w+ ){0,2}(?:planned|scheduled|on the agenda|expected|in the plans)",
    "no plans?",
    "no (?:[\\w-]+ ){0,8}?(?:is|was|are|were|has been|had been) (?:planned|scheduled|envisaged)",
    "не планир\\w*",
    "не запланирован\\w*",
    "не предусмотрен\\w*",
    "нет в (?:графике|планах)",
    "не значи(?:тся|лось|лась|лся|лись)",
    "не намечен\\w*",
    "не стоит в графике",
    "not (?:yet )?(?:agreed|arranged|confirmed|finali[sz]ed)",
    "(?:пока |ещ[её] )?не договорил\\w*",
    "не согласован\\w*",
)
POSSIBLE = _cue(
    "may",
    "might",
    "could",
    "possible",
    "possibly",
    "possibility",
    "can",
    "(?:cannot|can't|not) be ruled out",
    "not ruled out",
    "cross paths",
    "bump into",
    "не исключ\\w*",
    "возможн\\w*",
    "могут",
    "может",
    "пересекутся",
    "пересечься",
)
PLANNED = _cue(
    "will (?!not )(?:\\w+ )?(?:meet|hold|sit down)",
    "to meet",
    "scheduled",
    "planned",
    "plans? to",
    "expected to",
    "(?:was|were|had been|is|are|has been) (?:\\w+ )?expected",
    "due to",
    "agreed to meet",
    "set to",
    "upcoming",
    "запланирован\\w*",
    "планиру\\w*",
    "встретятся",
    "встретится",
    "проведут",
    "провед[её]т",
    "побеседу(?:ет|ют)",
    "пообща(?:ется|ются)",
    "поговор(?:ит|ят)",
    "состоится",
    "намечен\\w*",
    "договорились о встрече",
    "пройд[её]т",
    "предстоящ\\w*",
)
HELD = _cue(
    "met",
    "held",
    "bumped into|ran into each other",
    "переговорил\\w*",
    "spoke",
    "(?:had|has|have) spoken",
    "talked",
    "had (?:a|an|their|two|three) (?:\\w+ ){0,3}(?:conversation|talk|meeting|chat|exchange|talks)",
    "greeted",
    "shook hands",
    "exchanged",
    "chatted",
    "took place",
    "lasted",
    "sat down",
    "pulled .{0,20}aside",
    "clinked (?:their )?glasses",
    "toasted",
    "чокнул\\w*",
    "встретил\\w*",
    "провел\\w*",
    "провели",
    "поговорил\\w*",
    "пообщал\\w*",
    "обменял\\w*",
    "поприветствовал\\w*",
    "состоял\\w*",
    "had (?:a |an )?(?:[\\w-]+ )?(?:breakfast|lunch|dinner) (?:together|with)",
    "позавтракал\\w*",
    "пообедал\\w*",
    "поужинал\\w*",
    "побеседовал\\w*",
    "беседовал\\w*",
    "пожали",
    "обсудил\\w*",
    "discussed",
    "продлил\\w*",
    "длил\\w*",
)

# --- who said it, and through whom -----------------------------------------------------------

_DAY_WORD = (
    "(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|yesterday|today|"
    "(?:в|во) (?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)|вчера|сегодня"
)
_SAYING = (
    "said|says|told|confirmed|announced|called|described|tweeted|wrote|insisted|added|"
    "заявил\\w*|сообщил\\w*|рассказал\\w*|подтвердил\\w*|назвал\\w*|написал\\w*"
)
# The part of the day a saying's day may name with it: "said on Sunday evening".
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|утром|днём|днем|вечером|ночью))?"
# A day that dates the saying, not the contact: "Peskov on Monday called the talk
# constructive", "Putin said Saturday that…", "заявил в субботу", "told reporters on Sunday
# evening", "вчера вечером рассказал".
SAYING_DAY = re.compile(
    rf"(?<!\w)(?:(?:{_SAYING})\s+(?:\w+\s+)?(?P<after>(?:{_DAY_WORD}){_PART_OF_DAY})"
    rf"|(?P<before>(?:{_DAY_WORD}){_PART_OF_DAY})\s+(?:{_SAYING}))(?!\w)",
    re.IGNORECASE,
)

SPEECH = _cue(
    "confirm\\w*",
    "said",
    "says",
    "told",
    "according to",
    "stated",
    "announced",
    "noted",
    "explained",
    "added",
    "briefed",
    "commented",
    "recalled",
    "described",
    "insisted",
    "подтверди\\w*",
    "подтвержда\\w*",
    "сообщи\\w*",
    "заяви\\w*",
    "сказал\\w*",
    "рассказа\\w*",
    "по словам",
    "со ссылкой на",
    "citing",
    "quoting",
    "по е(?:го|е|ё) словам",
    "по их словам",
    "поясни\\w*",
    "отмети\\w*",
    "уточни\\w*",
    "напомни\\w*",
    "признал\\w*",
    "не исключ\\w*",
    "stressed",
    "emphasi[sz]ed",
    "underlined",
    "подчеркну\\w*",
    "подчеркива\\w*",
    "(?:did not|didn't|would not|wouldn't|does not|doesn't) rule out",
)
# "…, he said", "по его словам": the pronoun stands for the one who spoke last.
PRONOUN_SPEAKS = _cue(
    "(?:he|she) (?:said|added|told|confirmed|noted|explained|stressed|insisted)",
    "(?:said|added|noted|explained|stressed) (?:he|she)",
    "(?:сказал|добавил|отметил|подчеркнул|пояснил|уточнил|заявил)а? (?:он|она)",
    "по е(?:го|е|ё) (?:словам|данным)",
)
# Verbs of a side's word that take an object ("called the talk candid", "blamed the American
# side"): a speaker before them, never the name after them ("called the talk between Putin…").
VERDICT = _cue(
    "acknowledg\\w*",
    "revealed",
    "disclosed",
    "called(?! (?:off|for|on|upon))",
    "blamed",
    "characteri[sz]ed",
    "назвал\\w*",
    "обвинил\\w*",
    "denied",
    "dismissed",
    "опроверг\\w*",
    "отверг\\w*",
)
# An outlet the roster does not know, named by its acronym right after a verb of reporting:
# "передает CBC", "reported NHK", "according to KBS".
UNLISTED_OUTLET = re.compile(
    r"(?<!\w)(?:переда[её]т|сообщает|сообщил[аио]?|reports|reported|according to|told)\s+"
    r"(?:the\s+)?(?:(?:news\s+)?agency\s+|агентств[оа]\s+)?(?P<name>[A-Z]{2,5})(?!\w)"
)
ATTRIBUTION = _cue(
    "reports?",
    "reported",
    "reporting",
    "according to",
    "quoted",
    "quoting",
    "citing",
    "cited",
    "told",
    "said",
    "wrote",
    "writes",
    "via",
    "confirm\\w*",
    "сообща\\w*",
    "сообщил\\w*",
    "переда\\w*",
    "по данным",
    "цитиру\\w*",
    "со ссылкой",
    "пишет",
    "написал\\w*",
    "заяви\\w*",
    "сказал\\w*",
    "рассказал\\w*",
    "подтверди\\w*",
    "информаци\\w*",
)

# The agencies and outlets reports name, as canonical name -> its forms.
AGENCIES: dict[str, tuple[str, ...]] = {
    "Reuters": ("Reuters", "Рейтер", "Рейтерс", "Reuters's"),
    "Associated Press": ("Associated Press", "AP", "Ассошиэйтед Пресс", "Ассошиэйтед пресс"),
    "AFP": ("AFP", "Agence France-Presse", "France-Presse", "Франс Пресс", "Франс пресс"),
    "Bloomberg": ("Bloomberg", "Блумберг", "Bloomberg's"),
    "RIA Novosti": ("RIA Novosti", "RIA news", "RIA", "РИА Новости", "РИА"),
    "TASS": ("TASS", "ТАСС", "ITAR-TASS", "ИТАР-ТАСС"),
    "Interfax": ("Interfax", "Интерфакс"),
    "RBC": ("RBC", "РБК"),
    "Xinhua": ("Xinhua", "Синьхуа"),
    "Kyodo": ("Kyodo", "Киодо"),
    "CNN": ("CNN", "Си-эн-эн"),
    "BBC": ("BBC", "Би-би-си"),
    "Kommersant": ("Kommersant", "Коммерсантъ", "Коммерсант"),
    "Izvestia": ("Izvestia", "Известия"),
    "Anadolu": ("Anadolu", "Анадолу"),
    "NHK": ("NHK",),
    "The New York Times": ("New York Times", "Нью-Йорк таймс", "The New York Times"),
    "The Washington Post": ("Washington Post", "Вашингтон пост"),
    "Fox News": ("Fox News",),
    "Sputnik": ("Sputnik", "Спутник"),
    "Vedomosti": ("Vedomosti", "Ведомости"),
    "Deutsche Welle": ("Deutsche Welle", "DW", "Deutsche Welle's", "Немецкая волна", "Дойче Велле"),
    "DPA": ("DPA", "dpa", "Deutsche Presse-Agentur", "ДПА"),
    "EFE": ("EFE", "ЭФЕ"),
    "Yonhap": ("Yonhap", "Ёнхап", "Йонхап"),
    "Jiji": ("Jiji", "Jiji Press", "Дзидзи"),
    "Nikkei": ("Nikkei", "Никкэй"),
    "Al Jazeera": ("Al Jazeera", "Аль-Джазира"),
    "PTI": ("PTI", "Press Trust of India", "Пресс Траст оф Индия"),
    "ANI": ("ANI", "Asian News International"),
    "NBC News": ("NBC", "NBC News"),
    "CBS News": ("CBS", "CBS News"),
    "ABC News": ("ABC News",),
    "CNBC": ("CNBC",),
    "Politico": ("Politico", "Политико"),
    "Axios": ("Axios", "Аксиос"),
    "The Wall Street Journal": ("Wall Street Journal", "Уолл-стрит джорнал"),
    "Financial Times": ("Financial Times", "Файнэншл таймс"),
    "The Guardian": ("Guardian",),
    "RT": ("RT", "Russia Today", "Раша Тудэй"),
    "Rossiya 24": ("Россия 24", "Rossiya 24", "ВГТРК"),
    "Global Times": ("Global Times", "Глобал таймс"),
    "CGTN": ("CGTN", "CCTV", "China Central Television", "Центральное телевидение Китая"),
}

# --- topics ----------------------------------------------------------------------------------

DISCUSSION = _cue(
    "discuss\\w*",
    "talk\\w* (?:about|on|over)",
    "spoke (?:about|on)",
    "on the agenda",
    "touch\\w*",
    "raising",
    "views? on",
    "обменял\\w* мнениями",
    "focus\\w*",
    "covered",
    "about",
    "regarding",
    "including",
    "agreed",
    "endorsed",
    "approved",
    "adopted",
    "statement",
    "issues?",
    "topics?",
    "raised",
    "pressed",
    "urged",
    "warned",
    "concerns?",
    "обсуди\\w*",
    "обсужда\\w*",
    "затронул\\w*",
    "затрагива\\w*",
    "говорил\\w* о",
    "тем\\w*",
    "каса\\w*",
    "вопрос\\w*",
    "по ситуации",
    "ситуаци\\w*",
    "о ситуации",
    "согласова\\w*",
    "одобрил\\w*",
    "заявлени\\w*",
)
TOPICS: dict[str, re.Pattern[str]] = {
    "syria": _cue("Syria\\w*", "Сири\\w*", "Damascus", "Дамаск\\w*"),
    "ukraine": _cue(
        "Ukrain\\w*",
        "Украин\\w*",
        "Donbas\\w*",
        "Донбасс\\w*",
        "Minsk \\w+",
        "Минск\\w* \\w+",
        "Kerch\\w*",
        "Керч\\w*",
        "Crimea\\w*",
        "Крым\\w*",
    ),
    "sanctions": _cue("sanctions?", "санкци\\w*"),
    "north_korea": _cue(
        "North Korea\\w*",
        "Korean Peninsula",
        "Pyongyang",
        "КНДР",
        "Северн\\w* Коре\\w*",
        "Корейск\\w* полуостров\\w*",
        "Пхеньян\\w*",
    ),
    "taiwan": _cue("Taiwan\\w*", "Тайван\\w*"),
    "cybersecurity": _cue(
        "cyber\\w*",
        "election (?:interference|meddling|hacking)",
        "meddling",
        "hacking",
        "interference in (?:the )?(?:\\d{4} )?(?:U\\.S\\. |US |American )?"
        "(?:presidential )?elections?",
        "кибер\\w*",
        "вмешательств\\w*",
    ),
    "terrorism": _cue("terror\\w*", "террор\\w*", "ISIS", "Islamic State", "ИГИЛ"),
    "peace_treaty": _cue(
        "peace treaty", "Kuril\\w*", "мирн\\w* договор\\w*", "Курил\\w*", "Northern Territories"
    ),
    "trade": _cue(
        "trade",
        "tariffs?",
        "imports?",
        "exports?",
        "торгов\\w*",
        "тариф\\w*",
        "импорт\\w*",
        "экспорт\\w*",
    ),
    "climate": _cue("climate", "климат\\w*"),
    "iran": _cue("Iran\\w*", "Иран\\w*", "JCPOA", "СВПД"),
    "afghanistan": _cue("Afghan\\w*", "Taliban", "Афганистан\\w*", "Талибан\\w*"),
    "energy": _cue(
        "energy",
        "gas",
        "oil",
        "pipelines?",
        "Nord Stream",
        "энергети\\w*",
        "газов\\w*",
        "газопровод\\w*",
        "нефт\\w*",
        "Северн\\w* поток\\w*",
    ),
    "migration": _cue("migra\\w*", "refugees?", "мигра\\w*", "беженц\\w*"),
    "human_rights": _cue("human rights", "прав\\w* человека"),
    "south_china_sea": _cue("South China Sea", "Южно-Китайск\\w* мор\\w*"),
    "venezuela": _cue("Venezuel\\w*", "Венесуэл\\w*"),
    "libya": _cue("Liby\\w*", "Ливи\\w*"),
    "middle_east": _cue(
        "Middle East",
        "Israel\\w*",
        "Palestin\\w*",
        "Gaza",
        "Ближн\\w* Восток\\w*",
        "Израил\\w*",
        "Палестин\\w*",
        "Сектор\\w* Газа",
    ),
    "covid": _cue("COVID\\S*", "coronavirus", "pandemic", "коронавирус\\w*", "пандеми\\w*"),
    "food_security": _cue("food security", "grain", "продовольств\\w*", "зерн\\w*"),
    "nuclear_arms": _cue(
        "nuclear",
        "arms control",
        "INF",
        "strategic stability",
        "ядерн\\w*",
        "ДРСМД",
        "стратегическ\\w* стабильност\\w*",
    ),
}

# --- the report's past ------------------------------------------------------------------------

# "The last time they will sit down before the visit": a last meeting still to come is a plan,
# not a recalled one.
HISTORY_AHEAD = _cue(
    "last (?:time|meeting|chance)\\b.{0,40}\\b(?:will|would|is expected|are expected|is due|"
    "are due|before (?:\\w+ ){0,3}(?:visits?|leaves?|trip))",
    "последн\\w* (?:раз|встреч\\w*)\\b.{0,40}\\b(?:перед|до) (?:\\w+ ){0,2}"
    "(?:визит\\w*|отъезд\\w*|уход\\w*)",
)
HISTORY = _cue(
    "last met",
    "last meeting",
    "previous meeting",
    "previously met",
    "last time",
    "had last",
    "last (?:held|talked|spoke)",
    "first meeting since",
    "прошл\\w* встреч\\w*",
    "в последний раз",
    "последн\\w* встреч\\w*",
    "предыдущ\\w* встреч\\w*",
    "предыдущ\\w*",
    "до этого",
    "ранее встречал\\w*",
    "последний раз",
)

# --- when ------------------------------------------------------------------------------------

MONTHS_EN = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# Russian month stems: the genitive ("20 ноября") names a day, the prepositional ("в сентябре")
# a month.
MONTHS_RU = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
]
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS_RU = ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"]

# A month by its name or its abbreviation, as wire stories write it ("Nov. 15", "Sept 9").
_EN_MONTH = (
    "("
    + "|".join(m.capitalize() for m in MONTHS_EN)
    + "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\\.?"
)


def en_month(word: str) -> int:
    """The number of an English month named in full or abbreviated."""
    return [m[:3] for m in MONTHS_EN].index(word.lower()[:3]) + 1


_RU_MONTH_GEN = (
    "(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
)
_RU_MONTH_PREP = (
    "(январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
)
DAY_MONTH_EN = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_EN_MONTH}(?:,? (\d{{4}}))?\b")
MONTH_DAY_EN = re.compile(rf"\b{_EN_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?\b")
MONTH_YEAR_EN = re.compile(
    rf"\b(?:in|since|of|during) (?:early |late |mid-)?{_EN_MONTH}(?: (\d{{4}}))?\b"
)
DAY_MONTH_RU = re.compile(
    rf"(?<!\w)(\d{{1,2}})(?:-?го)? {_RU_MONTH_GEN}(?: (\d{{4}}))?", re.IGNORECASE
)
# A day written as an ordinal word in the genitive: "третьего июля", "двадцать второго октября".
RU_ORDINALS = {
    "перв": 1,
    "втор": 2,
    "трет": 3,
    "четв[её]рт": 4,
    "пят": 5,
    "шест": 6,
    "седьм": 7,
    "восьм": 8,
    "девят": 9,
    "десят": 10,
    "одиннадцат": 11,
    "двенадцат": 12,
    "тринадцат": 13,
    "четырнадцат": 14,
    "пятнадцат": 15,
    "шестнадцат": 16,
    "семнадцат": 17,
    "восемнадцат": 18,
    "девятнадцат": 19,
    "двадцат": 20,
    "тридцат": 30,
}
_RU_ORDINAL = "(?:" + "|".join(RU_ORDINALS) + ")(?:ого|ьего)"
ORDINAL_DAY_MONTH_RU = re.compile(
    rf"(?<!\w)(?:(?P<tens>двадцать|тридцать)\s+)?(?P<ordinal>{_RU_ORDINAL})\s+{_RU_MONTH_GEN}"
    rf"(?: (\d{{4}}))?",
    re.IGNORECASE,
)
MONTH_YEAR_RU = re.compile(rf"(?<!\w)в {_RU_MONTH_PREP}(?: (\d{{4}}))?", re.IGNORECASE)
WEEKDAY = re.compile(
    r"(?<!\w)(?:on |в(?:о)? )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)(?!\w)",
    re.IGNORECASE,
)
TODAY = _cue("today", "this morning", "this afternoon", "this evening", "tonight", "сегодня")
YESTERDAY = _cue("yesterday", "last night", "вчера")
TOMORROW = _cue("tomorrow", "завтра")
DAY_BEFORE_YESTERDAY = _cue("the day before yesterday", "позавчера")
# "20.11.2016" (day first, as Russian and European reports write it) and "2016-11-20".
NUMERIC_DATE = re.compile(
    r"(?<![\w.])(?:(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})"
    r"|(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2}))(?![\w])"
)
# "28/06/2019" or "06/28/2019": read only where one number cannot be a month.
SLASH_DATE = re.compile(r"(?<![\w/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})(?![\w/])")
DAY_BEFORE = _cue(
    "the day before",
    "the previous day",
    "a day earlier",
    "the night before",
    "the previous (?:night|evening)",
    "накануне(?! (?:саммит|открыти|встреч|заседани|форум)\\w*)",
    "днем раньше",
    "днём раньше",
    "за день до этого",
)
SAME_DAY = _cue(
    "(?:earlier|later) (?:that|the same|in the) day",
    "the same day",
    "в тот же день",
    "(?:ранее|позднее|позже) в тот же день",
)
EVE = _cue(
    "(?:on )?the eve of the summit",
    "the day before the summit",
    "накануне саммита",
    "накануне открытия саммита",
    "on the eve of",
)
FIRST_DAY = _cue("(?:the )?(?:first|opening) day", "перв\\w* день", "(?:в )?день открытия")
LAST_DAY = _cue(
    "(?:the )?(?:second|final|last|closing) day",
    "втор\\w* день",
    "заключительн\\w* день",
    "последн\\w* день",
)
SESSION_START = _cue(
    "(?:at|on) the (?:beginning|start|opening|outset) of",
    "before the",
    "в начале",
    "перед началом",
    "до начала",
)
SESSION_END = _cue(
    "(?:at|on) the end of", "after the", "on the way out of", "в конце", "по окончании", "после"
)

# A wire story's dateline: "LIMA, Nov 20 (Reuters) -", "ЛИМА, 20 ноября. /ТАСС/ —". Its date
# is the day the report was filed, not the day of what it tells.
DATELINE = re.compile(
    r"\s*[A-ZА-ЯЁ][\w.'’-]*(?:,?\s[A-ZА-ЯЁ][\w.'’-]*){0,3},\s+"
    r"(?:\d{1,2}\s+[а-яёa-z]{3,9}|[A-Z][a-z]{2,8}\.?\s+\d{1,2})(?:,?\s+\d{4})?\.?\s*"
    r"(?:\([^()\n]{1,40}\)\s*|"
    r"\.?\s*/[^/\n]{1,40}/\s*)?[-—–]+\s"
)
# A word for a time of day, and the hours of the clock it can mean (a span may run past
# midnight): "on Saturday evening" cannot be a morning session, "last night" no retreat at 9:30.
# Each is named: the name is the time of day a claim proposes.
NAMED_TIMES_OF_DAY: tuple[tuple[str, re.Pattern[str], tuple[int, int]], ...] = (
    (
        "morning",
        _cue(
            "morning",
            "breakfast",
            "утром",
            "утра",
            "утренн\\w*",
            "завтрак\\w*",
            "(?:в )?первой половине дня",
        ),
        (5, 12),
    ),
    (
        "afternoon",
        _cue(
            "afternoon",
            "lunch",
            "luncheon",
            "днём",
            "днем",
            "обед\\w*",
            "(?:во )?второй половине дня",
        ),
        (11, 18),
    ),
    (
        "evening",
        _cue("evening", "dinner", "supper", "banquet", "вечер\\w*", "ужин\\w*", "банкет\\w*"),
        (17, 29),
    ),
    ("night", _cue("night", "tonight", "overnight", "ноч\\w*"), (19, 29)),
)
TIMES_OF_DAY: tuple[tuple[re.Pattern[str], tuple[int, int]], ...] = tuple(
    (cue, hours) for _, cue, hours in NAMED_TIMES_OF_DAY
)
# A time on the clock: "at 15:00", "at 3 p.m.", "at 10.30 local time", "в 15:00", "около 9.30".
# A preposition before it (or a bracket: "(3 p.m. local time)"), so that a date ("19.11.2016")
# or a score is no time.
CLOCK_TIME = re.compile(
    r"(?:(?<!\w)(?:at|around|about|from|в|около|с)\s+|\(\s*)(?P<hour>\d{1,2})"
    r"(?:[:.](?P<minute>\d{2}))?(?:\s*(?P<half>[ap])\.?\s?m\.?)?(?![\w:]|\.\d)",
    re.IGNORECASE,
)
# The time zones wire stories write after a time: "20:00 GMT", "at 8 p.m. EST".
ZONES = "(?:GMT|UTC|ET|EST|EDT|CT|CST|CDT|PT|PST|PDT|CET|CEST|BST|MSK|JST|AEST|AEDT|HKT)"
# Noon on the clock: "at noon", "at midday", «в полдень».
NOON = _cue("(?:at )?noon", "(?:at )?midday", "в полдень")
# A zone written after a time, which puts it on another clock than the venue's unless it is the
# local one: "20:00 GMT", "at 8 p.m. EST", "в 22:30 мск", "по московскому времени".
TIME_ZONE_AFTER = re.compile(
    r"\s*\(?\s*(?:(?P<local>local(?:\s+time)?|по\s+местному(?:\s+времени)?)"
    rf"|(?P<zone>{ZONES}\b"
    r"|мск|по\s+москве|по\s+гринвичу|по\s+\w+скому(?:\s+времени)?|[\w-]+\s+time\b))",
)
# Where each zone written after a time keeps its clock, to bring the time to the venue's: a
# region's zone where the words follow its clock changes ("ET", "мск", "Moscow time"), a fixed
# offset from UTC in hours where they name standard or summer time ("EST" is UTC-5, as written).
# Moscow's offset changed in 2011 and 2014, so "мск" is the region's zone, not +3.
ZONE_CLOCKS: dict[str, str | int] = {
    "gmt": 0,
    "utc": 0,
    "et": "America/New_York",
    "est": -5,
    "edt": -4,
    "ct": "America/Chicago",
    "cst": -6,
    "cdt": -5,
    "pt": "America/Los_Angeles",
    "pst": -8,
    "pdt": -7,
    "cet": 1,
    "cest": 2,
    "bst": 1,
    "msk": "Europe/Moscow",
    "jst": 9,
    "aest": 10,
    "aedt": 11,
    "hkt": 8,
    "мск": "Europe/Moscow",
    "по москве": "Europe/Moscow",
    "по московскому": "Europe/Moscow",
    "по московскому времени": "Europe/Moscow",
    "moscow time": "Europe/Moscow",
    "по пекинскому": "Asia/Shanghai",
    "по пекинскому времени": "Asia/Shanghai",
    "beijing time": "Asia/Shanghai",
    "по вашингтонскому": "America/New_York",
    "по вашингтонскому времени": "America/New_York",
    "washington time": "America/New_York",
    "eastern time": "America/New_York",
    "greenwich time": 0,
    "по гринвичу": 0,
    "tokyo time": "Asia/Tokyo",
    "по токийскому": "Asia/Tokyo",
    "по токийскому времени": "Asia/Tokyo",
}
# A day of the month alone, the month left to the event: "on the 19th", "Saturday, the 19th",
# «19-го», «19-го числа». Not followed by a month, which makes it a date ("the 19th of
# December"), nor by what it counts ("meeting for the 26th time", "on the 70th anniversary").
DAY_OF_MONTH = re.compile(
    r"(?:(?:(?<!\w)on\s+|,\s*)the\s+(?P<en>\d{1,2})(?:st|nd|rd|th)"
    r"|(?<![\w.])(?P<ru>\d{1,2})-?го)(?!\w)"
    r"(?!\s+(?:time|anniversary|century|round|meeting|summit|session|edition|birthday|year|раз)"
    r"(?!\w))"
    rf"(?!\s+(?:of\s+)?{_EN_MONTH}|\s+{_RU_MONTH_GEN})",
    re.IGNORECASE,
)
