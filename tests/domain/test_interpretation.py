"""Which language pairs a meeting needs interpreters for, and the event's pool."""

from __future__ import annotations

import pytest

from sidelines.domain import DomainError, InterpreterPool, PartyId
from sidelines.domain.interpretation import needs_interpretation, pair_label, sorted_pairs
from tests.builders import principal

EN_RU = frozenset({"en", "ru"})


def test_two_principals_without_a_common_language_need_their_main_languages() -> None:
    putin = principal("putin", languages=("ru",))
    obama = principal("obama", languages=("en",))

    assert needs_interpretation([putin, obama]) == {EN_RU}


def test_a_shared_working_language_needs_no_interpreter() -> None:
    trudeau = principal("trudeau", languages=("en", "fr"))
    kerry = principal("kerry", languages=("fr",))

    assert needs_interpretation([trudeau, kerry]) == frozenset()


def test_a_trilateral_needs_a_pair_for_each_two_without_a_common_language() -> None:
    principals = [
        principal("putin", languages=("ru",)),
        principal("obama", languages=("en",)),
        principal("abe", languages=("ja",)),
        principal("lee", languages=("en", "zh")),
    ]

    assert sorted_pairs(needs_interpretation(principals)) == [
        ("en", "ja"),
        ("en", "ru"),
        ("ja", "ru"),
    ]


def test_one_interpreter_serves_every_two_principals_needing_the_same_pair() -> None:
    principals = [
        principal("obama", languages=("en",)),
        principal("key", languages=("en",)),
        principal("putin", languages=("ru",)),
    ]

    assert needs_interpretation(principals) == {EN_RU}


def test_unknown_languages_are_left_to_the_organiser() -> None:
    assert needs_interpretation([principal("a"), principal("b", languages=("en",))]) == frozenset()


def test_a_side_bringing_its_own_interpreter_covers_its_principal() -> None:
    principals = [principal("putin", languages=("ru",)), principal("obama", languages=("en",))]

    assert needs_interpretation(principals, own_interpreters=(PartyId("putin"),)) == frozenset()


def test_the_pair_the_pool_offers_is_chosen_over_the_main_languages() -> None:
    principals = [principal("abe", languages=("ja", "en")), principal("putin", languages=("ru",))]

    assert sorted_pairs(needs_interpretation(principals)) == [("ja", "ru")]
    assert needs_interpretation(principals, offered={EN_RU}) == {EN_RU}


def test_principals_of_one_side_need_no_interpreter_between_them() -> None:
    from sidelines.domain import Principal, PrincipalId

    lavrov = Principal(PrincipalId("lavrov"), PartyId("putin"), name="Lavrov", languages=("en",))

    assert needs_interpretation([principal("putin", languages=("ru",)), lavrov]) == frozenset()


def test_interpreter_pool_takes_its_pair_in_any_order_and_refuses_bad_ones() -> None:
    assert InterpreterPool(frozenset({"ru", "en"}), 2).languages == EN_RU
    assert pair_label(EN_RU) == "en-ru"
    with pytest.raises(DomainError) as same:
        InterpreterPool(frozenset({"en"}), 1)
    assert same.value.path == "languages"
    with pytest.raises(DomainError) as negative:
        InterpreterPool(EN_RU, -1)
    assert negative.value.path == "count"
