"""Reading press reports: per-field precision, recall and F1 of the reader's claims against the
claims written by hand in ``benchmarks/report-set/``, and the time it takes.

Each field is scored as a set of tuples per report, summed over the reports (micro average):

    pair        the pairs of principals of the report's meetings
    event       (pair, event)
    day         (pair, day) where a day is given (a month stays a month)
    format      (pair, format)
    modality    (pair, modality)
    confirmer   (pair, who, side)
    sources     the agencies named (the report's own publisher left out)
    topics      the topics of the report's meetings
    history     (pair, event) of the earlier meetings the report recalls

"accepted unedited" is the share of proposals a person would accept without editing a field:
a proposed meeting whose every field (pair, event, day, format, modality, confirmers with their
sides, sources, topics) equals one written by hand, and a recalled meeting whose pair and event
equal one written by hand. A proposal nobody wrote down counts as edited (it is dropped).

    python benchmarks/reports.py [--split development|heldout|all] [--show-errors]
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from sidelines.formats.reports import Reading, Report, ReportReader, default_gazetteer

SET_DIR = Path(__file__).parent / "report-set"
# The rules are written on the development reports: ``tune`` from the start, then each round's
# held-out reports once that round had read them (``tune-2`` to ``tune-6``). The ``heldout``
# reports are the latest round's, written before its rules changed and read once after.
SPLITS = {f"tune{n}": "development" for n in ("", "-2", "-3", "-4", "-5", "-6")} | {
    "heldout": "heldout"
}
FIELDS = ("pair", "event", "day", "format", "modality", "confirmer", "sources", "topics", "history")


@dataclass(frozen=True)
class Case:
    id: str
    split: str
    language: str
    source: str
    published_on: date
    text: str
    expected: dict[str, Any]


def load_cases(directory: Path = SET_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["reports"]:
            cases.append(
                Case(
                    raw["id"],
                    raw["split"],
                    raw["language"],
                    raw["source"],
                    raw["published_on"],
                    raw["text"],
                    raw["expected"],
                )
            )
    return cases


def _pair(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(items))


def expected_tuples(expected: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    found: dict[str, set[tuple[Any, ...]]] = {name: set() for name in FIELDS}
    for m in expected.get("meetings", []):
        pair = _pair(m["pair"])
        found["pair"].add((pair,))
        found["event"].add((pair, m["event"]))
        if m.get("day") is not None:
            found["day"].add((pair, str(m["day"])))
        found["format"].add((pair, m["format"]))
        found["modality"].add((pair, m["modality"]))
        found["confirmer"] |= {(pair, who, side) for who, side in m.get("confirmers", [])}
        found["sources"] |= {(s,) for s in m.get("sources", [])}
        found["topics"] |= {(t,) for t in m.get("topics", [])}
    for h in expected.get("history", []):
        found["history"].add((_pair(h["pair"]), h["event"]))
    return found


def read_tuples(reading: Reading) -> dict[str, set[tuple[Any, ...]]]:
    found: dict[str, set[tuple[Any, ...]]] = {name: set() for name in FIELDS}
    for m in reading.meetings:
        pair = m.pair
        found["pair"].add((pair,))
        found["event"].add((pair, m.event))
        if m.day is not None:
            found["day"].add((pair, str(m.day)))
        found["format"].add((pair, str(m.format)))
        found["modality"].add((pair, str(m.modality)))
        found["confirmer"] |= {(pair, c.id, c.side) for c in m.confirmers}
        found["sources"] |= {(s,) for s in m.sources}
        found["topics"] |= {(t,) for t in m.topics}
    for h in reading.history:
        found["history"].add((h.pair, h.event))
    return found


def _meeting_key(pair: tuple[str, ...], m: dict[str, Any]) -> tuple[Any, ...]:
    return (
        pair,
        m["event"],
        None if m.get("day") is None else str(m["day"]),
        m["format"],
        m["modality"],
        frozenset((w, s) for w, s in m.get("confirmers", [])),
        frozenset(m.get("sources", [])),
        frozenset(m.get("topics", [])),
    )


@dataclass
class Tally:
    true_positive: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    predicted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    expected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    proposals: int = 0
    accepted: int = 0
    history_proposals: int = 0
    history_accepted: int = 0
    words: int = 0
    seconds: float = 0.0
    reports: int = 0

    def add(self, got: dict[str, set[Any]], want: dict[str, set[Any]]) -> None:
        for name in FIELDS:
            self.true_positive[name] += len(got[name] & want[name])
            self.predicted[name] += len(got[name])
            self.expected[name] += len(want[name])

    def scores(self, name: str) -> tuple[float, float, float]:
        tp, p, e = self.true_positive[name], self.predicted[name], self.expected[name]
        precision = tp / p if p else 1.0
        recall = tp / e if e else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def evaluate(cases: list[Case], reader: ReportReader, show_errors: bool = False) -> Tally:
    tally = Tally()
    for case in cases:
        report = Report(case.text, case.published_on, case.source)
        started = time.perf_counter()
        reading = reader.read(report)
        tally.seconds += time.perf_counter() - started
        tally.words += len(re.findall(r"\w+", case.text))
        tally.reports += 1
        got, want = read_tuples(reading), expected_tuples(case.expected)
        tally.add(got, want)
        wanted = {_meeting_key(_pair(m["pair"]), m) for m in case.expected.get("meetings", [])}
        for m in reading.meetings:
            tally.proposals += 1
            as_expected = {
                "event": m.event,
                "day": None if m.day is None else str(m.day),
                "format": str(m.format),
                "modality": str(m.modality),
                "confirmers": [(c.id, c.side) for c in m.confirmers],
                "sources": m.sources,
                "topics": m.topics,
            }
            tally.accepted += _meeting_key(m.pair, as_expected) in wanted
        for h in reading.history:
            tally.history_proposals += 1
            tally.history_accepted += (h.pair, h.event) in want["history"]
        if show_errors:
            for name in FIELDS:
                missing, extra = want[name] - got[name], got[name] - want[name]
                if missing or extra:
                    print(
                        f"{case.id:18} {name:10} missing {sorted(missing, key=str)}"
                        f" extra {sorted(extra, key=str)}"
                    )
    return tally


def table(title: str, tally: Tally) -> str:
    lines = [
        f"{title}: {tally.reports} reports, {tally.words} words",
        "",
        "| field | written | proposed | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in FIELDS:
        precision, recall, f1 = tally.scores(name)
        lines.append(
            f"| {name} | {tally.expected[name]} | {tally.predicted[name]} | {precision:.2f}"
            f" | {recall:.2f} | {f1:.2f} |"
        )
    per_1000 = 1000 * tally.seconds / tally.words if tally.words else 0.0
    accepted = tally.accepted + tally.history_accepted
    proposals = tally.proposals + tally.history_proposals
    lines += [
        "",
        f"proposals accepted unedited: {accepted} of {proposals} ({_share(accepted, proposals)};"
        f" meetings {tally.accepted} of {tally.proposals}, recalled meetings"
        f" {tally.history_accepted} of {tally.history_proposals})",
        f"reading time: {1000 * per_1000:.1f} ms per 1,000 words",
    ]
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "none proposed"


def thousand_words(cases: list[Case], language: str) -> str:
    """A report of exactly 1,000 words: the set's reports in one language, one after another
    (again from the first when they run out), cut after the 1,000th word."""
    texts = [c.text for c in cases if c.language == language]
    words: list[str] = []
    while len(words) < 1000:
        for text in texts:
            words += text.split(" ")
    joined = " ".join(words)
    cut = [m.end() for m in re.finditer(r"\w+", joined)][999]
    return joined[:cut] + "."


class _NoNetwork:
    """Refuses every connection while reading, and counts the attempts: the reader must need
    nothing from the network (no model, no gazetteer, fetched at run time)."""

    attempts = 0

    def __enter__(self) -> None:
        self._connect = socket.socket.connect

        def refuse(sock: socket.socket, address: Any) -> None:
            _NoNetwork.attempts += 1
            raise OSError(f"the report reader opened a connection to {address}")

        socket.socket.connect = refuse  # type: ignore[method-assign]

    def __exit__(self, *_: object) -> None:
        socket.socket.connect = self._connect  # type: ignore[method-assign]


MODEL_PACKAGES = ("spacy", "stanza", "transformers", "torch", "natasha", "nltk", "fasttext")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("development", "heldout", "all"), default="all")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    with _NoNetwork():
        started = time.perf_counter()
        reader = ReportReader(default_gazetteer())
        startup = time.perf_counter() - started
        print(f"start-up (gazetteer and patterns): {1000 * startup:.0f} ms")
        cases = load_cases()
        splits = ("development", "heldout") if args.split == "all" else (args.split,)
        for split in splits:
            chosen = [c for c in cases if SPLITS[c.split] == split]
            print()
            print(table(split, evaluate(chosen, reader, args.show_errors)))
        print()
        for language, published in (("en", date(2016, 11, 20)), ("ru", date(2016, 11, 20))):
            text = thousand_words(cases, language)
            started = time.perf_counter()
            reader.read(Report(text, published, "Reuters"))
            elapsed = time.perf_counter() - started
            verdict = "under" if elapsed < 1 else "NOT under"
            print(
                f"a report of 1,000 words ({language}), after start-up: {1000 * elapsed:.0f} ms"
                f" ({verdict} a second)"
            )
    loaded = sorted(name for name in MODEL_PACKAGES if name in sys.modules)
    print(
        f"connections attempted while starting and reading: {_NoNetwork.attempts};"
        f" model packages loaded: {', '.join(loaded) or 'none'}"
    )


if __name__ == "__main__":
    main()
