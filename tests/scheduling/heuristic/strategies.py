"""Hypothesis strategies for small generated events, shared by the heuristic and baseline tests."""

from __future__ import annotations

from hypothesis import strategies as st

from sidelines.scheduling.generator import GeneratorSpec


@st.composite
def small_specs(draw: st.DrawFn) -> GeneratorSpec:
    grain = draw(st.sampled_from((10, 15)))
    durations = draw(st.sampled_from(((30,), (grain * 2, grain * 3), (grain, 60))))
    cap = draw(st.sampled_from((None, 0, 1, 3)))
    spaces = draw(st.integers(1, 4))
    return GeneratorSpec(
        principals=draw(st.integers(3, 12)),
        requests=draw(st.integers(0, 30)),
        spaces=spaces,
        days=draw(st.integers(1, 2)),
        grain_min=grain,
        durations_min=durations,
        availability=draw(st.sampled_from((0.5, 0.8, 1.0))),
        programme_sessions=draw(st.integers(0, 3)),
        trilateral_share=draw(st.sampled_from((0.0, 0.2))),
        interpretation_share=draw(st.sampled_from((0.0, 0.2))),
        day_part_share=draw(st.sampled_from((0.0, 0.3))),
        preferred_share=draw(st.sampled_from((0.0, 0.3))),
        locked=draw(st.integers(0, 2)),
        precedences=draw(st.integers(0, 3)),
        locations=draw(st.integers(1, 2)),
        walking_min=draw(st.sampled_from((10, 30))),
        turnover_min=draw(st.sampled_from((0, grain))),
        max_bookings_per_party_per_day=cap,
        fairness_max_spread=draw(st.sampled_from((None, 0, 1))),
        # The agreed terms: a press plan, an agreed place, interpreters from a pool.
        press_share=draw(st.sampled_from((0.0, 0.3))),
        agreed_place_share=draw(st.sampled_from((0.0, 0.3))),
        languages=draw(st.sampled_from((0, 2, 3))),
        interpreters_per_pair=draw(st.sampled_from((0, 1, 2))),
        # Spaces varied in opening hours and features, one class each.
        space_classes=draw(st.sampled_from((0, spaces))),
    )
