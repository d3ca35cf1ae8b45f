"""Large neighbourhood search: ruin part of the schedule, rebuild it greedily, keep it if the
objective did not get worse.

Three neighbourhoods, after Shaw's LNS and the ruin-and-recreate of Schrimpf et al. (2000):
- *ruin principals*: take out the meetings of a left-out meeting's principals (on one day or on
  all), then place that meeting first and the rest by weight with a little noise;
- *bump*: make room for a left-out meeting by taking out cheaper meetings in its way, then try
  to put those back elsewhere; half of the time any movable meeting may be taken out
  (a relocation), since it often fits somewhere else;
- *fill*: move a placed meeting into a space left idle (while a programme session takes most
  principals away, tables idle that are full the rest of the day), then try the heaviest
  left-out meetings in the time it freed.
Once the bound's process has solved the capacity LP, most of the left-out meetings these moves
start from are drawn among those the LP's solution seats (``guide``): a set that fits together
as far as the LP can tell, where random draws keep trying meetings that block each other.
When every meeting that can be placed is placed, the first neighbourhood works on a principal
with breaks instead (one day of its meetings out, rebuilt with its left-out ones).

Two phases. In the first (``WIDE_SHARE`` of the time) a move that keeps the weight may add a
couple of breaks, so the search walks wider plateaus of equal weight; in the second,
acceptance is "not worse" on ``ObjectiveValue.key`` and half of the moves rebuild a day of a
principal with breaks, which removes breaks and, by putting that principal's left-out meetings
back in, still finds weight (measured in docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections.abc import Callable

from sidelines.scheduling.heuristic.construct import bump_insert, insert
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.slots import iter_slots, run_mask

REFRESH_EVERY = 256  # moves between rebuilds of the list of left-out meetings
POOL_PER_PRINCIPAL = 16  # left-out meetings of one principal tried in one move
BUMP_SHARE = 0.8  # of the moves on a left-out meeting, the share that bumps (the rest ruin)
RELOCATE_SHARE = 0.5  # of the bumps, the share that may move heavier meetings elsewhere
BUMP_SAMPLES = 12  # (start, class) pairs a bump looks at
# Until this share of the search time, a move that keeps the weight may add up to
# BREAK_SLACK breaks: the search walks wider plateaus and finds more weight. After it, moves
# are accepted only when not worse, and half of them remove breaks.
BREAK_SLACK = 2
WIDE_SHARE = 0.6
# Of the moves on a left-out meeting, the share that fills an idle space instead; the placed
# meetings tried for the move, and the left-out ones (heaviest first) then tried in their place.
FILL_SHARE = 0.1
# Of the bumps, the share that tries only starts at which the meeting's principals are free
# (``bump_insert``), so that only meetings in the spaces are moved.
PRINCIPALS_FREE_SHARE = 0.5
FILL_TRIES = 40
FILL_POOL = 24
# Once the capacity LP has a solution, the share of the left-out meetings drawn among those it
# seats (``guide``): on events whose spaces are full, the LP picks a set of meetings that fit
# together where the search's random draws keep trying ones that do not (docs/benchmarks.md).
GUIDE_SHARE = 0.7


class Search:
    def __init__(
        self,
        state: State,
        ranks: list[int],
        rng: random.Random,
        on_improve: Callable[[], None],
    ) -> None:
        self.state = state
        self.ranks = ranks
        self.rng = rng
        self.on_improve = on_improve
        self.placeable = [idx for idx, options in enumerate(state.allowed) if options]
        # Each principal's meetings that have somewhere to go, in the problem's order: a move
        # looks at its principals' left-out ones, and testing every request of a sought-after
        # principal for a place anywhere at each move cost a tenth of the search.
        placeable = bytearray(len(state.allowed))
        for idx in self.placeable:
            placeable[idx] = 1
        self.placeable_of = [
            [idx for idx in meetings if placeable[idx]]
            for meetings in state.problem.principal_meetings
        ]
        self.left_out: list[int] = []
        # The meetings the capacity LP seats (``guide``), once it has a solution, and those of
        # them left out (brought up to date with ``left_out``).
        self.seated: frozenset[int] | None = None
        self.guided: list[int] = []
        self.moves = 0
        self.accepted = 0
        self.break_slack = 0
        self.principals_free_share = PRINCIPALS_FREE_SHARE
        # The best state seen. While moves may add breaks (the wide phase), the current state
        # can fall behind it; it is saved on leaving it and put back by ``restore_best``.
        self.best_key = state.key()
        self.best: tuple[list[int], list[int | None]] | None = None

    def run(self, deadline: float, stop: threading.Event, done: Callable[[], bool]) -> None:
        narrow_from = time.monotonic() + WIDE_SHARE * max(0.0, deadline - time.monotonic())
        while (now := time.monotonic()) < deadline and not stop.is_set() and not done():
            if self.moves % REFRESH_EVERY == 0:
                start = self.state.start  # read directly: 20,000 meetings on a large event
                self.left_out = [idx for idx in self.placeable if start[idx] < 0]
                if self.seated is not None:
                    self.guided = [idx for idx in self.left_out if idx in self.seated]
            narrow = now >= narrow_from
            self.break_slack = 0 if narrow else BREAK_SLACK
            target = self._pick_left_out()
            if narrow and self.rng.random() < 0.5:
                self._reduce_breaks()
            elif target is None:
                if not self._reduce_breaks():
                    return  # everything placed and no breaks: nothing left to improve
            elif self.rng.random() < FILL_SHARE:
                self._fill_idle_space()
            elif self.rng.random() < BUMP_SHARE:
                self._bump(target)
            else:
                self._ruin_principals(target)
            self.moves += 1

    def guide(self, seated: frozenset[int]) -> None:
        """Draw the left-out meetings mostly among ``seated``, the meetings an LP solution
        seats, from now on."""
        self.seated = seated
        self.guided = [idx for idx in self.left_out if idx in seated]

    def _pick_left_out(self) -> int | None:
        """A left-out meeting, the heavier of two drawn at random; once the LP has been
        solved, most often one of those it seats."""
        best: int | None = None
        pool = self.left_out
        if self.guided and self.rng.random() < GUIDE_SHARE:
            pool = self.guided
        for _ in range(8):
            if not pool and pool is self.guided:
                pool = self.left_out  # the LP's left-out meetings are all placed now
            if not pool:
                return best
            position = self.rng.randrange(len(pool))
            candidate = pool[position]
            if self.state.is_placed(candidate):
                pool[position] = pool[-1]
                pool.pop()
                continue
            if best is None or self.state.weight[candidate] > self.state.weight[best]:
                best = candidate
            if self.rng.random() < 0.5:
                return best
        return best

    # --- neighbourhoods --------------------------------------------------------------------

    def _ruin_principals(self, target: int) -> None:
        state = self.state
        principals = list(state.problem.meetings[target].principals)
        day = self.rng.randrange(len(state.days.days)) if self.rng.random() < 0.5 else None
        self._attempt(principals, day, first=target)

    def _bump(self, target: int) -> None:
        state = self.state
        before = state.key()
        state.begin()
        relocate = self.rng.random() < RELOCATE_SHARE
        removed = bump_insert(
            state,
            target,
            self.ranks,
            self.rng,
            samples=BUMP_SAMPLES,
            relocate=relocate,
            principals_free=self.rng.random() < self.principals_free_share,
        )
        if removed is None:
            state.rollback()
            return
        principals = {
            p for idx in [target, *removed] for p in state.problem.meetings[idx].principals
        }
        self._rebuild(removed, sorted(principals))
        self._decide(before, removed)

    def _fill_idle_space(self) -> None:
        """Move a placed meeting into a space left idle (often while a programme session takes
        most principals away), then place left-out meetings in the time it freed."""
        state = self.state
        classes = [c for c in range(len(state.class_spaces)) if state.all_slots & ~state.full[c]]
        if not classes:
            return
        class_idx = self.rng.choice(classes)
        idle = state.all_slots & ~state.full[class_idx]
        slot = self.rng.choice(list(iter_slots(idle)))
        before = state.key()
        state.begin()
        moved = None
        for _ in range(FILL_TRIES):
            # A meeting drawn at random, not from a list of placed ones: building that list
            # would cost more than the move on an event of 20,000 requests.
            idx = self.rng.choice(self.placeable)
            if not state.is_placed(idx) or state.fixed[idx]:
                continue
            length = state.duration[idx]
            window = run_mask(max(0, slot - length + 1), min(length, slot + 1))
            old_start, old_space = state.start[idx], state.space[idx]
            if (window >> old_start) & 1:
                continue
            state.unplace(idx)
            for option in state.options(idx):
                if option.space_class != class_idx or not option.starts & window:
                    continue
                start = self.rng.choice(list(iter_slots(option.starts & window)))
                space_idx = state.free_space(idx, class_idx, start)
                if space_idx is not None:
                    state.place(idx, start, space_idx)
                    moved = idx
                    break
            if moved is not None:
                break
            state.place(idx, old_start, old_space)
        if moved is None:
            state.rollback()
            return
        waiting = [idx for idx in self.left_out if not state.is_placed(idx)]
        heaviest = heapq.nlargest(
            FILL_POOL, waiting, key=lambda idx: state.weight[idx] + self.rng.random()
        )
        for idx in heaviest:
            insert(state, idx, self.ranks, self.rng)
        self._decide(before, [moved])

    def _reduce_breaks(self) -> bool:
        state = self.state
        with_breaks = [idx for idx, cal in enumerate(state.calendars) if cal.breaks > 0]
        if not with_breaks:
            return False
        principal_idx = self.rng.choice(with_breaks)
        day = self.rng.randrange(len(state.days.days))
        self._attempt([principal_idx], day, first=None)
        return True

    def _attempt(self, principals: list[int], day: int | None, first: int | None) -> None:
        state = self.state
        before = state.key()
        state.begin()
        day_mask = state.days.days[day] if day is not None else -1
        removed: list[int] = []
        for principal_idx in principals:
            for other in sorted(state.principal_meetings[principal_idx]):
                if state.fixed[other] or not (day_mask >> state.start[other]) & 1:
                    continue
                state.unplace(other)
                removed.append(other)
        if first is not None and not state.is_placed(first):
            insert(state, first, self.ranks, self.rng)
        self._rebuild(removed, principals)
        self._decide(before, removed)

    # --- shared steps ----------------------------------------------------------------------

    def _rebuild(self, removed: list[int], principals: list[int]) -> None:
        """Greedily place the removed meetings and the principals' left-out ones, required
        first, then by weight with noise so that equal weights come in a new order."""
        state = self.state
        problem = state.problem
        start = state.start
        pool = set(removed)
        for principal_idx in principals:
            waiting = [idx for idx in self.placeable_of[principal_idx] if start[idx] < 0]
            # A sought-after principal has hundreds of left-out requests; trying them all makes
            # one move as slow as a hundred. The heaviest few and a random few are enough.
            if len(waiting) > POOL_PER_PRINCIPAL:
                waiting.sort(key=lambda idx: -state.weight[idx])
                heavy = waiting[: POOL_PER_PRINCIPAL // 2]
                waiting = heavy + self.rng.sample(
                    waiting[POOL_PER_PRINCIPAL // 2 :], POOL_PER_PRINCIPAL // 2
                )
            pool.update(waiting)
        noise = self.rng.choice((0.0, 0.5, 1.5))
        order = sorted(
            pool,
            key=lambda idx: (
                not problem.meetings[idx].required,
                -(state.weight[idx] + noise * self.rng.random()),
            ),
        )
        for idx in order:
            if not state.is_placed(idx):
                insert(state, idx, self.ranks, self.rng)

    def _decide(self, before: tuple[int, int, int], removed: list[int]) -> None:
        state = self.state
        problem = state.problem
        after = state.key()
        # Without a fairness bound every state is fair: no need to gather who the move touched.
        fair = state.fairness_cap is None or state.fair(state.touched_principals())
        keeps_rules = fair and all(
            state.is_placed(idx) for idx in removed if problem.meetings[idx].required
        )
        slack = self.break_slack
        if keeps_rules and (
            after >= before or (slack and after[0] == before[0] and after[1] >= before[1] - slack)
        ):
            if after < before and before >= self.best_key and self.best is None:
                # Leaving the best state seen: keep a copy of it first, the state's lists with
                # the move's changes read back out of them (its journal, newest first).
                starts, spaces = self._placements()
                for placed, meeting_idx, start, space_idx in reversed(state.journal or []):
                    if placed:
                        starts[meeting_idx], spaces[meeting_idx] = -1, None
                    else:
                        starts[meeting_idx], spaces[meeting_idx] = start, space_idx
                self.best = (starts, spaces)
                self.best_key = before
            state.commit()
            self.accepted += 1
            if after > self.best_key:
                self.best_key = after
                self.best = None  # the current state is the best again
                self.on_improve()
        else:
            state.rollback()

    def _placements(self) -> tuple[list[int], list[int | None]]:
        # Copies of the state's own lists, not a tuple per placed meeting: the wide phase
        # saves the best state whenever it leaves it, hundreds of times a second.
        return list(self.state.start), list(self.state.space)

    def restore_best(self) -> None:
        """Put back the best state seen, if the search ended behind it."""
        if self.best is None or self.state.key() >= self.best_key:
            return
        state = self.state
        for idx, start in enumerate(state.start):
            if start >= 0:
                state.unplace(idx)
        starts, spaces = self.best
        for idx, start in enumerate(starts):
            if start >= 0:
                state.place(idx, start, spaces[idx])
        self.best = None
