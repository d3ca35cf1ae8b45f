"""Reading a report into proposed claims, with the event's roster as the gazetteer.

The reader works sentence by sentence, in the report's order:

1. find the names the gazetteer knows (people, parties, offices, agencies, summits, sessions);
2. resolve the principals a sentence speaks of: by name, by office and party ("the Russian
   President", "президент США", "his U.S. counterpart"), or, for "the two presidents", "оба
   лидера", "they", as the last-named pair;
3. decide which event the sentence is about: the report's own event, or an earlier one it
   recalls ("they last met at the G20 in Hangzhou"), which makes a history claim;
4. add what the sentence says to the claim of that pair, event and kind of contact (a formal
   meeting, or an informal contact: greeting, brief conversation, pull-aside, talk at a meal):
   its modality, its day, who spoke for a side, the agencies named, the topics.

It is rule-based on purpose: it needs no model, reads a 1,000-word report in milliseconds on
one core, and every claim can be traced to the words that made it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from sidelines.domain.formats import MeetingFormat
from sidelines.formats.reports import cues
from sidelines.formats.reports.claims import (
    Confirmer,
    HistoryClaim,
    MeetingClaim,
    Modality,
    Note,
    PartialDate,
    Precision,
    Reading,
    Report,
    Span,
)
from sidelines.formats.reports.dates import (
    Tense,
    dates_in,
    hours_of_day,
    labelled_dates,
    relative_day,
    unlabelled,
    written_days,
)
from sidelines.formats.reports.gazetteer import (
    EventEntry,
    Gazetteer,
    OfficeEntry,
    SessionEntry,
    form_pattern,
)
from sidelines.formats.reports.text import Sentence, html_to_text, plain, sentences

# Mentions live in two layers: who (people, parties, offices, agencies) and where (summits,
# places, sessions); "China" may be both a party and, for another report, a place.
_WHO = ("person", "office", "party", "adjective", "agency")
_WHERE = ("series", "place", "session")
# Where a name may start: a word, with the dots and hyphens names carry ("U.S.", "G-20").
_WORD_START = re.compile(r"(?<!\w)\w[\w.'-]{0,2}")

FORMAL = "formal"
INFORMAL = "informal"

# How sure a day is, by where it came from (a higher rank wins).
# A day the sentence states ("on Saturday") beats the day of a programme session it names: "a
# working dinner on Saturday" is not the gala dinner of Friday.
# A day borrowed from the sentence before ("Obama met Xi on Saturday. Putin met Abe.") is
# surer than the report's date, less than any the sentence gives itself.
_RANK_EXPLICIT, _RANK_RELATIVE, _RANK_SESSION, _RANK_MONTH = 6, 5, 4, 3
_RANK_BEFORE, _RANK_PUBLISHED = 2, 1

_MEAL_AT = re.compile(
    r"(?<!\w)(?:at|during|over|after|on the sidelines of)\s+(?:the\s+|a\s+)?(?:[\w']+\s+){0,3}"
    r"(?:dinner|lunch|banquet|breakfast)|(?<!\w)(?:на|во время|за|в ходе|после)\s+"
    r"(?:\w+\s+){0,2}(?:ужин|обед|банкет|завтрак)\w*",
    re.IGNORECASE,
)
_HALF_HOURS = re.compile(
    r"(?<!\w)(?:(?P<hours>\d+|an?|one|two|three|four)(?:\s+and\s+a\s+half|\.5)\s+hours?"
    r"|half\s+an\s+hour|half-hour|пол\s?часа|получаса)(?!\w)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?<!\w)(\d+|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|"
    r"fifty|ninety|одн\w*|дв\w*|тр[её]х|четыр\w*|пят\w*|шест\w*|сем\w*|восьм\w*|девят\w*|"
    r"десят\w*|пятнадцат\w*|двадцат\w*|тридцат\w*|сорок\w*)(?:[- ]minutes?|[- ]minute|"
    r"\s*мин\w*)|(?<!\w)(?:(\d+|two|three|an?|one|полтора|два|три|более)\s+)?(hours?|час\w*)(?!\w)",
    re.IGNORECASE,
)
_WORD_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "ninety": 90,
    "полтора": 1.5,
    "два": 2,
    "три": 3,
    "более": 1,
    "одн": 1,
    "дв": 2,
    "тр": 3,
    "четыр": 4,
    "пят": 5,
    "шест": 6,
    "сем": 7,
    "восьм": 8,
    "девят": 9,
    "десят": 10,
    "пятнадцат": 15,
    "двадцат": 20,
    "тридцат": 30,
    "сорок": 40,
}


@cache
def _compiled(form: str) -> re.Pattern[str]:
    """A roster form's pattern, compiled once per process: a reader is built for each report
    read against a stored event, and the roster's thousand forms overflow ``re``'s own cache."""
    return re.compile(form_pattern(form))


@dataclass(frozen=True, slots=True)
class Mention:
    kind: str
    ref: str
    start: int
    end: int


class _Matcher:
    """Every name form of the gazetteer as a compiled pattern, by layer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        entries: list[tuple[str, str, str]] = []
        for person in gazetteer.people:
            entries += [("person", person.id, form) for form in person.names]
        for office in gazetteer.offices:
            entries += [("office", office.id, form) for form in office.names]
        for party in gazetteer.parties:
            entries += [("party", party.id, form) for form in party.names]
            entries += [("adjective", party.id, form) for form in party.adjectives]
        for name, forms in cues.AGENCIES.items():
            entries += [("agency", name, form) for form in forms]
        for series in gazetteer.series:
            entries += [("series", series.id, form) for form in series.names]
        for event in gazetteer.events:
            entries += [("place", event.id, form) for form in event.places]
            for session in event.sessions:
                entries += [("session", f"{event.id}/{session.id}", f) for f in session.names]
        # Each pattern under the first letters (up to three) any match of it starts with, so
        # that a report is scanned once, word by word, trying at each word only the names that
        # can start there: most of a large roster is absent from any one report.
        self.by_key: dict[str, list[tuple[str, str, re.Pattern[str]]]] = {}
        for kind, ref, form in entries:
            key = form.split()[0].rstrip("*")[:3].lower()
            self.by_key.setdefault(key, []).append((kind, ref, _compiled(form)))

    def find(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        hits_by_layer: dict[bool, list[Mention]] = {True: [], False: []}
        for word in _WORD_START.finditer(text):
            lowered = word.group(0).lower()
            for key in {lowered[:3], lowered[:2], lowered[:1]}:
                for kind, ref, pattern in self.by_key.get(key, ()):
                    m = pattern.match(text, word.start())
                    if m:
                        hits_by_layer[kind in _WHO].append(Mention(kind, ref, m.start(), m.end()))
        for layer in (True, False):
            hits = hits_by_layer[layer]
            # The longest name wins where two overlap ("White House" over "White"); a place
            # named by several events stays once per event.
            hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
            taken_until = -1
            last: Mention | None = None
            for hit in hits:
                if hit.start >= taken_until:
                    found.append(hit)
                    taken_until, last = hit.end, hit
                elif (
                    last
                    and (hit.start, hit.end) == (last.start, last.end)
                    and hit.kind in ("place", "session")
                ):
                    found.append(hit)
        return sorted(found, key=lambda h: (h.start, h.end))


@dataclass
class _Claim:
    claim: MeetingClaim
    modality_cues: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # meal, pull_aside, expanded
    day_rank: int = 0
    day_unsure: bool = False  # a day named that is none of the summit's
    day_in_doubt: bool = False  # a date written with a weekday it does not fall on
    time_rank: int = 0  # 2: a time on the clock, 1: a time of day in words
    named_directly: bool = False
    kind_known: bool = False
    day_borrowed: bool = False  # the day of the sentence before, told of no day of its own


@dataclass
class _History:
    claim: HistoryClaim


@dataclass
class _State:
    recent: list[str] = field(default_factory=list)  # principals in order of mention
    last_pair: tuple[str, str] | None = None
    current: _Claim | None = None
    in_history: _History | None = None
    pending_sources: list[str] = field(default_factory=list)
    last_day: date | None = None  # the day the report spoke of last ("the day before" that)
    last_speaker: Confirmer | None = None  # who spoke last ("he said" is that one)
    day_told: date | None = None  # the day the sentence being read placed a held contact on
    day_before: date | None = None  # that day of the sentence before, in the same paragraph


def _by_sentence(found: list[Sentence], mentions: list[Mention]) -> list[list[Mention]]:
    """The mentions each sentence holds, in the sentences' order. Sentences come in the text's
    order, so each mention's sentence is found by halving, not by a look at every sentence: a
    report of 19,000 words has a thousand sentences and as many names."""
    starts = [s.start for s in found]
    by_sentence: list[list[Mention]] = [[] for _ in found]
    for m in mentions:
        index = bisect_right(starts, m.start) - 1
        if index >= 0 and m.start < found[index].end:
            by_sentence[index].append(m)
    return by_sentence


# A sentence that says whom the one before meant: «Речь идет о Путине и Обаме», "He was
# referring to Putin and Obama".
_MEANT = re.compile(
    r"\W*(?:речь\s+ид[её]т|речь\s+шла|имеются\s+в\s+виду|имелись\s+в\s+виду|"
    r"(?:he|she|they)\s+(?:was|were)\s+referring\s+to|(?:he|she|they)\s+meant)(?!\w)",
    re.IGNORECASE,
)


def _pair(a: str, b: str) -> tuple[str, str]:
    first, second = sorted((a, b))
    return first, second


class ReportReader:
    """Reads reports against one gazetteer; build it once, read many reports."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._matcher = _Matcher(gazetteer)
        self._party_of = {p.id: p.party for p in gazetteer.people}
        self._party_of.update({o.id: o.party for o in gazetteer.offices})
        self._leaders = {p.id for p in gazetteer.people if p.role == "leader"} | {
            p for e in gazetteer.events for p in e.leaders.values()
        }

    # --- the whole report ---------------------------------------------------------------------

    def read(self, report: Report, event_id: str | None = None) -> Reading:
        """The claims of one report. ``event_id`` names the report's event when the uploader
        knows it; otherwise the reader finds it from the summits the text names and the report's
        date."""
        raw = html_to_text(report.text) if report.media_type == "text/html" else report.text
        text = plain(raw)
        cyrillic = len(re.findall(r"[а-яёА-ЯЁ]", text))
        latin = len(re.findall(r"[a-zA-Z]", text))
        language = "ru" if cyrillic > latin else "en"
        found = sentences(text)
        mentions = self._matcher.find(text)
        by_sentence = _by_sentence(found, mentions)

        main = self.gazetteer.event(event_id) if event_id else None
        if main is None:
            main = self._main_event(found, by_sentence, report.published_on)
        reading = Reading(text=text, language=language, event=main.id if main else None)
        state = _State()
        claims: list[_Claim] = []
        histories: list[_History] = []
        own_source = self._agency_of(report.source)
        previous: Sentence | None = None
        for index, (sentence, ms) in enumerate(zip(found, by_sentence, strict=True)):
            if previous is not None and previous.paragraph != sentence.paragraph:
                state.in_history = None
            same_account = previous is not None and previous.paragraph == sentence.paragraph
            state.day_before, state.day_told = (state.day_told if same_account else None), None
            if state.last_pair is None and index + 1 < len(found):
                state.last_pair = self._pair_named_next(
                    sentence, found[index + 1], by_sentence[index + 1]
                )
            clauses = _clauses(sentence)
            by_pair = False
            if len(clauses) == 1:
                clauses = self._pair_clauses(sentence, ms)
                by_pair = len(clauses) > 1
            verb: re.Match[str] | None = None
            for clause in clauses:
                # "Путин встретился с Абэ, а Обама — с Си Цзиньпином": a clause of a pair with
                # no verb of its own has the verb of the one before.
                verb = cues.MEETING.search(clause.text) or (verb if by_pair else None)
                own = [m for m in ms if clause.start <= m.start < clause.end]
                # A clause of one pair that states no day has the day the sentence states for
                # it: "On Saturday Obama met Xi and Putin met Abe".
                before = text[sentence.start : clause.end]
                self._sentence(
                    text,
                    clause,
                    own,
                    main,
                    report,
                    own_source,
                    state,
                    claims,
                    histories,
                    whole=(sentence, ms),
                    day_from=(before, sentence.text) if by_pair else (),
                    verb=verb,
                )
            previous = sentence
        for item in claims:
            reading.meetings.append(self._finish(item, main, report.published_on))
        reading.history = [h.claim for h in histories]
        return reading

    def _pair_named_next(
        self, sentence: Sentence, following: Sentence, ms: list[Mention]
    ) -> tuple[str, str] | None:
        """The pair a sentence speaks of by "the presidents" before any pair was named, when the
        next sentence of its paragraph says whom it meant: «"Президенты коротко пообщались", —
        сказал Песков. Речь идет о Путине и Обаме.»"""
        if following.paragraph != sentence.paragraph or not cues.PAIR_ANAPHOR.search(sentence.text):
            return None
        if not _MEANT.match(following.text):
            return None
        named = [m.ref for m in ms if m.kind == "person" and m.ref in self._leaders]
        named = list(dict.fromkeys(named))
        return _pair(named[0], named[1]) if len(named) == 2 else None

    def _pair_clauses(self, sentence: Sentence, ms: list[Mention]) -> list[Sentence]:
        """A sentence cut into its clauses when two or more of them each tell of a contact of
        a pair of their own ("Obama met Xi on Saturday, while Putin met Abe"), so that neither
        pair's words make a contact of principals from both; otherwise the sentence whole. A
        piece naming no pair of its own ("On Saturday,", "and with Abe") stays with the next."""
        leaders = self._leaders
        cuts = [m.start() for m in _PAIR_BREAK.finditer(sentence.text)]
        bounds = [0, *cuts, len(sentence.text)]
        groups: list[tuple[int, int]] = []
        start = 0
        for end in bounds[1:]:
            piece = sentence.text[start:end]
            named = {
                m.ref
                for m in ms
                if m.kind == "person"
                and m.ref in leaders
                and sentence.start + start <= m.start < sentence.start + end
            }
            if len(named) >= 2 and (
                cues.MEETING.search(piece) or (groups and _GAPPED.match(piece))
            ):
                groups.append((start, end))
                start = end
        if len(groups) < 2:
            return [sentence]
        groups[-1] = (groups[-1][0], len(sentence.text))  # the words after the last pair's
        return [
            Sentence(sentence.start + a, sentence.start + b, sentence.paragraph, sentence.text[a:b])
            for a, b in groups
        ]

    def _agency_of(self, name: str) -> str | None:
        for canonical, forms in cues.AGENCIES.items():
            if name.strip() and any(name.strip().lower() == f.lower() for f in forms):
                return canonical
        return name.strip() or None

    def _main_event(
        self, found: list[Sentence], by_sentence: list[list[Mention]], published: date
    ) -> EventEntry | None:
        votes: Counter[str] = Counter()
        first_seen: dict[str, int] = {}
        for index, (sentence, ms) in enumerate(zip(found, by_sentence, strict=True)):
            if _recalls(sentence.text):
                continue
            event = self._event_of(ms, None, published)
            if event:
                votes[event.id] += 1
                first_seen.setdefault(event.id, index)
        if votes:
            best = max(votes, key=lambda e: (votes[e], -first_seen[e]))
            return self.gazetteer.event(best)
        # No summit named: the one the report's date falls in or a week at most from it
        # ("на полях саммита" in a preview filed the Friday before).
        near = [e for e in self.gazetteer.events if e.days_from(published) <= 7]
        return min(near, key=lambda e: e.days_from(published)) if near else None

    def _event_of(
        self, ms: list[Mention], main: EventEntry | None, published: date
    ) -> EventEntry | None:
        places = {m.ref for m in ms if m.kind == "place"}
        series = {m.ref for m in ms if m.kind == "series"}
        events = self.gazetteer.events
        if places:
            candidates = [e for e in events if e.id in places]
            if series:
                candidates = [e for e in candidates if e.series in series] or candidates
        elif series:
            if main is not None and main.series in series:
                return main
            candidates = [e for e in events if e.series in series]
        else:
            return None
        if main is not None and main in candidates:
            return main
        # The nearest such summit, an earlier one before a later one: reports look back.
        return min(
            candidates,
            key=lambda e: (e.days_from(published), e.start > published),
            default=None,
        )

    # --- one sentence -------------------------------------------------------------------------

    def _sentence(
        self,
        text: str,
        sentence: Sentence,
        ms: list[Mention],
        main: EventEntry | None,
        report: Report,
        own_source: str | None,
        state: _State,
        claims: list[_Claim],
        histories: list[_History],
        whole: tuple[Sentence, list[Mention]] | None = None,
        partner: str | None = None,
        at: _Told | None = None,
        day_from: tuple[str, ...] = (),
        verb: re.Match[str] | None = None,
    ) -> None:
        """Read one sentence, or one clause of it (``whole`` is then the sentence, whose speaker
        and sources stand for each of its clauses). ``partner``: the one of several named
        partners of the sentence's first principal this reading is for; ``at``: the one of
        several contacts' times the sentence gives ("at 10:00 and again at 16:30"); ``verb``: the
        word of a contact a clause without a verb of its own takes from the clause before."""
        s = sentence.text
        whole_sentence, whole_ms = whole or (sentence, ms)
        named_event = self._event_of(ms, main, report.published_on)
        is_history = _recalls(s) or (
            named_event is not None
            and main is not None
            and named_event.id != main.id
            and named_event.start < main.start
        )
        if (
            not is_history
            and state.in_history is not None
            and named_event is None
            and not any(m.kind == "session" for m in ms)
        ):
            # A paragraph that recalls an earlier meeting goes on about it until it names a
            # summit or a session again ("They discussed Ukraine and Syria" after "last met in
            # Hangzhou").
            is_history = True
        later = named_event is not None and main is not None and named_event.start > main.end
        # "Their next encounter could come at the APEC summit in November": a later summit's.
        event = named_event if is_history or later else (main or named_event)
        principals, direct, principal_spans = self._principals(text, sentence, ms, event)
        meeting_cue = cues.MEETING.search(s) or verb
        anaphor = cues.PAIR_ANAPHOR.search(s)
        partners = _partners(text, principals, principal_spans)
        if partner is None and meeting_cue and len(partners) >= 2:
            # "Путин проведет встречи с Си Цзиньпином и Эрдоганом": one contact per partner.
            for each in partners:
                self._sentence(
                    text, sentence, ms, main, report, own_source, state, claims, histories,
                    whole, partner=each, day_from=day_from, verb=verb,
                )  # fmt: skip
            return
        if partner is not None:
            principals = [principals[0], partner]
        if (
            at is None
            and meeting_cue
            and (len(principals) >= 2 or anaphor)
            and len(cues.CLOCK_TIME.findall(s)) >= 2
        ):
            stated = self._stated_day(s, event, report.published_on, state.last_day)
            day = self._day_for_clock(stated, event, state.last_day)
            again = _times_again(s, event, report.published_on, day)
            if again:
                # "Putin and Obama met at 10:00 and again at 16:30": one contact per time.
                for time_told in again:
                    self._sentence(
                        text, sentence, ms, main, report, own_source, state, claims, histories,
                        whole, partner, time_told, day_from, verb,
                    )  # fmt: skip
                return
        pair: tuple[str, str] | None = None
        if len(principals) >= 2:
            pair = _pair(principals[0], principals[1])
        elif len(principals) == 1 and (meeting_cue or anaphor):
            other = _counterpart(text, principals[0], principal_spans, claims, event)
            other = other or next((p for p in reversed(state.recent) if p != principals[0]), None)
            if other is not None:
                pair = _pair(principals[0], other)
        elif not principals and (anaphor or meeting_cue) and state.last_pair:
            pair = state.last_pair
            if meeting_cue and _worded_kind(s) is not None and _modality_cues(s) - {"held"}:
                # "…, but a sit-down meeting never materialised": a contact of a kind the
                # sentence names, with no one named, whose fate it tells, is the pair's.
                anaphor = anaphor or meeting_cue
        for p in principals:
            if p in state.recent:
                state.recent.remove(p)
            state.recent.append(p)
        if pair is not None:
            state.last_pair = pair
        named_at = [
            (m.start - sentence.start, m.end - sentence.start)
            for m in principal_spans
            if sentence.start <= m.start < sentence.end
        ]
        if meeting_cue is not None and _tells_a_call_only(s, named_at):
            # "Putin and Obama spoke by phone": a call, no contact at the summit nor one to
            # recall; who it names is still the pair "they" speaks of next.
            return
        span = Span(sentence.start, sentence.end)
        sources = self._sources(whole_sentence.text, whole_ms, whole_sentence, own_source)

        if is_history and _modality_cues(s) & {"cancelled", "negated", "denied"}:
            # "Их встреча в Хиросиме так и не состоялась": no earlier meeting to recall.
            return
        if is_history and event is not None and not _event_in_stated_time(s, event, report):
            event = None  # "на саммите G7 в мае": not the series' summit of another year
        if is_history:
            history = self._history(pair, event, state, histories)
            if history is None:
                return
            state.in_history = history
            history.claim.spans.append(span)
            if history.claim.when is None:
                history.claim.when = self._any_date(s, report.published_on, event)
            if cues.DISCUSSION.search(s):
                _add_all(history.claim.topics, _topics(s))
            return
        state.in_history = None

        item: _Claim | None = None
        current = state.current
        stated = self._stated_day(s, event, report.published_on, state.last_day)
        for words in day_from:
            stated = stated or self._stated_day(words, event, report.published_on, None)
        day = self._day_for_clock(stated, event, state.last_day)
        told = at or _told_time(s, event, report.published_on, day)
        follows = (
            not principals
            and current is not None
            and pair == current.claim.pair
            and current.claim.event == (event.id if event else None)
            and _worded_kind(s) in (None, _kind_of(current))
            and not _another_day(current, stated)
            and not _another_time(current, told)
        )
        if follows and meeting_cue is not None:
            # "The talk lasted about an hour": a sentence that names no one goes on about the
            # contact spoken of last, unless its own words make it another kind of contact.
            item = current
            if (
                current is not None
                and _kind_of(current) == INFORMAL
                and cues.MEETING_NOUN.search(s)
            ):
                # "The meeting", "the talks" after a passing contact was told are the pair's
                # meeting, not the handshake: a toast or a greeting is not called a meeting.
                item = next(
                    (
                        c
                        for c in reversed(claims)
                        if c.claim.pair == current.claim.pair
                        and c.claim.event == current.claim.event
                        and c.kind_known
                        and _kind_of(c) == FORMAL
                    ),
                    current,
                )
        elif pair is not None and meeting_cue is not None and (principals or anaphor):
            item = self._claim_for(pair, event, s, claims, state.current, direct, stated, told)
        elif state.current is not None and (pair is None or pair == state.current.claim.pair):
            # No meeting named: what it says (who confirmed, who reported) goes to the contact
            # spoken of last.
            item = _held_rather(state.current, claims, s)
            about_it = cues.DISCUSSION.search(s) and _topics(s)
            if not (sources or _says(s) or about_it):
                return
        if item is None:
            state.pending_sources += [x for x in sources if x not in state.pending_sources]
            return
        state.current = item
        claim = item.claim
        claim.spans.append(span)
        if meeting_cue is not None:
            item.modality_cues |= _modality_cues(s)
            unsure = stated is None and _names_another_day(s, event, report.published_on)
            self._place_in_time(
                item, text, sentence, ms, event, report.published_on, stated, unsure
            )
            _note_weekday_conflicts(item, sentence, event, report.published_on)
            if told is not None and told.rank > item.time_rank:
                item.time_rank, item.claim.time_of_day = told.rank, told.value
                if told.converted_from:
                    # "at 20:00 GMT": the venue's time is proposed, with the words it came from.
                    written = Span(sentence.start + told.start, sentence.start + told.end)
                    note = Note("time_converted", told.converted_from, written)
                    if note not in claim.notes:
                        claim.notes.append(note)
            if (
                item.day_rank == 0
                and not unsure
                and state.day_before is not None
                and _modality(_modality_cues(s)) == Modality.HELD
            ):
                # "Obama met Xi on Saturday. Putin met Abe.": a held contact of no day of its
                # own in the account of a day goes on that day, less surely; not across a
                # paragraph, nor a plan, which is no part of the day told.
                item.day_rank, claim.day = _RANK_BEFORE, PartialDate(state.day_before)
                item.day_borrowed = True
            if item.day_rank >= _RANK_RELATIVE and claim.day is not None:
                state.last_day = claim.day.value
                if _modality(item.modality_cues) == Modality.HELD:
                    state.day_told = claim.day.value
        # A sentence that reached the contact is about it: what it names was spoken of there
        # ("telling him at the start of their talks that trade…", "Xi said the Taiwan question…").
        # Why a contact was called off ("citing the seizure of Ukrainian ships") is no topic of it.
        if (
            meeting_cue is None
            or cues.DISCUSSION.search(s)
            or not any(c.search(s) for c in (cues.CANCELLED, cues.DENIED, cues.NEGATED))
        ):
            _add_all(claim.topics, _topics(_without_nationalities(text, sentence, ms, claim)))
        _add_all(claim.sources, state.pending_sources + sources)
        state.pending_sources = []
        if whole_sentence is not sentence:
            _, _, principal_spans = self._principals(text, whole_sentence, whole_ms, event)
        speakers = whole_ms + principal_spans
        confirmers = self._confirmers(
            text, whole_sentence, speakers, claim, state.last_speaker, report.published_on
        )
        opening = _ATTRIBUTED_OPENING.match(whole_sentence.text)
        if opening:
            # "По его словам, Путин рассказал…": who speaks is named in the opening words; the
            # rest is what was said, whoever speaks in it.
            limit = whole_sentence.start + opening.end()
            confirmers = [c for c in confirmers if c.span.start < limit]
        if confirmers:
            state.last_speaker = confirmers[-1]
        elif (
            state.last_speaker is not None
            and state.last_speaker.side in claim.parties
            and cues.PRONOUN_SPEAKS.search(s)
        ):
            confirmers = [state.last_speaker]  # "…, he said": the one who spoke last
        for confirmer in confirmers:
            if all(c.id != confirmer.id for c in claim.confirmers):
                claim.confirmers.append(confirmer)

    def _principals(
        self, text: str, sentence: Sentence, ms: list[Mention], event: EventEntry | None
    ) -> tuple[list[str], bool, list[Mention]]:
        """The principals a sentence names, in order, whether any was named by name, and where
        each is named."""
        leaders = set(event.leaders.values()) if event else set()
        named: list[tuple[int, str]] = []
        spans: list[Mention] = []
        direct = False
        for m in ms:
            if m.kind != "person":
                continue
            person = self.gazetteer.person(m.ref)
            if person and (person.role == "leader" or person.id in leaders):
                named.append((m.start, person.id))
                spans.append(Mention("principal", person.id, m.start, m.end))
                direct = True
        if event is not None:
            parties = [m for m in ms if m.kind in ("party", "adjective", "office")]
            for title in cues.TITLE.finditer(sentence.text):
                at = sentence.start + title.start()
                end = sentence.start + title.end()
                if cues.STAFF_BEFORE.search(text[max(sentence.start, at - 60) : at]):
                    continue
                for party in self._parties_at_title(text, at, end, parties):
                    leader = event.leaders.get(party)
                    if leader:
                        named.append((at, leader))
                        spans.append(Mention("principal", leader, at, end))
        ordered: list[str] = []
        for _, person_id in sorted(named):
            if person_id not in ordered:
                ordered.append(person_id)
        return ordered, direct, spans

    def _parties_at_title(self, text: str, at: int, end: int, parties: list[Mention]) -> list[str]:
        found: list[str] = []
        for m in parties:
            if m.kind == "office" and not self._presidential(m.ref):
                continue
            before = text[m.end : at]
            # "Russian President", "Russia's president", "the US counterpart", "российский
            # лидер": the party right before the title, one word between at most, and a
            # country's name only as a possessive or right before it.
            adjacent = (
                m.end <= at
                and len(before) < 14
                and re.fullmatch(r"(?:'s)?\s*(?:[\w.]+\s+)?", before) is not None
            )
            if adjacent and (m.kind != "party" or before.startswith("'s") or not before.strip()):
                found.append(self._party_ref(m))
                # "the Russian and Chinese leaders", "российский и китайский лидеры": the
                # adjectives joined to it name leaders too.
                joined = m
                for other in sorted(
                    (o for o in parties if o.end <= m.start and o.kind == "adjective"),
                    key=lambda o: -o.start,
                ):
                    if not re.fullmatch(r"\s*(?:,|and|и)\s*", text[other.end : joined.start]):
                        break
                    found.insert(0, self._party_ref(other))
                    joined = other
        cursor = end
        for m in (m for m in parties if m.start >= end):
            gap = text[cursor : m.start]
            pattern = r"\s*(?:of\s+(?:the\s+)?)?" if cursor == end else r"\s*(?:,|and|и)\s*"
            if not re.fullmatch(pattern, gap, re.IGNORECASE):
                break
            found.append(self._party_ref(m))
            cursor = m.end
        return found

    def _presidential(self, office_id: str) -> bool:
        return any(
            o.id == office_id and o.role == "presidential office" for o in self.gazetteer.offices
        )

    def _party_ref(self, m: Mention) -> str:
        return self._party_of.get(m.ref, m.ref) if m.kind == "office" else m.ref

    def _claim_for(
        self,
        pair: tuple[str, str],
        event: EventEntry | None,
        s: str,
        claims: list[_Claim],
        current: _Claim | None,
        direct: bool,
        stated: tuple[int, PartialDate] | None,
        told: _Told | None = None,
    ) -> _Claim:
        kind = _contact_kind(s)
        if kind is None and _modality_cues(s) & {"cancelled", "denied", "negated"}:
            kind = FORMAL  # what is called off or denied is a meeting, not a passing contact
        event_id = event.id if event else None
        pairs = [c for c in claims if c.claim.pair == pair and c.claim.event == event_id]
        same = [c for c in pairs if not _another_day(c, stated) and not _another_time(c, told)]
        found: _Claim | None
        if kind is None and same:
            found = current if current is not None and current in same else same[-1]
            found = _held_rather(found, claims, s)
        else:
            found = next((c for c in same if c.kind_known and _kind_of(c) == kind), None)
            if found is None and kind is not None:
                # A contact first spoken of without saying how ("they spoke") is the one a
                # later sentence describes.
                found = next((c for c in same if not c.kind_known), None)
            if found is None:
                parties = (self._party_of.get(pair[0], ""), self._party_of.get(pair[1], ""))
                found = _Claim(MeetingClaim(pair, parties, event_id, _format(kind), Modality.HELD))
                earlier = [c for c in pairs if c not in same and not _another_day(c, stated)]
                if stated is None and earlier:
                    # "They met again in the evening": another contact of the day spoken of.
                    found.claim.day, found.day_rank = earlier[-1].claim.day, earlier[-1].day_rank
                claims.append(found)
            if kind is not None and not found.kind_known:
                found.kind_known = True
                found.claim.format = _format(kind)
        if kind == INFORMAL and not found.claim.described:
            cue = cues.PULL_ASIDE.search(s) or _MEAL_AT.search(s) or cues.BRIEF.search(s)
            found.claim.described = cue.group(0) if cue else ""
        if _meal_talk(s) and kind == INFORMAL:
            found.kinds.add("meal")
        if cues.PULL_ASIDE.search(s):
            found.kinds.add("pull_aside")
        if cues.EXPANDED.search(s):
            found.kinds.add("expanded")
        if cues.COURTESY.search(s):
            found.kinds.add("courtesy")
        found.named_directly |= direct
        return found

    def _history(
        self,
        pair: tuple[str, str] | None,
        event: EventEntry | None,
        state: _State,
        histories: list[_History],
    ) -> _History | None:
        carried = state.in_history
        if pair is None or (event is None and carried is not None and carried.claim.pair == pair):
            return carried
        event_id = event.id if event else None
        for history in histories:
            if history.claim.pair == pair and history.claim.event in (event_id, None):
                if history.claim.event is None:
                    history.claim.event = event_id
                return history
        parties = (self._party_of.get(pair[0], ""), self._party_of.get(pair[1], ""))
        created = _History(HistoryClaim(pair, parties, event_id))
        histories.append(created)
        return created

    # --- when ---------------------------------------------------------------------------------

    @staticmethod
    def _day_for_clock(
        stated: tuple[int, PartialDate] | None, event: EventEntry | None, anchor: date | None
    ) -> date | None:
        """The day whose clocks a time in another zone is brought to the venue's on: the day
        the sentence states, else the one spoken of last, else the summit's first."""
        if stated is not None and stated[1].precision is Precision.DAY:
            return stated[1].value
        return anchor or (event.start if event is not None else None)

    def _stated_day(
        self, s: str, event: EventEntry | None, published: date, anchor: date | None
    ) -> tuple[int, PartialDate] | None:
        """The day a sentence states for a contact, as a date or relative to the report's date,
        the summit's days or the day spoken of last, with its rank; None when it states none."""
        candidates: list[tuple[int, PartialDate]] = []
        s = _without_dateline(s, published, event)
        for when in dates_in(s, published, event):
            inside = event is None or (
                when.precision is Precision.DAY and event.days_from(when.value) <= 1
            )
            if inside:
                candidates.append((_RANK_EXPLICIT, when))
            elif (
                event
                and when.precision is Precision.MONTH
                and ((when.value.year, when.value.month) == (event.start.year, event.start.month))
            ):
                candidates.append((_RANK_MONTH, when))
        if event is not None and not _dates_a_statement(s):
            s, said_on = _without_saying_days(unlabelled(s, published, event), published, event)
            told = _modality_cues(s)
            tense: Tense = "past" if "held" in told else "ahead" if told else "unsaid"
            relative = relative_day(
                s, published, event, said_on or anchor or published, tense=tense
            )
            if relative is not None:
                candidates.append((_RANK_RELATIVE, PartialDate(relative)))
        return max(candidates, key=lambda c: c[0], default=None)

    def _place_in_time(
        self,
        item: _Claim,
        text: str,
        sentence: Sentence,
        ms: list[Mention],
        event: EventEntry | None,
        published: date,
        stated: tuple[int, PartialDate] | None,
        unsure: bool = False,
    ) -> None:
        session_at: tuple[PartialDate, str, str] | None = None
        if unsure:
            # The sentence names a day that is none of the summit's ("on Monday" in a report of
            # the Sunday it closed): no day, and no session of another day, is guessed for it.
            item.day_unsure = item.day_unsure or item.day_rank < _RANK_RELATIVE
            return
        if event is not None:
            # "told reporters on Sunday evening that they spoke at the retreat": the saying's
            # time of day is not the contact's.
            said, _ = _without_saying_days(sentence.text, published, event)
            for m in ms:
                if m.kind != "session" or not m.ref.startswith(event.id + "/"):
                    continue
                session = next(x for x in event.sessions if f"{event.id}/{x.id}" == m.ref)
                if not _at_time_of_day(said, sentence, m, session):
                    continue
                lead = text[max(sentence.start, m.start - 40) : m.start]
                edge = "end" if cues.SESSION_END.search(lead) else "start"
                session_at = (PartialDate(session.start.date()), session.id, edge)
                break
        best = stated
        if session_at is not None and (best is None or best[0] < _RANK_SESSION):
            best = (_RANK_SESSION, session_at[0])
        if best is not None and best[0] > item.day_rank:
            item.day_rank, item.claim.day = best
        if (
            session_at is not None
            and item.claim.session is None
            and (item.claim.day is None or item.claim.day == session_at[0])
            and (stated is None or stated[1] == session_at[0])
        ):
            # A session on another day than the one stated is another occasion of that name.
            item.claim.session, item.claim.edge = session_at[1], session_at[2]
            if item.claim.day is None:
                item.claim.day = session_at[0]

    def _any_date(self, s: str, published: date, event: EventEntry | None) -> PartialDate | None:
        found = dates_in(s, published, event)
        return found[0] if found else None

    # --- who said it --------------------------------------------------------------------------

    def _sources(self, s: str, ms: list[Mention], sentence: Sentence, own: str | None) -> list[str]:
        if not cues.ATTRIBUTION.search(s):
            # A wire story's dateline names the agency that filed it, with no word of saying:
            # "LIMA, Nov 20 (Reuters) - …", "ЛИМА, 20 ноя — РИА Новости."
            byline = cues.DATELINE.match(s)
            if byline is None:
                return []
            end = byline.end()
            if len(s[end:].strip()) <= 40 and not cues.MEETING.search(s, end):
                end = len(s)
            limit = sentence.start + end
            return list(
                dict.fromkeys(
                    m.ref for m in ms if m.kind == "agency" and m.ref != own and m.start < limit
                )
            )
        names = [m.ref for m in ms if m.kind == "agency" and m.ref != own]
        for outlet in cues.UNLISTED_OUTLET.finditer(s):
            at = sentence.start + outlet.start("name")
            if not any(m.start <= at < m.end for m in ms) and outlet.group("name") != own:
                names.append(outlet.group("name"))
        return list(dict.fromkeys(names))

    def _confirmers(
        self,
        text: str,
        sentence: Sentence,
        ms: list[Mention],
        claim: MeetingClaim,
        last_speaker: Confirmer | None = None,
        on: date | None = None,
    ) -> list[Confirmer]:
        speakers = sorted(
            (m for m in ms if m.kind in ("person", "office", "principal")), key=lambda m: m.start
        )
        found = self._unnamed_staff(text, sentence, ms, speakers, claim, last_speaker, on)
        for m in speakers:
            if not _speaks(text, sentence, m, speakers):
                continue
            if m.kind == "office":
                lead = text[max(sentence.start, m.start - 40) : m.start]
                if cues.STAFF_BEFORE.search(lead) and not cues.PRESS_SERVICE.search(lead):
                    continue  # "представитель Кремля", "spokesman for the Kremlin": a person
                office = next(o for o in self.gazetteer.offices if o.id == m.ref)
                if office.party in claim.parties and all(c.id != office.id for c in found):
                    found.append(
                        Confirmer(
                            office.id,
                            office.names[0],
                            office.role,
                            office.party,
                            Span(m.start, m.end),
                        )
                    )
                continue
            person = self.gazetteer.person(m.ref)
            if person is None or person.party not in claim.parties:
                continue
            if any(c.id == person.id for c in found):
                continue
            if person.id in claim.pair:
                role = "principal"
            elif person.role == "leader" or m.kind == "principal":
                continue
            else:
                role = person.role
            found.append(
                Confirmer(person.id, person.name, role, person.party, Span(m.start, m.end))
            )
        return found

    def _unnamed_staff(
        self,
        text: str,
        sentence: Sentence,
        ms: list[Mention],
        speakers: list[Mention],
        claim: MeetingClaim,
        last_speaker: Confirmer | None,
        on: date | None,
    ) -> list[Confirmer]:
        """Who speaks as a side's staff the report does not name: "the Kremlin spokesman",
        "помощник президента России", "a Chinese foreign ministry spokesperson", "сказал
        представитель Кремля". The side comes from the office, party or principal beside the
        staff word; the one of the roster who holds that post for that side, when only one
        does and the words point at one post ("the", not "a"); else the one named just before
        in that post; else the side's office."""
        found: list[Confirmer] = []
        for staff in cues.STAFF_ROLE.finditer(sentence.text):
            start, end = sentence.start + staff.start(), sentence.start + staff.end()
            if any(
                m.kind == "person"
                and m.ref not in claim.pair
                and (0 <= m.start - end <= 45 or 0 <= start - m.end <= 45)
                for m in ms
            ):
                continue  # a named spokesman: the name speaks ("Kremlin spokesman Dmitry Peskov")
            side_at = self._side_beside(text, start, end, ms, staff.group(0))
            window = text[max(sentence.start, start - 40) : min(sentence.end, end + 40)]
            ministry = bool(cues.FOREIGN_MINISTRY.search(window))
            party = self._side_of(side_at[0]) if side_at else None
            phrase = Mention(
                "role",
                "",
                min([start] + [m.start for m in side_at]),
                max([end] + [m.end for m in side_at]),
            )
            if not _speaks(text, sentence, phrase, speakers):
                continue
            posts = cues.post_roles(staff.group(0))
            # A post that names no side is one of the pair's sides ("the foreign ministry's
            # spokeswoman"); the post is held by whoever held it on the report's date.
            sides = {party} if party is not None else set(claim.parties)
            holders = [
                p
                for p in self.gazetteer.people
                if p.party in sides
                and p.role != "leader"
                and any(post in p.role for post in posts)
                and ("foreign ministry" in p.role) == ministry
                and (on is None or p.held_on(on))
            ]
            gendered = [p for p in holders if cues.same_gender(staff.group(0), p.role)]
            holders = gendered or holders
            # "a spokesman" is one of several; so is a Russian "представитель" (a
            # representative), except the foreign ministry's, whose post it names.
            indefinite = re.search(
                r"(?<!\w)(?:a|an|one|another)\s+(?:[\w-]+\s+){0,3}$",
                text[max(sentence.start, phrase.start - 40) : phrase.start],
                re.IGNORECASE,
            ) or (not ministry and "представител" in staff.group(0).lower())
            chosen: Confirmer | None = None
            if last_speaker is not None and any(h.id == last_speaker.id for h in holders):
                chosen = last_speaker
            elif len(holders) == 1 and not indefinite:
                holder = holders[0]
                chosen = Confirmer(
                    holder.id, holder.name, holder.role, holder.party, Span(start, end)
                )
            elif party is not None:
                office = self._office_of(party, ministry, side_at)
                if office is not None:
                    chosen = Confirmer(
                        office.id, office.names[0], office.role, office.party, Span(start, end)
                    )
            if (
                chosen is not None
                and chosen.side in claim.parties
                and all(c.id != chosen.id for c in found)
            ):
                found.append(chosen)
        return found

    def _side_beside(
        self, text: str, start: int, end: int, ms: list[Mention], staff: str
    ) -> list[Mention]:
        """The mention that names whose staff a post is: the office it is part of ("the
        Chinese Foreign Ministry"), else in Russian the genitive right after it ("пресс-секретарь
        Кремля", "помощник президента России"), in English the name before it ("the Kremlin
        spokesman", "Putin's aide") or after "of", "for" ("a spokesman for the Kremlin")."""
        kinds = ("office", "party", "adjective", "principal", "person")
        near = [m for m in ms if m.kind in kinds]
        inside = [m for m in near if m.kind == "office" and m.start <= start and end <= m.end]
        if inside:
            return inside[:1]
        # Russian may put the principal's post between ("помощник президента России").
        gap = (
            r"\s*(?:[а-яё-]+\s+){0,2}"
            if cues.CYRILLIC.search(staff)
            else r"\s*(?:(?:of|for|to)\s+(?:the\s+)?)?"
        )
        after = [m for m in near if m.start >= end and re.fullmatch(gap, text[end : m.start])]
        before = [
            m
            for m in near
            if m.end <= start and re.fullmatch(r"(?:'s)?\s*(?:[\w-]+\s+){0,2}", text[m.end : start])
        ]
        if cues.CYRILLIC.search(staff):
            return after[:1] or before[-1:]
        return before[-1:] or after[:1]

    def _side_of(self, m: Mention) -> str | None:
        if m.kind in ("party", "adjective"):
            return m.ref
        return self._party_of.get(m.ref)

    def _office_of(self, party: str, ministry: bool, named: list[Mention]) -> OfficeEntry | None:
        """The office an unnamed staffer speaks for: the one named beside the post, else the
        side's foreign ministry or presidential office."""
        for m in named:
            if m.kind == "office":
                return next((o for o in self.gazetteer.offices if o.id == m.ref), None)
        role = "foreign ministry" if ministry else "presidential office"
        return next(
            (o for o in self.gazetteer.offices if o.party == party and o.role == role), None
        )

    # --- the claim as proposed ----------------------------------------------------------------

    def _finish(self, item: _Claim, event: EventEntry | None, published: date) -> MeetingClaim:
        claim = item.claim
        claim.modality = _modality(item.modality_cues)
        if _kind_of(item) == INFORMAL:
            if "meal" in item.kinds:
                claim.format = MeetingFormat.MEAL_CONVERSATION
            elif "pull_aside" in item.kinds:
                claim.format = MeetingFormat.PULL_ASIDE
        elif "courtesy" in item.kinds:
            claim.format = MeetingFormat.COURTESY_CALL
        elif "expanded" in item.kinds:
            claim.format = MeetingFormat.BILATERAL_EXPANDED
        ev = self.gazetteer.event(claim.event) if claim.event else event
        if (
            claim.day is None
            and not item.day_unsure
            and claim.modality is Modality.HELD
            and ev is not None
            and ev.days_from(published) == 0
        ):
            # A report filed during a summit about a contact held there, with no other word of
            # when: the day it was filed.
            claim.day = PartialDate(published)
            item.day_rank = _RANK_PUBLISHED
        confidence = 0.4
        confidence += 0.2 if item.named_directly else 0.0
        confidence += 0.15 if item.modality_cues else 0.0
        confidence += 0.1 if item.day_rank >= _RANK_RELATIVE else 0.0
        confidence += 0.1 if len(claim.spans) >= 2 else 0.0
        if item.day_unsure and claim.day is None:
            confidence -= 0.2  # a person must say the day: it is no day the reader could tell
        if item.day_borrowed:
            confidence -= 0.1  # the day of the sentence before: a person may check it
        if item.day_in_doubt:
            confidence -= 0.2  # the report contradicts itself on the day: a person checks it
        claim.confidence = round(min(confidence, 0.95), 2)
        return claim


# --- sentence-level helpers --------------------------------------------------------------------


_CLAUSE_BREAK = re.compile(
    r"(?:,|;|\s[-—–])\s+(?=(?:after|but|while|whereas|although|though|before|once|"
    r"после того как|но|а|однако|хотя|тогда как)\s)",
    re.IGNORECASE,
)


def _clauses(sentence: Sentence) -> list[Sentence]:
    """A sentence cut into its clauses when they speak of contacts of two kinds ("had an
    informal conversation at the dinner, after Trump scrapped their formal meeting") or of two
    fates ("no meeting took place, but they exchanged a few words"), so that each clause's
    words go to its own contact; otherwise the sentence whole."""
    cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence.text)] + [len(sentence.text)]
    pieces = [(a, b) for a, b in pairwise(cuts) if b > a]
    if len(pieces) < 2:
        return [sentence]
    told = [sentence.text[a:b] for a, b in pieces if cues.MEETING.search(sentence.text[a:b])]
    kinds = {_worded_kind(piece) for piece in told}
    if not {FORMAL, INFORMAL} <= kinds and (
        # "There was no meeting, but they exchanged a few words": one contact denied, one held.
        len(told) < 2 or len({bool(_modality_cues(piece) & _NOT_HELD) for piece in told}) < 2
    ):
        return [sentence]
    return [
        Sentence(
            sentence.start + a,
            sentence.start + b,
            sentence.paragraph,
            sentence.text[a:b],
        )
        for a, b in pieces
    ]


