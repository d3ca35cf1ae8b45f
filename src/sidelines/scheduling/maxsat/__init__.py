"""The MaxSAT strategy: the encoding of Bofill et al. (JAIR 74, 2022) solved by RC2, a
core-guided MaxSAT solver (python-sat), on two SAT solvers side by side, and with three or more
workers also by a linear SAT-UNSAT search (``portfolio``).

Core-guided search raises a lower bound until a model meets it, so it proves optimality quickly
on the JAIR instances where CP-SAT's search finds good schedules slowly; but RC2 has no schedule
to show until it finishes (the linear search has one early). It covers problems where every
meeting must be held (``unsupported`` says why another one is not), which is the B2B setting of
the paper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sidelines.scheduling.maxsat.scope import unsupported

if TYPE_CHECKING:
    from sidelines.scheduling.maxsat.solver import solve_maxsat


def __getattr__(name: str) -> Any:
    # ``solve_maxsat`` is loaded on first use: python-sat takes a tenth of a second of CPU to
    # import, which ``unsupported`` (asked before deciding on the strategy, also on a limit of
    # 0 where no search runs) should not pay.
    if name == "solve_maxsat":
        from sidelines.scheduling.maxsat.solver import solve_maxsat

        return solve_maxsat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["solve_maxsat", "unsupported"]
