"""Which language pairs a meeting needs interpreters for, and the event's pool."""

from __future__ import annotations

import pytest

from sidelines.domain import (
    DomainError,
    InterpreterPool,
    PartyId,
    Principal,
    PrincipalId,
    interpretation_needs,
)


def person(name: str, *languages: str, party: str | None = None) -> Principal:
    return Principal(
        PrincipalId(name), PartyId(party or name), name=name, languages=tuple(languages)
    )


def test_interpretation_needs_none_when_principals_share_a_language() -> None:
    assert interpretation_needs([person("A", "en", "fr"), person("B", "ru", "fr")]) == frozenset()


def test_interpretation_needs_the_pair_when_no_language_is_shared() -> None:
    assert interpretation_needs([person("A", "ru"), person("B", "en")]) == {("en", "ru")}


def test_interpretation_needs_none_when_a_side_brings_its_own() -> None:
    principals = [person("A", "ru"), person("B", "en")]
    assert interpretation_needs(principals, own_interpreters=(PartyId("A"),)) == frozenset()


def test_interpretation_needs_the_pair_the_pool_offers() -> None:
    principals = [person("A", "ja", "en"), person("B", "ru")]
    assert interpretation_needs(principals) == {("ja", "ru")}
    assert interpretation_needs(principals, offered={("en", "ru")}) == {("en", "ru")}


def test_interpretation_needs_one_interpreter_per_pair_in_a_trilateral() -> None:
    principals = [person("A", "en"), person("B", "en"), person("C", "ru")]
    assert interpretation_needs(principals) == {("en", "ru")}


def test_interpretation_needs_none_within_a_side_or_without_known_languages() -> None:
    assert interpretation_needs([person("A", "ru", party="X"), person("B", "en", party="X")]) == (
        frozenset()
    )
    assert interpretation_needs([person("A", "ru"), person("B")]) == frozenset()


def test_interpreter_pool_orders_its_pair_and_refuses_bad_ones() -> None:
    assert InterpreterPool(("ru", "en"), 2).languages == ("en", "ru")
    with pytest.raises(DomainError) as same:
        InterpreterPool(("en", "en"), 1)
    assert same.value.path == "languages"
    with pytest.raises(DomainError) as negative:
        InterpreterPool(("en", "ru"), -1)
    assert negative.value.path == "count"