# A clause of a pair whose verb is the clause's before ("а Обама — с Си Цзиньпином", "and Obama,
# Xi", "and Obama with Xi"): a conjunction, a name, a dash, a comma or "with", a name, and no more.
_GAPPED = re.compile(
    r"[,;]?\s*(?:and|while|whereas|but|а|и|но|тогда как)\s+(?:[\w.'-]+\s+){0,3}?[\w.'-]+"
    r"(?:\s*[—–-]\s*(?:(?:с|со|with)\s+)?|,\s+|\s+(?:with|с|со)\s+)(?:[\w.'-]+\s*){1,4}[.!]?\s*$",
    re.IGNORECASE,
)


# Where a sentence may pass from one pair's contact to another's: "; ", ", and ", ", while ",
# " and " before a capital ("On Saturday Obama met Xi and Putin met Abe"), ", а ".
_PAIR_BREAK = re.compile(
    r";\s|,\s+(?=(?:and|while|whereas|but|а|и|но|тогда как)\s)"
    r"|\s(?=(?:and|while|whereas|и|а)\s+[A-ZА-ЯЁ])"
)


_ATTRIBUTED_OPENING = re.compile(
    r"(?:по (?:его |ее |её |их )?словам|according to|as (?:\w+ ){0,4}(?:said|told \w+))[^,]{0,60},",
    re.IGNORECASE,
)
_NOT_HELD = frozenset({"cancelled", "denied", "negated"})


