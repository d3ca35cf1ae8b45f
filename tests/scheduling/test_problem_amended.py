"""A problem brought up to date meeting by meeting (``amended``, ``recompile``) equals the one
compiled whole from the same meetings."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.scheduling import build_problem
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.problem import amended, recompile

SPEC = GeneratorSpec(
    principals=12,
    requests=40,
    spaces=4,
    languages=3,
    interpreters_per_pair=1,
    press_share=0.2,
    agreed_place_share=0.2,
    locked=1,
)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 1000), st.data())
def test_meetings_added_and_changed_compile_as_the_whole(seed: int, data: st.DataObject) -> None:
    event = generate_event(SPEC, seed)
    meetings = list(event.meetings)
    kept = data.draw(st.integers(1, len(meetings) - 1))
    changed = data.draw(st.sets(st.integers(0, kept - 1), max_size=3))
    base = build_problem(replace(event, meetings=tuple(meetings[:kept])))
    # A changed meeting: another priority and length, as a re-agreed meeting would have.
    after = list(meetings)
    for idx in changed:
        after[idx] = replace(after[idx], priority=after[idx].priority % 5 + 1, duration_min=60)
    whole = build_problem(replace(event, meetings=tuple(after)))

    found = amended(base, event, {idx: after[idx] for idx in changed}, after[kept:])
    if found is None:  # a pair of interpreters the base lacks
        found = recompile(
            base, event, after, {m.id for m in after[kept:]} | {after[i].id for i in changed}
        )

    assert found == whole
    assert found.meeting_index == whole.meeting_index
    assert found.space_classes == whole.space_classes


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 1000), st.data())
def test_meetings_in_another_order_or_fewer_compile_as_the_whole(
    seed: int, data: st.DataObject
) -> None:
    event = generate_event(SPEC, seed)
    before = build_problem(event)
    order = data.draw(st.permutations(list(event.meetings)))
    fewer = order[: data.draw(st.integers(1, len(order)))]

    found = recompile(before, event, fewer, set())

    assert found == build_problem(replace(event, meetings=tuple(fewer)))
