"""The server's short time slice: asked for every thread, read back from the kernel."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from sidelines.web.time_slice import SHORTEST_SLICE_US, ask_for_slice, slice_of

KERNEL_DEFAULT = 0


def _reports_slices() -> bool:
    # Kernels before 6.12 (and other systems) report no slice for the normal policy.
    return bool(slice_of())


needs_slices = pytest.mark.skipif(
    not _reports_slices(), reason="this system does not report a thread's time slice"
)


@pytest.fixture
def kernel_default() -> Iterator[int | None]:
    before = slice_of()
    yield before
    ask_for_slice(KERNEL_DEFAULT)


@needs_slices
def test_every_thread_of_the_process_gets_the_slice_asked_for(
    kernel_default: int | None,
) -> None:
    started, stop = threading.Event(), threading.Event()
    seen: dict[str, int | None] = {}

    def other() -> None:
        seen["tid"] = threading.get_native_id()
        started.set()
        stop.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(10)
    try:
        assert ask_for_slice(SHORTEST_SLICE_US) >= 2
        tid = seen["tid"]
        assert isinstance(tid, int)
        assert slice_of() == SHORTEST_SLICE_US
        assert slice_of(tid) == SHORTEST_SLICE_US
    finally:
        stop.set()
        thread.join()


@needs_slices
def test_a_thread_started_later_inherits_the_slice_and_zero_gives_the_default_back(
    kernel_default: int | None,
) -> None:
    ask_for_slice(300)
    got: list[int | None] = []
    thread = threading.Thread(target=lambda: got.append(slice_of()))
    thread.start()
    thread.join()
    assert got == [300]
    ask_for_slice(KERNEL_DEFAULT)
    assert slice_of() == kernel_default != 300


@needs_slices
def test_the_thread_keeps_its_nice_value(kernel_default: int | None) -> None:
    started, done = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def lowered() -> None:
        os.nice(5)  # a thread's own niceness on Linux
        seen["tid"] = threading.get_native_id()
        started.set()
        done.wait(10)

    thread = threading.Thread(target=lowered)
    thread.start()
    started.wait(10)
    try:
        before = os.getpriority(os.PRIO_PROCESS, seen["tid"])
        ask_for_slice(SHORTEST_SLICE_US)
        assert os.getpriority(os.PRIO_PROCESS, seen["tid"]) == before
        assert slice_of(seen["tid"]) == SHORTEST_SLICE_US
    finally:
        done.set()
        thread.join()