# "with", "с": the principals after it are the first one's partners.
_WITH = re.compile(r"(?<!\w)(?:with|с|со)(?!\w)", re.IGNORECASE)


def _first_at(person_id: str, spans: list[Mention]) -> Mention | None:
    return min((m for m in spans if m.ref == person_id), key=lambda m: m.start, default=None)


_NEXT_CLAUSE = re.compile(r";|,\s*(?:а|and|while|whereas|но|but)\s", re.IGNORECASE)


def _partners(text: str, principals: list[str], spans: list[Mention]) -> list[str]:
    """The principals a sentence names as its first principal's partners ("Putin will meet
    with Xi and Erdogan", "в том числе с Си Цзиньпином и Эрдоганом"): those after a "with"
    that follows the first principal, when there are two or more."""
    if len(principals) < 3:
        return []
    first, second = _first_at(principals[0], spans), _first_at(principals[1], spans)
    if first is None or second is None or not _WITH.search(text[first.end : second.start]):
        return []
    partners = [principals[1]]
    previous = second
    for principal in principals[2:]:
        at = _first_at(principal, spans)
        if at is None or _NEXT_CLAUSE.search(text[previous.end : at.start]):
            # "Путин встретился с Абэ, а Обама — с Си": the next clause's subject, no partner.
            break
        partners.append(principal)
        previous = at
    return partners if len(partners) >= 2 else []


