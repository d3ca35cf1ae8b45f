"""The CPU of one delegation's inbox page (the API's first page of received requests waiting
for an answer, as ``load.py`` reads it), by the number of requests on it, for one or more trees.

For each ``--src`` (a tree's ``src`` folder), in a fresh interpreter with that folder first on the
path: the load event of ``load.py`` is seeded in a fresh PostgreSQL database (``--parties``
delegations, a published schedule), then one delegation receives ``--items`` requests and
another one, each sent as ``load.py`` sends them. The route's function runs in process (the
service's reads, the views, the JSON and its ETag, no HTTP), ``--pages`` times per page after
one unmeasured run, the trees in turn ``--rounds`` times. Printed: the CPU per page of one item
and of ``--items`` (this process's, the database's own excluded), and per item beyond the first.

    PYTHONPATH=src .venv/bin/python benchmarks/inbox_page.py --src base/src --src src --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def page_cpu_ms(
    parties: int, items: int, pages: int, profile: str | None = None
) -> dict[str, float]:
    """In this interpreter: seed, fill two inboxes and time their pages."""
    from sqlalchemy import select

    from api_load import fresh_database, seed
    from sidelines.domain import MeetingFormat
    from sidelines.domain.negotiation import RequestState
    from sidelines.services import negotiation
    from sidelines.services.actors import Actor, Role
    from sidelines.services.negotiation import Terms
    from sidelines.storage.db import Database
    from sidelines.storage.tables import UserRow
    from sidelines.web.routes import requests

    with fresh_database("postgresql") as fresh:
        event_id, party_ids = seed(fresh, parties, 1)
        db = Database(fresh)

        with db.reading() as session:
            users = dict(session.execute(select(UserRow.username, UserRow.id)).all())

        def delegate(party: str) -> Actor:
            name = f"delegate-{party}"
            return Actor(Role.DELEGATE, users[name], name, event_id, party)

        full, single = party_ids[0], party_ids[1]
        terms = Terms(format=MeetingFormat.B2B, duration_min=30)
        for sender in party_ids[2 : 2 + items]:
            negotiation.create_request(db, delegate(sender), event_id, [full], terms)
        negotiation.create_request(db, delegate(party_ids[2]), event_id, [single], terms)

        def read(party: str) -> float:
            actor = delegate(party)

            def once() -> None:
                requests.list_requests(
                    event_id,
                    db,
                    actor,
                    box="received",
                    state=RequestState.SENT,
                    after=None,
                    limit=20,
                    if_none_match=None,
                )

            once()
            started = time.process_time()
            for _ in range(pages):
                once()
            return (time.process_time() - started) * 1000 / pages

        one, many = read(single), read(full)
        if profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(read, full)
            profiler.dump_stats(profile)
        db.dispose()
    return {"one": one, "many": many, "per_item": (many - one) / max(items - 1, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", required=True, help="a tree's src folder")
    parser.add_argument("--parties", type=int, default=40)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", help="with one --src: a cProfile of its larger page here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = page_cpu_ms(args.parties, args.items, args.pages, args.profile)
        print(json.dumps(figures))
        return
    print(f"| round | tree | load | page of 1 (ms) | page of {args.items} (ms) | per item (ms) |")
    print("|---:|---|---|---:|---:|---:|")
    for round_no in range(1, args.rounds + 1):
        order = args.src if round_no % 2 else list(reversed(args.src))
        for src in order:
            env = {**os.environ, "PYTHONPATH": f"{Path(src).resolve()}{os.pathsep}{HERE}"}
            command = [sys.executable, str(Path(__file__).resolve()), "--child", "--src", src]
            command += ["--parties", str(args.parties), "--items", str(args.items)]
            command += ["--pages", str(args.pages)]
            if args.profile:
                command += ["--profile", str(Path(args.profile).resolve())]
            load = os.getloadavg()[0]
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {round_no} | {src} | {load:.1f} | {got['one']:.2f} | {got['many']:.2f} "
                f"| {got['per_item']:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
