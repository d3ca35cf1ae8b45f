"""Whether a meeting needs interpretation, between which languages, and the event's pool.

Principals who share a working language talk directly; two who share none need an interpreter,
unless one of their sides brings its own (delegations often travel with their own interpreter,
and protocol lets each side interpret for its principal). A principal whose languages are not
known is left out: nobody can say what it needs, and the organiser decides.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId
from sidelines.domain.principal import Principal

LanguagePair = frozenset[str]


@dataclass(frozen=True, slots=True)
class InterpreterPool:
    """``count`` interpreters between two languages that the event provides; each serves one
    meeting at a time. ``languages`` may be given as any two strings (as files write them)."""

    languages: LanguagePair
    count: int

    def __post_init__(self) -> None:
        languages = frozenset(self.languages)
        if len(languages) != 2:
            raise DomainError("an interpreter pool names two different languages", "languages")
        if any(not language.strip() for language in languages):
            raise DomainError("a language must not be empty", "languages")
        object.__setattr__(self, "languages", languages)
        if self.count < 0:
            raise DomainError(f"count must not be negative, got {self.count}", "count")


def needs_interpretation(
    principals: Sequence[Principal],
    own_interpreters: Collection[PartyId] = (),
    offered: Collection[LanguagePair] = (),
) -> frozenset[LanguagePair]:
    """The language pairs a meeting of ``principals`` needs interpreters for: one for every two
    principals of different sides with no working language in common. Empty: none is needed
    (or nothing is known of the languages).

    A pair of principals is covered when either side is in ``own_interpreters``. Of the pairs
    that could serve (one working language of each), the first in the principals' own order
    that the event's pool ``offered`` is chosen, else their main (first) languages. One
    interpreter of a pair serves every two principals of the meeting that need it.

    Russian and English for Putin (ru) and Obama (en); nothing for Trudeau (en, fr) and Obama
    (en); three pairs for a Russian, an American and a Japanese leader.
    """
    needs: set[LanguagePair] = set()
    known = [p for p in principals if p.languages]
    for first, second in combinations(known, 2):
        if first.party == second.party or set(first.languages) & set(second.languages):
            continue
        if first.party in own_interpreters or second.party in own_interpreters:
            continue
        candidates = [frozenset({a, b}) for a in first.languages for b in second.languages]
        needs.add(next((pair for pair in candidates if pair in offered), candidates[0]))
    return frozenset(needs)


def sorted_pairs(pairs: Iterable[LanguagePair]) -> list[tuple[str, str]]:
    """The pairs in a stable order, each as (first, second) alphabetically, for display."""
    return sorted((min(pair), max(pair)) for pair in pairs)


def pair_label(pair: LanguagePair) -> str:
    """ "en-ru": the pair as people write it."""
    return "-".join(sorted(pair))


__all__ = [
    "InterpreterPool",
    "LanguagePair",
    "needs_interpretation",
    "pair_label",
    "sorted_pairs",
]