def _counterpart(
    text: str,
    named: str,
    spans: list[Mention],
    claims: list[_Claim],
    event: EventEntry | None,
) -> str | None:
    """Whom a principal named alone after "with" meets ("Встреча с Си Цзиньпином намечена на 3
    июля"): the partner of the contact spoken of with that principal at this event, else the
    principal the report's contacts share (the one whose meetings it lists)."""
    at = _first_at(named, spans)
    before = text[max(0, at.start - 30) : at.start].split() if at else []
    if not before or not _WITH.fullmatch(before[-1]):
        return None
    event_id = event.id if event else None
    mine = [c.claim.pair for c in claims if c.claim.event == event_id and named in c.claim.pair]
    if mine:
        first, second = mine[-1]
        return second if first == named else first
    counts = Counter(p for c in claims if c.claim.event == event_id for p in c.claim.pair)
    return counts.most_common(1)[0][0] if counts else None


def _event_in_stated_time(s: str, event: EventEntry, report: Report) -> bool:
    """Whether the month or year a sentence states for a recalled meeting can be the event's:
    "в мае" of a report of September 2023 is not a summit of August 2019."""
    stated = dates_in(s, report.published_on, None)
    if not stated:
        return True
    when = stated[0]
    if when.precision is Precision.YEAR or when.precision is Precision.MONTH:
        same_year = when.value.year in (event.start.year, event.end.year)
        if when.precision is Precision.YEAR:
            return same_year
        return same_year and when.value.month in (event.start.month, event.end.month)
    return event.days_from(when.value) <= 3


