"""Faults on purpose: the server killed mid-solve and mid-write, PostgreSQL stopped under load.

Three scenarios, each followed by checks of what the clients saw and of the database:

1. ``solve``: a batch solve is started with a long time limit and the server's whole process
   tree (uvicorn's master and workers) is killed with SIGKILL mid-solve, then served again on the
   same database. The dead run must not block a new solve, no partial schedule may be visible
   (the published version, the schedule and the delegations' agendas are those from before),
   and a new solve can be run and published.
2. ``writes``: delegations send, answer and accept requests (an acceptance places the meeting
   into the published schedule) and the organiser places meetings agreed on site; the server is
   killed mid-stream and served again. Every write acknowledged before the kill must be in the
   database as acknowledged, with its audit entry; no principal or space booked twice; no
   meeting half made (without its principals, or with bookings that do not match its status).
3. ``outage``: PostgreSQL is stopped (``pg_ctl stop -m fast``) for ten seconds under load and
   started again, while the app keeps running. During the outage clients must get ``503`` with
   a JSON error and ``Retry-After`` (never a 500 or a stack trace); afterwards requests succeed
   again within seconds without restarting the app, and no acknowledged write is lost.

PostgreSQL runs in a throwaway server the script starts itself (``scripts/postgres-throwaway``)
and stops at the end; SQLite in a temporary file. Only the server processes the script started
are killed, by pid.

    .venv/bin/python benchmarks/faults.py
    .venv/bin/python benchmarks/faults.py --scenarios outage --clients 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import NullPool, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api_load import free_port, seed, start_server, tree_pids, verify
from load import Tally, audit_gaps, delegation, log_in, login, organiser
from sidelines.storage.db import normalise_url
from sidelines.storage.tables import (
    AuditRow,
    MeetingPrincipalRow,
    MeetingRow,
    PrincipalBookingRow,
    RequestPartyRow,
    ScheduleVersionRow,
    SpaceBookingRow,
)

ROOT = Path(__file__).resolve().parent.parent
THROWAWAY = ROOT / "scripts" / "postgres-throwaway"


# --- the processes -----------------------------------------------------------------------------


def kill_server(server: subprocess.Popen[bytes]) -> int:
    """SIGKILL the server's whole tree at once, as a crash or the OOM killer would: no worker
    gets to finish a request or a transaction. Returns how many processes were killed."""
    pids = tree_pids(server.pid)
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.wait(30)
    return len(pids)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        kill_server(server)


@dataclass
class Postgres:
    """The throwaway PostgreSQL server: one for the whole run, a fresh database per scenario."""

    directory: Path
    url: str

    @classmethod
    def start(cls) -> Postgres:
        directory = Path(tempfile.mkdtemp(prefix="sidelines-faults-"))
        command = [str(THROWAWAY), "start", str(directory)]
        url = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
        return cls(directory, url)

    def stop(self) -> None:
        subprocess.run([str(THROWAWAY), "stop", str(self.directory)], check=False)

    def create_database(self) -> str:
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        name = f"sidelines_faults_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _pg_ctl(self, *args: str) -> None:
        # As the throwaway script does: the server belongs to `postgres` when run as root.
        pg_ctl = (
            shutil.which("pg_ctl")
            or sorted(
                Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                key=lambda p: int(p.parent.parent.name),
            )[-1]
        )
        command = [str(pg_ctl), "--pgdata", str(self.directory / "data"), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def pause(self) -> None:
        """Stop the server the way an administrator would: sessions cut, data kept."""
        self._pg_ctl("--mode=fast", "--wait", "stop")

    def resume(self) -> None:
        # The same options the throwaway script started it with (its port above all).
        port = make_url(self.url).port
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
        options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        log = str(self.directory / "server.log")
        self._pg_ctl("--log", log, "--wait", "--timeout=60", "-o", options, "start")


@contextmanager
def database(name: str, postgres: Postgres | None) -> Iterator[str]:
    if name == "postgresql":
        assert postgres is not None
        yield postgres.create_database()
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/faults.sqlite3"


# --- what a scenario reports -------------------------------------------------------------------


@dataclass
class Report:
    title: str
    rows: list[tuple[str, str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, what: str, figure: object, ok: bool) -> None:
        self.rows.append((what, str(figure), ok))

    def note(self, what: str) -> None:
        self.notes.append(what)

    def table(self) -> str:
        lines = [f"#### {self.title}", "", "| check | figure | result |", "|---|---|---|"]
        lines += [f"| {w} | {f} | {'pass' if ok else 'FAIL'} |" for w, f, ok in self.rows]
        lines += ["", *(f"- {n}" for n in self.notes)]
        return "\n".join(lines)

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok in self.rows)


def label(name: str, workers: int) -> str:
    return f"{name}, {workers} worker{'s' if workers > 1 else ''}"


def counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


# --- the database after the fact ---------------------------------------------------------------


def half_made_meetings(url: str, event_id: str) -> tuple[int, int]:
    """(meetings half made, agreed meetings waiting unplaced).

    Half made: a meeting without a principal, or without every side of its request; a placed
    meeting whose principals' bookings or space booking do not match it; an unplaced one that
    still holds a booking.
    """
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    broken = waiting = 0
    with Session(engine) as session:
        meetings = session.scalars(select(MeetingRow).where(MeetingRow.event_id == event_id))
        links: dict[int, set[str]] = {}
        for meeting_id, principal in session.execute(
            select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.principal_id)
        ):
            links.setdefault(meeting_id, set()).add(principal)
        sides = dict(
            session.execute(
                select(RequestPartyRow.request_id, func.count()).group_by(
                    RequestPartyRow.request_id
                )
            ).all()
        )
        principal_bookings: dict[int, set[tuple[str, Any, Any]]] = {}
        for row in session.scalars(
            select(PrincipalBookingRow).where(PrincipalBookingRow.event_id == event_id)
        ):
            principal_bookings.setdefault(row.meeting_id, set()).add(
                (row.principal_id, row.starts_at, row.ends_at)
            )
        space_bookings: dict[int, list[tuple[str, Any]]] = {}
        for space in session.scalars(
            select(SpaceBookingRow).where(SpaceBookingRow.event_id == event_id)
        ):
            space_bookings.setdefault(space.meeting_id, []).append(
                (space.space_id, space.starts_at)
            )
        for meeting in meetings:
            principals = links.get(meeting.id, set())
            ok = bool(principals)
            if meeting.request_id is not None:
                ok = ok and len(principals) >= sides.get(meeting.request_id, 0)
            held = principal_bookings.get(meeting.id, set())
            spaces = space_bookings.get(meeting.id, [])
            if meeting.starts_at is None:
                ok = ok and not held and not spaces and meeting.status != "scheduled"
                waiting += meeting.status == "agreed"
            else:
                expected = {(p, meeting.starts_at, meeting.ends_at) for p in principals}
                ok = ok and held == expected
                wanted = [] if meeting.space_id is None else [(meeting.space_id, meeting.starts_at)]
                ok = ok and spaces == wanted
            broken += not ok
    engine.dispose()
    return broken, waiting


def database_facts(url: str, event_id: str) -> dict[str, Any]:
    """The published version and every booking: what a partial schedule would change."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        version = session.scalar(
            select(func.max(ScheduleVersionRow.number)).where(
                ScheduleVersionRow.event_id == event_id
            )
        )
        bookings = sorted(
            (m, p, s.isoformat())
            for m, p, s in session.execute(
                select(
                    PrincipalBookingRow.meeting_id,
                    PrincipalBookingRow.principal_id,
                    PrincipalBookingRow.starts_at,
                ).where(PrincipalBookingRow.event_id == event_id)
            )
        )
        placed = sorted(
            (m, str(s), sp)
            for m, s, sp in session.execute(
                select(MeetingRow.id, MeetingRow.starts_at, MeetingRow.space_id).where(
                    MeetingRow.event_id == event_id
                )
            )
        )
    engine.dispose()
    return {"version": version, "bookings": bookings, "meetings": placed}


