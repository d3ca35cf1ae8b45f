"""Term-by-term consent: proposing, agreeing, countering, and when the meeting is agreed."""

import pytest

from sidelines.domain import DomainError, EventPolicy, PartyId
from sidelines.domain.terms import (
    DEFAULT_REQUIRED_TERMS,
    Term,
    TermState,
    agree,
    agree_all,
    binding,
    meeting_agreed,
    open_terms,
    propose,
)

RUS, USA = PartyId("RUS"), PartyId("USA")
SIDES = (RUS, USA)
OPENING = {
    Term.CONTACT: True,
    Term.FORMAT: {"format": "pull_aside"},
    Term.TIME: [],
    Term.PRESS: "none",
}


def test_a_new_request_has_every_term_open() -> None:
    assert {t: s.state(SIDES) for t, s in open_terms().items()} == dict.fromkeys(
        Term, TermState.OPEN
    )


def test_the_opening_proposal_is_agreed_by_its_author_only() -> None:
    terms = propose(open_terms(), RUS, OPENING, 1)

    assert terms[Term.FORMAT].state(SIDES) is TermState.PROPOSED
    assert terms[Term.FORMAT].agreed_by == {RUS}
    assert terms[Term.PLACE].state(SIDES) is TermState.OPEN


def test_the_required_terms_agreed_make_the_meeting_and_uncountered_wishes_lapse() -> None:
    terms = propose(open_terms(), RUS, OPENING, 1)
    terms = agree(terms, USA, [Term.CONTACT, Term.FORMAT])
    assert not meeting_agreed(terms, SIDES, DEFAULT_REQUIRED_TERMS)

    terms = agree(terms, USA, [Term.TIME])

    assert meeting_agreed(terms, SIDES, DEFAULT_REQUIRED_TERMS)
    # The press plan, never agreed by the US side, does not bind.
    assert binding(terms, SIDES) == {
        Term.CONTACT: True,
        Term.FORMAT: {"format": "pull_aside"},
        Term.TIME: [],
    }


def test_a_counter_waits_for_an_answer_even_on_an_optional_term() -> None:
    terms = propose(open_terms(), RUS, OPENING, 1)
    terms = agree(terms, USA, [Term.CONTACT, Term.FORMAT, Term.TIME])
    terms = propose(terms, USA, {Term.PRESS: "pool_spray"}, 2)

    assert not meeting_agreed(terms, SIDES, DEFAULT_REQUIRED_TERMS)
    assert meeting_agreed(agree(terms, RUS, [Term.PRESS]), SIDES, DEFAULT_REQUIRED_TERMS)


def test_a_counter_with_an_unchanged_value_keeps_its_agreements_unless_whole() -> None:
    terms = agree_all(propose(open_terms(), RUS, OPENING, 1), USA)

    by_term = propose(terms, USA, {Term.PRESS: "none"}, 2)
    whole = propose(terms, USA, {Term.PRESS: "none"}, 2, whole=True)

    assert by_term[Term.PRESS].agreed_by == {RUS, USA}
    assert whole[Term.PRESS].agreed_by == {USA}


def test_the_contact_cannot_be_countered_nor_an_open_term_agreed() -> None:
    terms = propose(open_terms(), RUS, OPENING, 1)

    with pytest.raises(DomainError) as countered:
        propose(terms, USA, {Term.CONTACT: False}, 2)
    with pytest.raises(DomainError) as agreed_open:
        agree(terms, USA, [Term.HOST])

    assert (countered.value.path, agreed_open.value.path) == ("contact", "host")


def test_a_policy_without_the_contact_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        EventPolicy(required_terms=(Term.FORMAT, Term.TIME))

    assert caught.value.path == "policy.required_terms"


def test_named_attendees_in_the_opening_request_do_not_lapse() -> None:
    attendees = {Term.ATTENDEES: {"USA": {"principal": "kerry", "plus": 0}}}
    terms = propose(open_terms(), RUS, {**OPENING, **attendees}, 1)
    terms = agree(terms, USA, [Term.CONTACT, Term.FORMAT, Term.TIME])

    assert not meeting_agreed(terms, SIDES, DEFAULT_REQUIRED_TERMS)
    assert meeting_agreed(agree(terms, USA, [Term.ATTENDEES]), SIDES, DEFAULT_REQUIRED_TERMS)