def _without_nationalities(
    text: str, sentence: Sentence, ms: list[Mention], claim: MeetingClaim
) -> str:
    """The sentence with the pair's own nationalities blanked where they name a principal's
    post ("с иранским коллегой", "Ukrainian President Zelensky"): a leader's country is no
    topic of the talk; the country named on its own still is ("discussed Ukraine")."""
    chars = list(sentence.text)
    for m in ms:
        if m.kind not in ("party", "adjective") or m.ref not in claim.parties:
            continue
        around = text[max(sentence.start, m.start - 15) : min(sentence.end, m.end + 15)]
        if cues.TITLE.search(around):
            for i in range(m.start - sentence.start, m.end - sentence.start):
                chars[i] = " "
    return "".join(chars)


def _held_rather(item: _Claim, claims: list[_Claim], s: str) -> _Claim:
    """What a sentence adds without saying which contact ("the leaders endorsed a statement on
    Syria", "the Kremlin said they might still talk") goes to the pair's contact that was held,
    not to the meeting called off or denied that was spoken of just before."""
    if "held" in item.modality_cues or not item.modality_cues & _NOT_HELD:
        return item
    if _modality_cues(s) & (_NOT_HELD | {"not_planned"}):
        return item
    held = [
        c
        for c in claims
        if c.claim.pair == item.claim.pair
        and c.claim.event == item.claim.event
        and "held" in c.modality_cues
    ]
    return held[-1] if held else item


