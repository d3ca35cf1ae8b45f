"""A short time slice for the server's processes, so that a request that wakes up gets a core at
once from a batch solve or anything else that runs with a longer one.

Linux (6.12 and later, EEVDF) gives each task a slice: a task picked to run keeps the core until
it has used its slice, unless a task that wakes up asks for a shorter one (``RUN_TO_PARITY``
and ``PREEMPT_SHORT`` in kernel/sched/fair.c). A lowered solve, even under ``SCHED_IDLE`` and in
a scheduling group of the lowest weight (``cli/worker.py``), runs in such a slice between two
groups, so a request that wakes up beside it may wait the rest of it (the default slice is
0.7 ms times 1 + log2 of the cores, 1.4 ms on two). With a shorter slice of its own, the
request's thread takes the core when it wakes. The slice is set with ``sched_setattr(2)``'s
``sched_runtime`` under the normal policy, per thread; threads and processes started later
inherit it. Elsewhere (another system, an older kernel, an unknown machine) nothing changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import struct
import sys
from pathlib import Path

# sched_setattr(2)'s number by machine (Linux's syscall tables); elsewhere the slice is left.
_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274, "arm64": 274, "i686": 351, "armv7l": 380}
# struct sched_attr: size, policy, flags, nice, priority, runtime, deadline, period (and the
# utilisation clamps, left out: the kernel takes the size given, 48 bytes, SCHED_ATTR_SIZE_VER0).
_ATTR = struct.Struct("=IIQiIQQQ")
_SCHED_NORMAL = 0
# The shortest slice Linux accepts (it clamps sched_runtime to 0.1-100 ms).
SHORTEST_SLICE_US = 100


def ask_for_slice(microseconds: int) -> int:
    """Give every thread of this process the slice ``microseconds`` under the normal policy
    (0: the kernel's default). Returns the threads changed: 0 where the system has no such
    slice or refuses it. A thread's nice value is kept."""
    number = _SCHED_SETATTR.get(platform.machine())
    if not sys.platform.startswith("linux") or number is None:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    changed = 0
    for tid in _threads():
        with contextlib.suppress(OSError):
            niceness = os.getpriority(os.PRIO_PROCESS, tid)
            attr = ctypes.create_string_buffer(
                _ATTR.pack(_ATTR.size, _SCHED_NORMAL, 0, niceness, 0, microseconds * 1000, 0, 0),
                _ATTR.size,
            )
            if libc.syscall(number, tid, attr, 0) == 0:
                changed += 1
    return changed


def slice_of(tid: int = 0) -> int | None:
    """The slice of thread ``tid`` (0: the caller) in microseconds, where the system says."""
    number = _SCHED_SETATTR.get(platform.machine())
    if not sys.platform.startswith("linux") or number is None:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.create_string_buffer(_ATTR.size)
    # sched_getattr is sched_setattr's number + 1 on every machine above.
    if libc.syscall(number + 1, tid, attr, _ATTR.size, 0) != 0:
        return None
    runtime = _ATTR.unpack(attr.raw)[5]
    return int(runtime) // 1000


def _threads() -> list[int]:
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return [0]
    return [int(entry.name) for entry in tasks.iterdir()]