def audited_meetings(url: str, event_id: str, meeting_ids: set[int]) -> int:
    """Acknowledged placements without a `meeting.scheduled` entry in the trail."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        audited = set(
            session.scalars(
                select(AuditRow.subject_id).where(
                    AuditRow.event_id == event_id,
                    AuditRow.subject_type == "meeting",
                    AuditRow.action == "meeting.scheduled",
                )
            )
        )
        unplaced = set(
            session.scalars(
                select(MeetingRow.id).where(
                    MeetingRow.id.in_(meeting_ids), MeetingRow.starts_at.is_(None)
                )
            )
        )
    engine.dispose()
    return sum(1 for m in meeting_ids if str(m) not in audited or m in unplaced)


def accepted_anyway(url: str, event_id: str, tally: Watched) -> int:
    """Acceptances answered 503 that were committed all the same (and not acknowledged by a
    later try): the client was told the request did nothing."""
    told_undone = tally.unavailable_accepts - tally.accepted
    _, not_accepted, _ = verify(url, event_id, set(), told_undone)
    return len(told_undone) - not_accepted


def check_writes(
    report: Report,
    what: str,
    url: str,
    event_id: str,
    created: set[int],
    accepted: set[int],
    changes: Counter[int],
) -> None:
    missing, not_accepted, _ = verify(url, event_id, created, accepted)
    gaps = audit_gaps(url, event_id, changes)
    report.check(
        f"{what}: requests missing / acceptances lost / changes without their audit entry",
        f"{missing} of {len(created)} / {not_accepted} of {len(accepted)} / {gaps}",
        not (missing or not_accepted or gaps),
    )


def check_meetings(report: Report, url: str, event_id: str) -> int:
    """Double bookings and half-made meetings (both must be none); returns how many agreed
    meetings wait unplaced."""
    _, _, doubles = verify(url, event_id, set(), set())
    broken, waiting = half_made_meetings(url, event_id)
    report.check(
        "double bookings; meetings half made", f"{doubles}; {broken}", not (doubles or broken)
    )
    return waiting


# --- the clients -------------------------------------------------------------------------------


@dataclass
class Watched(Tally):
    """A tally that also remembers when each answer came, what a 5xx looked like, and which
    placements were acknowledged; a refused connection waits a little before the next try."""

    answers: list[tuple[float, str]] = field(default_factory=list)
    bad_bodies: Counter[str] = field(default_factory=Counter)
    placed: set[int] = field(default_factory=set)
    # Acceptances answered 503: a client would take them as not done, and try again.
    unavailable_accepts: set[int] = field(default_factory=set)

    async def call(
        self, http: httpx.AsyncClient, kind: str, method: str, path: str, **kwargs: object
    ) -> httpx.Response | None:
        response = await super().call(http, kind, method, path, **kwargs)
        at = time.monotonic()
        if response is None:
            self.answers.append((at, "no answer"))
            await asyncio.sleep(0.2)
            return None
        status = response.status_code
        self.answers.append((at, str(status)))
        if status >= 500:
            self.bad_bodies.update(body_faults(response))
        answer = kwargs.get("json")
        accept = isinstance(answer, dict) and answer.get("answer") == "accept"
        if status == 503 and path.endswith("/answers") and accept:
            self.unavailable_accepts.add(int(path.split("/")[-2]))
        if path.endswith("/agreed-on-site") and status == 200:
            placement = response.json()["placement"]
            if placement is not None and placement["placed"]:
                self.placed.add(placement["meeting_id"])
        return response

    def acknowledged(self) -> tuple[set[int], set[int], Counter[int]]:
        """A copy of what the server acknowledged so far: requests, acceptances, changes."""
        return set(self.created), set(self.accepted), Counter(self.changes)

    def between(self, start: float, end: float) -> Counter[str]:
        return Counter(s for at, s in self.answers if start <= at < end)


def body_faults(response: httpx.Response) -> list[str]:
    """What is wrong with a server error's answer: a 503 must be a JSON error naming the
    outage, with Retry-After; anything else, a stack trace above all, is a fault."""
    faults = []
    if "Traceback" in response.text or 'File "' in response.text:
        faults.append("stack trace")
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        faults.append("not a JSON error")
        code = None
    if response.status_code == 503:
        if code != "unavailable":
            faults.append(f"503 coded {code}")
        if not response.headers.get("Retry-After", "").isdigit():
            faults.append("503 without Retry-After")
    else:
        faults.append(f"{response.status_code} ({code})")
    return faults


async def clients(
    http: httpx.AsyncClient,
    tally: Watched,
    event_id: str,
    parties: list[str],
    count: int,
    end: list[float],
) -> list[asyncio.Task[None]]:
    """Log ``count - 1`` delegations and the organiser in, then start their loops; they run
    until ``end[0]``, which the scenario may push back while it breaks things."""
    prefix = f"/api/events/{event_id}"
    delegates = parties[: count - 1]
    logins = await log_in(http, delegates)

    async def until_end(make: Any) -> None:
        # The loops stop at the time they were given; give them more while it is not over.
        while time.monotonic() < end[0]:
            await make(min(end[0], time.monotonic() + 1))

    loops = [until_end(lambda e: organiser(http, tally, prefix, logins[0], e))]
    for party, headers in zip(delegates, logins[1:], strict=True):
        others = [p for p in parties if p != party]
        loops.append(
            until_end(
                lambda e, party=party, others=others, headers=headers: delegation(
                    http, tally, prefix, party, others, headers, e
                )
            )
        )
    return [asyncio.create_task(loop) for loop in loops]


def client(base: str, count: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=30)


# --- 1. kill -9 during a batch solve -----------------------------------------------------------


async def solve_scenario(name: str, url: str, workers: int, args: argparse.Namespace) -> Report:
    report = Report(f"kill -9 during a batch solve ({label(name, workers)})")
    event_id, parties = seed(url, args.parties, args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    prefix = f"/api/events/{event_id}"
    server = start_server(url, port, workers)
    watched = parties[:10]
    try:
        async with client(base, 16) as http:
            boss = await login(http, "organiser")
            heads = [await login(http, f"delegate-{p}") for p in watched]

            async def views() -> tuple[Any, list[Any]]:
                schedule = (await http.get(f"{prefix}/schedule", headers=boss)).json()
                agendas = [(await http.get(f"{prefix}/agenda", headers=h)).json() for h in heads]
                return schedule, agendas

            before = await views()
            facts_before = database_facts(url, event_id)
            started = await http.post(
                f"{prefix}/solves", json={"time_limit_s": args.solve_limit}, headers=boss
            )
            run_id = started.json()["id"]
            await asyncio.sleep(args.solve_kill_after)
            status = (await http.get(f"{prefix}/solves/{run_id}", headers=boss)).json()["status"]
            report.check(
                "the solve was running when the server was killed", status, status == "running"
            )
            killed = kill_server(server)
            report.note(
                f"{killed} server processes killed {args.solve_kill_after:.0f} s into a solve "
                f"with a {args.solve_limit:.0f} s time limit"
            )
        restarted = time.monotonic()
        server = start_server(url, port, workers)
        report.note(f"served again in {time.monotonic() - restarted:.1f} s")
        async with client(base, 16) as http:
            boss = await login(http, "organiser")
            heads = [await login(http, f"delegate-{p}") for p in watched]
            after = await views()
            facts_after = database_facts(url, event_id)
            report.check(
                "published version unchanged",
                f"{before[0]['version']} → {after[0]['version']}",
                before[0]["version"] == after[0]["version"] == facts_after["version"],
            )
            report.check(
                "schedule and bookings unchanged (API and database)",
                f"{len(after[0]['entries'])} entries, {len(facts_after['bookings'])} bookings",
                before[0] == after[0] and facts_before == facts_after,
            )
            report.check(
                f"agendas of {len(heads)} delegations unchanged",
                sum(a == b for a, b in zip(before[1], after[1], strict=True)),
                before[1] == after[1],
            )
            # The organiser asks for a new solve at once, as they would after a crash.
            asked = time.monotonic()
            refused = Counter[str]()
            while True:
                again = await http.post(
                    f"{prefix}/solves", json={"time_limit_s": args.new_solve_limit}, headers=boss
                )
                if again.status_code == 202 or time.monotonic() - asked > 120:
                    break
                refused[str(again.status_code)] += 1
                await asyncio.sleep(1)
            blocked = time.monotonic() - asked
            report.check(
                "a new solve is accepted after the restart",
                f"{again.status_code} after {blocked:.1f} s (refused before: {counts(refused)})",
                again.status_code == 202 and blocked < 5,
            )
            dead = (await http.get(f"{prefix}/solves/{run_id}", headers=boss)).json()
            report.check(
                "the killed run is marked failed",
                f"{dead['status']}: {dead['progress'].get('error', '')}",
                dead["status"] == "failed",
            )
            new_id = again.json().get("id")
            deadline = time.monotonic() + args.new_solve_limit + 120
            state = "running"
            while state == "running" and time.monotonic() < deadline:
                await asyncio.sleep(1)
                state = (await http.get(f"{prefix}/solves/{new_id}", headers=boss)).json()["status"]
            published = await http.post(f"{prefix}/solves/{new_id}/publish", headers=boss)
            version = published.json().get("version") if published.status_code == 200 else None
            report.check(
                "the new solve finishes and publishes as the next version",
                f"{state}; publish {published.status_code}; version {version}",
                state == "done"
                and published.status_code == 200
                and version == before[0]["version"] + 1,
            )
    finally:
        stop_server(server)
    check_meetings(report, url, event_id)
    return report


# --- 2. kill -9 during agreement writes --------------------------------------------------------


async def writes_scenario(name: str, url: str, workers: int, args: argparse.Namespace) -> Report:
    report = Report(f"kill -9 during agreement writes ({label(name, workers)})")
    event_id, parties = seed(url, args.clients, args.seed)
    port = free_port()
    server = start_server(url, port, workers)
    tally = Watched()
    try:
        async with client(f"http://127.0.0.1:{port}", args.clients) as http:
            end = [float("inf")]
            tasks = await clients(http, tally, event_id, parties, args.clients, end)
            begun = time.monotonic()
            await asyncio.sleep(args.seconds)
            # What was acknowledged up to the kill is what must survive it.
            killed_at = time.monotonic()
            acknowledged = tally.acknowledged()
            placed = set(tally.placed)
            killed = kill_server(server)
            server = await asyncio.to_thread(start_server, url, port, workers)
            back_at = time.monotonic()
            end[0] = back_at + args.seconds
            await asyncio.gather(*tasks)
    finally:
        stop_server(server)
    report.note(
        f"{args.clients} clients; killed {killed} server processes after "
        f"{killed_at - begun:.1f} s; served again {back_at - killed_at:.1f} s later; the "
        f"clients went on for {args.seconds:.0f} s more"
    )
    report.check(
        "answers before the kill",
        counts(tally.between(begun, killed_at)),
        not any(s[0] == "5" for s in tally.between(begun, killed_at)),
    )
    report.check(
        "answers while down and after",
        counts(tally.between(killed_at, float("inf"))),
        not any(s.startswith("5") for s in tally.between(back_at, float("inf"))),
    )
    check_writes(report, "acknowledged before the kill", url, event_id, *acknowledged)
    unplaced = audited_meetings(url, event_id, placed)
    report.check(
        "acknowledged placements on site unplaced or unaudited",
        f"{unplaced} of {len(placed)}",
        not unplaced,
    )
    check_writes(report, "acknowledged in the whole run", url, event_id, *tally.acknowledged())
    waiting = check_meetings(report, url, event_id)
    report.note(
        f"{waiting} agreed meetings wait unplaced for the next solve (an acceptance commits "
        "before its placement is tried; a meeting that fits nowhere, or whose placement was cut "
        "by the kill, waits)"
    )
    return report


# --- 3. PostgreSQL stopped under load ----------------------------------------------------------


async def outage_scenario(postgres: Postgres, workers: int, args: argparse.Namespace) -> Report:
    report = Report(f"PostgreSQL stopped for {args.outage:.0f} s under load ({workers} workers)")
    url = postgres.create_database()
    event_id, parties = seed(url, args.clients, args.seed)
    port = free_port()
    server = start_server(url, port, workers)
    tally = Watched()
    probe: list[tuple[float, int]] = []
    try:
        async with client(f"http://127.0.0.1:{port}", args.clients + 1) as http:
            end = [float("inf")]
            tasks = await clients(http, tally, event_id, parties, args.clients, end)
            watcher = await login(http, f"delegate-{parties[-1]}")

            async def probing() -> None:
                # One delegation reads its agenda four times a second: when it works again.
                while time.monotonic() < end[0]:
                    try:
                        response = await http.get(f"/api/events/{event_id}/agenda", headers=watcher)
                        probe.append((time.monotonic(), response.status_code))
                    except httpx.HTTPError:
                        probe.append((time.monotonic(), 0))
                    await asyncio.sleep(0.25)

            prober = asyncio.create_task(probing())
            begun = time.monotonic()
            await asyncio.sleep(args.seconds)
            stopping = time.monotonic()
            await asyncio.to_thread(postgres.pause)
            stopped = time.monotonic()
            await asyncio.sleep(args.outage)
            await asyncio.to_thread(postgres.resume)
            resumed = time.monotonic()
            end[0] = resumed + args.seconds
            await asyncio.gather(*tasks, prober)
    finally:
        stop_server(server)
    report.note(
        f"{args.clients} clients; the database stopped {stopping - begun:.1f} s in (the stop "
        f"took {stopped - stopping:.1f} s), down {resumed - stopped:.1f} s, then "
        f"{args.seconds:.0f} s more"
    )
    before = tally.between(begun, stopping)
    during = tally.between(stopping, resumed)
    report.check("answers before the stop", counts(before), not any(s[0] == "5" for s in before))
    report.check(
        "answers while the database was down",
        counts(during),
        during["503"] > 0 and not during["500"],
    )
    report.check(
        "server errors that were not a JSON 503 with Retry-After",
        counts(tally.bad_bodies),
        not tally.bad_bodies,
    )
    first_ok = next((at for at, status in probe if at >= resumed and status == 200), None)
    recovery = None if first_ok is None else first_ok - resumed
    report.check(
        "first agenda read answered after the database was back",
        "never" if recovery is None else f"{recovery:.1f} s",
        recovery is not None and recovery < 5,
    )
    settled = resumed + 5
    late = tally.between(settled, float("inf"))
    report.check(
        "answers from 5 s after the restart on (app not restarted)",
        counts(late),
        not any(s[0] == "5" or s == "no answer" for s in late),
    )
    check_writes(report, "acknowledged", url, event_id, *tally.acknowledged())
    anyway = accepted_anyway(url, event_id, tally)
    report.check(
        "acceptances answered 503 that were committed all the same",
        f"{anyway} of {len(tally.unavailable_accepts)}",
        not anyway,
    )
    check_meetings(report, url, event_id)
    return report


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="solve,writes,outage")
    parser.add_argument("--databases", default="postgresql,sqlite", help="for solve and writes")
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0, help="load before and after")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL is down")
    parser.add_argument("--parties", type=int, default=60, help="in the solve scenario")
    parser.add_argument("--solve-limit", type=float, default=120.0)
    parser.add_argument("--solve-kill-after", type=float, default=4.0)
    parser.add_argument("--new-solve-limit", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-workers", type=int, default=4)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    names = args.databases.split(",")
    started = time.monotonic()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    postgres = Postgres.start() if "outage" in scenarios or "postgresql" in names else None
    reports = []
    try:
        for scenario in ("solve", "writes"):
            if scenario not in scenarios:
                continue
            run = solve_scenario if scenario == "solve" else writes_scenario
            for name in names:
                workers = args.pg_workers if name == "postgresql" else args.sqlite_workers
                with database(name, postgres) as url:
                    began = time.monotonic()
                    report = asyncio.run(run(name, url, workers, args))
                report.note(f"scenario run {time.monotonic() - began:.0f} s")
                print(report.table(), "\n", flush=True)
                reports.append(report)
        if "outage" in scenarios:
            assert postgres is not None
            began = time.monotonic()
            report = asyncio.run(outage_scenario(postgres, args.pg_workers, args))
            report.note(f"scenario run {time.monotonic() - began:.0f} s")
            print(report.table(), "\n", flush=True)
            reports.append(report)
    finally:
        if postgres is not None:
            postgres.stop()
    print(
        f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
        f"{time.monotonic() - started:.0f} s in all; "
        + json.dumps({r.title: "pass" if r.passed else "FAIL" for r in reports}, indent=1),
        flush=True,
    )
    raise SystemExit(0 if all(r.passed for r in reports) else 1)


if __name__ == "__main__":
    main()