def _names_another_day(s: str, event: EventEntry | None, published: date) -> bool:
    """Whether a sentence dates a contact by a word counted from the report's date ("on
    Monday", "yesterday") that names no day of the summit."""
    if event is None or _dates_a_statement(s):
        return False
    s = _without_dateline(s, published, event)
    if written_days(s, published, event):
        # "met on November 25", "on Saturday, November 26": a date the report writes, which is
        # none of the summit's (a summit day would have been stated).
        return True
    s, _ = _without_saying_days(unlabelled(s, published, event), published, event)
    counted = (
        cues.WEEKDAY,
        cues.YESTERDAY,
        cues.DAY_BEFORE_YESTERDAY,
        cues.TODAY,
        cues.TOMORROW,
        cues.DAY_OF_MONTH,
    )
    return any(c.search(s) for c in counted)


def _without_dateline(s: str, published: date, event: EventEntry | None) -> str:
    """The sentence without a wire story's dateline: "LIMA, Nov 20 (Reuters) - …" dates the
    report's filing, not the contact."""
    dateline = cues.DATELINE.match(s)
    if dateline and dates_in(dateline.group(0), published, event):
        return " " * dateline.end() + s[dateline.end() :]
    return s


def _note_weekday_conflicts(
    item: _Claim, sentence: Sentence, event: EventEntry | None, published: date
) -> None:
    """Flag a date written with a weekday it does not fall on ("on Saturday, November 20" when
    the 20th is a Sunday). The reader does not pick one silently: the written date stays the
    proposed day (when it is a summit day), since reporters and translators slip on a weekday
    more often than on a date copied from a readout or a programme, and a press officer expects
    the date the report prints; the claim says which words disagree and is proposed with less
    confidence, for a person to check."""
    s = _without_dateline(sentence.text, published, event)
    for labelled in labelled_dates(s, published, event):
        if labelled.agrees:
            continue
        span = Span(sentence.start + labelled.start, sentence.start + labelled.end)
        note = Note("weekday_conflict", sentence.text[labelled.start : labelled.end], span)
        if note not in item.claim.notes:
            item.claim.notes.append(note)
        item.day_in_doubt = True


