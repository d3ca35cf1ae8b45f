"""Keeping a second ``sidelines demo`` off a running one: it would delete the database under
the first demo, print logins that demo does not know, and then fail on the taken port."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pid_file(database: Path) -> Path:
    """Where a serving demo notes its process id: beside its database."""
    return database.with_name(f"{database.name}.pid")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _running_pid(database: Path) -> int | None:
    """The process noted beside ``database`` if it still runs; a stale note is ignored."""
    try:
        pid = int(pid_file(database).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid != os.getpid() and _alive(pid) else None


def _port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def refusal(database: Path, port: int | None, host: str = "127.0.0.1") -> str | None:
    """Why a demo must not start over ``database`` (and on ``port``, when it is to serve), or
    None when nothing is in the way. Nothing is deleted or written here."""
    pid = _running_pid(database)
    if pid is not None:
        return (
            f"a demo is already running on {database} (process {pid}); stop it first "
            "(Ctrl-C in its terminal), or give this one another --database and --port"
        )
    if port is not None and _port_taken(host, port):
        return (
            f"port {port} is already in use, perhaps by a demo started before; stop it first "
            "(Ctrl-C in its terminal), or give this one another --port and --database"
        )
    return None


@contextmanager
def noted(database: Path) -> Iterator[None]:
    """Notes this process beside ``database`` while the demo serves; removes the note after."""
    note = pid_file(database)
    note.write_text(f"{os.getpid()}\n")
    try:
        yield
    finally:
        note.unlink(missing_ok=True)
