"""Whether a meeting needs interpretation, and between which languages.

Principals who share a working language talk directly; two who share none need an interpreter
between their first (main) working languages. A principal whose languages are not known is left
out: nobody can say what it needs, and the organiser decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from sidelines.domain.principal import Principal

LanguagePair = frozenset[str]


def needs_interpretation(principals: Iterable[Principal]) -> frozenset[LanguagePair]:
    """The language pairs a meeting of ``principals`` needs interpreters for: one pair (the two
    main working languages) for every two principals with no working language in common.
    Empty: no interpretation is needed (or nothing is known of the languages).

    Russian and English for Putin (ru) and Obama (en); nothing for Trudeau (en, fr) and Obama
    (en); three pairs for a Russian, an American and a Japanese leader.
    """
    known = [p for p in principals if p.languages]
    return frozenset(
        frozenset({a.languages[0], b.languages[0]})
        for a, b in combinations(known, 2)
        if not set(a.languages) & set(b.languages)
    )


def sorted_pairs(pairs: Iterable[LanguagePair]) -> list[tuple[str, str]]:
    """The pairs in a stable order, each as (first, second) alphabetically, for display."""
    return sorted(tuple(sorted(pair)) for pair in pairs)  # type: ignore[misc]