@dataclass(frozen=True, slots=True)
class _Told:
    """A time of day a sentence gives: ``rank`` 2 on the clock, 1 in words ("morning");
    ``value`` on the venue's clock ("15:00") or the words' name; where it is written; whether
    it is said to be local; and, for a time brought from another zone, the words that gave it
    ("20:00 GMT")."""

    rank: int
    value: str
    start: int = 0
    end: int = 0
    local: bool = False
    converted_from: str = ""


# What may join two times of one pair's two contacts in a sentence: "met at 10:00 and again at
# 16:30", "в 10:00 и еще раз в 16:30". Not "began at 10:00 and ended at 11:30": one contact.
_AGAIN_BETWEEN = re.compile(
    r"[\s,;]*(?:(?:and|и|а)\s+)?(?:(?:then|later|afterwards|затем|потом|позже)\s*,?\s*)?"
    r"(?:again|once again|once more|a second time|снова|вновь|ещё раз|еще раз|повторно)?\s*"
    r"(?:(?:at|around|about|в|около)\s+)?",  # the second time's preposition
    re.IGNORECASE,
)


_AGAIN = re.compile(
    r"(?<!\w)(?:again|once more|a second time|снова|вновь|ещё раз|еще раз|повторно)(?!\w)",
    re.IGNORECASE,
)


def _clock_times(s: str, event: EventEntry | None, day: date | None) -> list[_Told]:
    """The times on the clock a sentence gives, in its order, on the venue's clock: a time
    written in another zone ("20:00 GMT", "в 22:30 мск") brought to the venue's on ``day``
    (taken to be the venue's day, as a report dates a contact where it was held); one in a
    zone the reader does not know, or for an event whose zone it does not know, left out."""
    found: list[_Told] = []
    for m in cues.CLOCK_TIME.finditer(s):
        hour, minute, half = int(m.group("hour")), m.group("minute"), m.group("half")
        if minute is None and half is None:
            continue  # "at 3": a number, not a time
        if half is not None:
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if half.lower() == "p" else 0)
        if hour > 23 or int(minute or 0) > 59:
            continue
        at = time(hour, int(minute or 0))
        zone = cues.TIME_ZONE_AFTER.match(s, m.end())
        if zone is None or zone.group("local"):
            value = at.strftime("%H:%M")
            found.append(_Told(2, value, m.start("hour"), m.end(), local=zone is not None))
            continue
        venue = _on_venue_clock(at, zone.group("zone"), event, day)
        if venue is not None:
            words = " ".join(s[m.start("hour") : zone.end()].replace("(", "").split())
            found.append(_Told(2, venue, m.start("hour"), zone.end(), converted_from=words))
    return found


def _on_venue_clock(
    at: time, zone_words: str, event: EventEntry | None, day: date | None
) -> str | None:
    """``at`` on the clock of the zone the words name, as HH:MM on the venue's clock on
    ``day``; None when either zone is unknown."""
    if event is None or not event.timezone or day is None:
        return None
    clock = cues.ZONE_CLOCKS.get(" ".join(zone_words.lower().split()))
    if clock is None:
        return None
    written = ZoneInfo(clock) if isinstance(clock, str) else timezone(timedelta(hours=clock))
    moment = datetime.combine(day, at, tzinfo=written)
    return moment.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")


def _told_times(s: str, event: EventEntry | None, published: date, day: date | None) -> list[_Told]:
    """The times of day a sentence gives a contact, best first: a time said to be local, then
    one on the clock ("at 15:00", "at 3 p.m.", "в 15.00"), then one brought from another zone,
    then noon, then words for a part of the day ("in the morning", «вечером»). What tells two
    contacts of one pair on one day apart."""
    s = _without_dateline(s, published, event)
    if event is not None:
        s, _ = _without_saying_days(s, published, event)
    clocks = _clock_times(s, event, day)
    if clocks:
        return sorted(clocks, key=lambda t: (not t.local, bool(t.converted_from)))
    if cues.NOON.search(s):
        return [_Told(2, "12:00")]
    for name, cue, _ in cues.NAMED_TIMES_OF_DAY:
        if cue.search(s):
            return [_Told(1, name)]
    return []


def _told_time(s: str, event: EventEntry | None, published: date, day: date | None) -> _Told | None:
    """The time of day a sentence gives a contact, on the venue's clock (``_told_times``)."""
    told = _told_times(s, event, published, day)
    return told[0] if told else None


def _times_again(
    s: str, event: EventEntry | None, published: date, day: date | None
) -> list[_Told]:
    """The times of one pair's contacts a sentence gives one after another ("met at 10:00 and
    again at 16:30"): each time on the clock joined to the one before by no more than "and",
    "then" or "again", and more than an hour from it; the first with them. Empty when the
    sentence gives one contact's time."""
    s = _without_dateline(s, published, event)
    # A time said to be local beside the same time in another zone is one time given twice.
    clocks = [t for t in _clock_times(s, event, day) if not t.local]
    found: list[_Told] = []
    for before, after in pairwise(clocks):
        between = s[before.end : after.start]
        # "at 10:00 on Saturday and again at 16:30": a few words of when, with "again".
        loose = len(between.split()) <= 6 and _AGAIN.search(between) is not None
        if not (loose or _AGAIN_BETWEEN.fullmatch(between)):
            continue
        hours = hours_of_day(before.value), hours_of_day(after.value)
        if hours[0] is None or hours[1] is None or abs(hours[0][0] - hours[1][0]) <= 1.0:
            continue
        found += [t for t in (before, after) if t not in found]
    return found if len(found) >= 2 else []


def _another_time(item: _Claim, told: _Told | None) -> bool:
    """Whether a sentence gives a time of day apart from the contact's ("in the morning", then
    "again in the evening"): two contacts of one pair at two times are two claims. Two times on
    the clock within an hour are one contact ("met at 10:00", "the talks began at 10:30")."""
    known = item.claim.time_of_day
    if told is None or known is None:
        return False
    ours, theirs = hours_of_day(known), hours_of_day(told.value)
    if ours is None or theirs is None:
        return False
    slack = 1.0 if ours[0] == ours[1] and theirs[0] == theirs[1] else 0.0
    return ours[0] - slack > theirs[1] or theirs[0] - slack > ours[1]


def _at_time_of_day(said: str, sentence: Sentence, m: Mention, session: SessionEntry) -> bool:
    """Whether a programme session can be the time of day the sentence names, outside the
    session's own name ("on Saturday morning at the gala dinner" is no gala dinner at 19:30;
    "the dinner" names its own time). ``said`` is the sentence's text without the days that
    date a saying."""
    words = said[: m.start - sentence.start] + " " + said[m.end - sentence.start :]
    midnight = datetime.combine(session.start.date(), time())
    start_h = (session.start - midnight).total_seconds() / 3600
    end_h = (session.end - midnight).total_seconds() / 3600
    named = [hours for cue, hours in cues.TIMES_OF_DAY if cue.search(words)]
    return not named or any(start_h < last and first < end_h for first, last in named)


def _dates_a_statement(s: str) -> bool:
    """Whether a day the sentence names dates a calling-off or a denial: "Trump called off the
    meeting on Thursday" dates the calling-off, not the meeting."""
    statement = (cues.CANCELLED, cues.DENIED, cues.NEGATED, cues.NOT_PLANNED)
    return any(c.search(s) for c in statement)


def _without_saying_days(s: str, published: date, event: EventEntry) -> tuple[str, date | None]:
    """The sentence without the days that date a saying ("Peskov on Monday called the talk
    constructive"), and the first such day: what "the night before" counts back from."""
    said_on: date | None = None
    for m in cues.SAYING_DAY.finditer(s):
        start, end = m.span("after" if m.group("after") else "before")
        said_on = said_on or relative_day(s[start:end], published, event, any_day=True)
        s = s[:start] + " " * (end - start) + s[end:]
    return s, said_on


def _another_day(item: _Claim, stated: tuple[int, PartialDate] | None) -> bool:
    """Whether a sentence states a day other than the one a contact was placed on: two
    contacts of one pair on two days are two claims."""
    return (
        stated is not None
        and stated[0] >= _RANK_RELATIVE
        and item.day_rank >= _RANK_RELATIVE
        and item.claim.day is not None
        and stated[1] != item.claim.day
    )


_CALL_WORD = re.compile(r"phone|телефон|созвонил|call|позвони|звон", re.IGNORECASE)
_ABOUT = re.compile(r"(?<!\w)(?:discuss\w*|обсуди\w*|обсужда\w*)", re.IGNORECASE)
# "called" just before the one called ("Obama called Putin", "called his Russian counterpart").
# The words between may be the one's own ("his Russian counterpart", "Russian President"), not
# another thing's ("called the talk between Putin and Obama useful").
_CALLED = re.compile(
    r"(?<!\w)called\s+(?:(?:his|her|their)\s+(?:[\w.-]+\s+){0,2}|(?:the\s+)?(?:[A-Z][\w.-]*\s+){0,3})$"
)


