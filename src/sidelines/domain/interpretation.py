"""Interpretation: which language pairs a meeting needs interpreters for, and the event's pool.

Two principals who share no working language need an interpreter between them, unless one of
their sides brings its own (delegations often travel with their own interpreter, and protocol
lets each side interpret for its principal). Principals whose languages are not known are taken
to need none: the scheduler must not invent a need nobody stated.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId
from sidelines.domain.principal import Principal

LanguagePair = tuple[str, str]


def language_pair(first: str, second: str) -> LanguagePair:
    """The pair in a canonical order, so that en-ru and ru-en are one pool."""
    return (first, second) if first <= second else (second, first)


@dataclass(frozen=True, slots=True)
class InterpreterPool:
    """``count`` interpreters between two languages that the event provides; each serves one
    meeting at a time."""

    languages: LanguagePair
    count: int

    def __post_init__(self) -> None:
        if len(self.languages) != 2 or self.languages[0] == self.languages[1]:
            raise DomainError("an interpreter pool names two different languages", "languages")
        if any(not language.strip() for language in self.languages):
            raise DomainError("a language must not be empty", "languages")
        object.__setattr__(self, "languages", language_pair(*self.languages))
        if self.count < 0:
            raise DomainError(f"count must not be negative, got {self.count}", "count")


def interpretation_needs(
    principals: Sequence[Principal],
    own_interpreters: Collection[PartyId] = (),
    offered: Collection[LanguagePair] = (),
) -> frozenset[LanguagePair]:
    """The language pairs a meeting of ``principals`` needs from the event's pool.

    Every two principals of different sides who share no working language need one; a pair is
    covered when either side is in ``own_interpreters``. Of the pairs that could serve (one
    language of each), the first in the principals' own order that the pool ``offered`` is
    chosen, else their first languages: the pool lacks it and the meeting cannot be placed.
    One interpreter of a pair serves every principal pair of the meeting that needs it.
    """
    needs: set[LanguagePair] = set()
    for position, first in enumerate(principals):
        for second in principals[position + 1 :]:
            if first.party == second.party or not first.languages or not second.languages:
                continue
            if set(first.languages) & set(second.languages):
                continue
            if first.party in own_interpreters or second.party in own_interpreters:
                continue
            candidates = [language_pair(a, b) for a in first.languages for b in second.languages]
            chosen = next((pair for pair in candidates if pair in offered), candidates[0])
            needs.add(chosen)
    return frozenset(needs)


__all__ = ["InterpreterPool", "LanguagePair", "interpretation_needs", "language_pair"]