def _tells_a_call_only(s: str, called: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the only contact a sentence tells of is a call on the telephone: no word of a
    meeting is left once the call's words are taken out ("spoke by phone to discuss Syria" is a
    call; "met on Saturday after a phone call on Friday" is a meeting). ``called``: where in the
    sentence the principals are named; "called" before one of them is a call ("Obama called
    Putin"), not "called for" nor "called Putin's talk useful"."""
    for start, end in called:
        verb = _CALLED.search(s, 0, start)
        if verb and not s.startswith("'s", end):
            s = s[: verb.start()] + "phoned" + s[verb.start() + len("called") :]
    if not _CALL_WORD.search(s):
        return False  # most sentences: a quick look for the words every call cue holds
    rest = _ABOUT.sub(" ", cues.CALL.sub(" ", s))
    return cues.MEETING.search(rest) is None


def _recalls(s: str) -> bool:
    """Whether a sentence recalls an earlier meeting ("they last met in Hangzhou"), and not a
    last one still to come."""
    return bool(cues.HISTORY.search(s)) and not cues.HISTORY_AHEAD.search(s)


def _add_all(into: list[str], items: list[str]) -> None:
    for x in items:
        if x not in into:
            into.append(x)


def _format(kind: str | None) -> MeetingFormat:
    if kind == INFORMAL:
        return MeetingFormat.BRIEF_CONTACT
    return MeetingFormat.BILATERAL_RESTRICTED


def _kind_of(item: _Claim) -> str:
    fmt = item.claim.format
    formal = (MeetingFormat.BILATERAL_RESTRICTED, MeetingFormat.BILATERAL_EXPANDED)
    return FORMAL if fmt in formal else INFORMAL


def _duration_min(s: str) -> float | None:
    half = _HALF_HOURS.search(s)
    if half:
        hours = half.group("hours")
        return 30.0 + (60.0 * _number(hours) if hours else 0.0)
    for m in _DURATION.finditer(s):
        if m.group(1):
            return _number(m.group(1))
        count = m.group(2)
        if count is None:
            return 60.0
        return 60.0 * _number(count)
    return None


def _number(word: str) -> float:
    if word.isdigit():
        return float(word)
    lower = word.lower()
    if lower in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[lower])
    # A Russian number word by its stem, the longest first: "тридцати" is thirty, not three.
    for key in sorted(_WORD_NUMBERS, key=len, reverse=True):
        if not key.isascii() and lower.startswith(key):
            return float(_WORD_NUMBERS[key])
    return 1.0


def _meal_talk(s: str) -> bool:
    return bool(_MEAL_AT.search(s) and cues.TALK.search(s)) or bool(cues.MEAL_TOGETHER.search(s))


def _worded_kind(s: str) -> str | None:
    """Formal meeting or informal contact, as the sentence's own words name it."""
    if _meal_talk(s) or cues.PULL_ASIDE.search(s) or cues.BRIEF.search(s):
        return INFORMAL
    if cues.FORMAL.search(s):
        return FORMAL
    return None


def _contact_kind(s: str) -> str | None:
    """Formal meeting or informal contact, from the sentence's words; None when it does not
    say."""
    if _meal_talk(s):
        return INFORMAL
    minutes = _duration_min(s)
    if minutes is not None and minutes >= 20:
        return FORMAL  # a sit-down of twenty minutes or more is a meeting, however it is called
    if minutes is not None and minutes < 15:
        return INFORMAL  # "for about four minutes": a few minutes are a brief contact
    return _worded_kind(s)


def _modality_cues(s: str) -> set[str]:
    found: set[str] = set()
    if cues.CANCELLED.search(s) or cues.FAILED.search(s):
        found.add("cancelled")
    if cues.DENIED.search(s):
        found.add("denied")
    if cues.NOT_PLANNED.search(s):
        found.add("not_planned")
    negated = cues.NEGATED.search(s)
    if negated and cues.CAUSE.search(s):
        found.add("cancelled")  # "had not held a meeting because of…": sought, and not held
    elif negated and "not_planned" not in found:
        found.add("negated")  # "no meeting was planned" negates the plan, not the meeting
    possible = cues.POSSIBLE.search(s)
    if possible:
        found.add("possible")
    planned = cues.PLANNED.search(s)
    # "не исключили, что Путин встретится с…", "may be expected to meet": a plan inside a
    # possibility is only possible.
    if (
        planned
        and "not_planned" not in found
        and not (possible and possible.start() < planned.start())
    ):
        found.add("planned")
    held = cues.HELD.search(s)
    held_negated = (
        negated is not None
        and held is not None
        and (negated.start() <= held.start() < negated.end())
    )
    if held and not held_negated and not found & {"cancelled", "denied", "not_planned", "negated"}:
        found.add("held")
    return found


def _modality(found: set[str]) -> Modality:
    """What the sentences about one contact say together: held beats any plan, a cancellation
    beats the plan it cancels."""
    if "held" in found:
        return Modality.HELD
    if "cancelled" in found:
        return Modality.CANCELLED
    if "negated" in found and "planned" in found:
        return Modality.CANCELLED
    if "denied" in found or ("negated" in found and "not_planned" not in found):
        return Modality.DENIED
    if "planned" in found and "not_planned" not in found:
        return Modality.PLANNED
    if found & {"not_planned", "possible"}:
        return Modality.POSSIBLE_NOT_PLANNED
    return Modality.HELD


def _topics(s: str) -> list[str]:
    return [name for name, pattern in cues.TOPICS.items() if pattern.search(s)]


_NOT_THE_SPEAKER = re.compile(
    r"[.;,:\"«»]|(?<!\w)(?:that|что|как|about|о том)(?!\w)", re.IGNORECASE
)


_OWNER_OF_SPEAKER = re.compile(
    r"(?:'s)?\s+(?:[\w-]+\s+){0,2}(?:office|spokes\w*|aide|aides|adviser|advisers|press\s+\w+|"
    r"team|staff|government|administration|camp|ministry)(?!\w)",
    re.IGNORECASE,
)


_APPOSITION = re.compile(
    r",\s+(?:the\s+|his\s+|her\s+)?[^,]{0,30}?(?:spokes\w*|secretary|aide|adviser|advisor|"
    r"minister|official|пресс-секретар\w*|помощник\w*|советник\w*|министр\w*)[^,]{0,25},"
    # or a participle's phrase: "Modi, sitting beside Trump, said", "Путин, отвечая на вопрос,"
    r"|,\s+(?:\w+ing|\w+(?:ая|яя|ясь|ив|ав|ув|вшись))\s[^,]{0,40},",
    re.IGNORECASE,
)


# How far a speaker's verb may stand after the name: an adverbial may come between ("Президент
# России в ответ на вопросы журналистов назвал…"), a clause may not (punctuation stops it).
_SPEAKER_REACH = 45


# A verb of saying and its "that": what follows is what was said.
_REPORTED = re.compile(
    r"(?<!\w)(?:said|says|told(?:\s+\w+){0,6}?|added|confirmed|заявил\w*|сообщил\w*|"
    r"рассказал\w*|подтвердил\w*)\s*,?\s+(?:that|что)(?!\w)",
    re.IGNORECASE,
)


def _says(s: str) -> bool:
    return bool(cues.SPEECH.search(s) or cues.VERDICT.search(s))


def _speaks(text: str, sentence: Sentence, m: Mention, speakers: list[Mention]) -> bool:
    """Whether the named person or office is the one speaking: "Peskov confirmed", "said
    Peskov", "according to the Kremlin", "сообщил журналистам Дмитрий Песков", "по словам
    Пескова" -- and not someone spoken about ("Tillerson said that Trump pressed Putin")."""
    after = text[m.end : min(sentence.end, m.end + 70)]
    if m.start == sentence.start and after.startswith(":"):
        return True  # a headline's attribution: "Песков: Путин и Обама поговорили…"
    if _OWNER_OF_SPEAKER.match(after):
        return False  # "Erdogan's office said", "Trudeau's spokesman told": not the person
    said_before = text[sentence.start : m.start]
    if _REPORTED.search(said_before) and any(o.end <= m.start for o in speakers):
        # "Trump told reporters that Putin had again denied meddling": a name inside what
        # another speaker said is spoken about, whatever verb follows it.
        return False
    # "Peskov, the Kremlin's spokesman, confirmed": the apposition is skipped.
    apposition = _APPOSITION.match(after)
    skip = apposition.end() if apposition else 0
    hits = [h for h in (cues.SPEECH.search(after, skip), cues.VERDICT.search(after, skip)) if h]
    hit = min(hits, key=lambda h: h.start(), default=None)
    if (
        hit
        and hit.start() - skip <= _SPEAKER_REACH
        and not _NOT_THE_SPEAKER.search(after[skip : hit.start()])
        and not any(m.end + skip <= o.start < m.end + hit.start() for o in speakers)
    ):
        return True
    before = text[max(sentence.start, m.start - 70) : m.start]
    cues_before = list(cues.SPEECH.finditer(before))
    last = cues_before[-1] if cues_before else None
    if last is None or _NOT_THE_SPEAKER.search(before[last.end() :]):
        return False
    cue_start = m.start - len(before) + last.start()
    cue_end = m.start - len(before) + last.end()
    # "Lavrov said Trump had accepted": the one named just before the verb is its speaker; not
    # so after a comma ("…and Susan Rice, said Peskov").
    if any(
        cue_start - 3 <= o.end <= cue_start and not re.search(r"[,;:]", text[o.end : cue_start])
        for o in speakers
    ):
        return False
    # "сообщила официальный представитель МИД России Мария Захарова": an office a staff word
    # names stands between the verb and its speaker.
    return not any(cue_end <= o.start < m.start and o.kind != "office" for o in speakers)
