"""What each kind of request costs a server process: the pool threads' CPU by route, counted
by admission, and logged on SIGUSR1."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time

import pytest
from fastapi import FastAPI

from sidelines.web.admission import Admission
from sidelines.web.route_cpu import RouteCpu, pool_threads_cpu_s, report_on_signal, spent_since
from tests.web.test_admission import client, run


def busy(seconds: float) -> None:
    began = time.thread_time()
    while time.thread_time() - began < seconds:
        pass


def test_the_threads_cpu_counts_other_threads_not_the_main_one() -> None:
    before = pool_threads_cpu_s()
    busy(0.05)  # the main thread's work is the event loop's, not the pool's
    in_main = spent_since(before)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (busy(0.05), done.set(), time.sleep(0.5)))
    before = pool_threads_cpu_s()
    worker.start()
    done.wait(10)
    in_thread = spent_since(before)
    worker.join(timeout=10)

    assert in_main < 0.02
    assert in_thread >= 0.05


def test_a_thread_that_ends_takes_nothing_off_the_sum() -> None:
    ready, release, done, hold = (threading.Event() for _ in range(4))
    idle = threading.Thread(target=lambda: (busy(0.1), ready.set(), release.wait(10)))
    idle.start()
    ready.wait(10)
    before = pool_threads_cpu_s()  # the idle thread has spent 0.1 s already
    release.set()
    idle.join(timeout=10)  # and ends, as an idle worker of the pool does
    working = threading.Thread(target=lambda: (busy(0.05), done.set(), hold.wait(10)))
    working.start()
    done.wait(10)
    spent = spent_since(before)
    hold.set()
    working.join(timeout=10)

    # What the thread that started spent, not that less what the one that ended had spent.
    assert 0.05 <= spent < 0.1


def app_with_routes() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        busy(0.02)
        return {"item": item_id}

    @app.post("/items")
    def add() -> dict[str, str]:
        return {"added": "yes"}

    return app


def test_admission_counts_each_served_requests_pool_cpu_under_its_route() -> None:
    counted = RouteCpu()
    admitted = Admission(app_with_routes(), at_once=1, queued=10, wait_s=5.0, cpu=counted)

    async def test() -> None:
        async with client(admitted) as http:
            for item_id in (1, 2, 3):
                assert (await http.get(f"/items/{item_id}")).json() == {"item": item_id}
            assert (await http.post("/items")).json() == {"added": "yes"}
            assert (await http.get("/nowhere")).status_code == 404

    run(test)

    assert counted.requests == {
        "GET /items/{item_id}": 3,
        "POST /items": 1,
        "GET unrouted": 1,
    }
    # Three requests of at least 20 ms each of their thread's CPU; one that does nothing.
    assert counted.cpu_s["GET /items/{item_id}"] >= 0.06
    assert counted.cpu_s["POST /items"] < 0.02


def test_a_request_refused_before_it_starts_is_not_counted() -> None:
    counted = RouteCpu()
    admitted = Admission(app_with_routes(), at_once=1, queued=0, wait_s=5.0, cpu=counted)

    async def test() -> None:
        async with client(admitted) as http:
            admitted.admitted = 1  # the one turn taken: the next request is refused at once
            assert (await http.get("/items/1")).status_code == 503
            admitted.admitted = 0
            assert (await http.get("/items/2")).status_code == 200

    run(test)

    assert counted.requests == {"GET /items/{item_id}": 1}
    assert counted.refused == 1


def test_sigusr1_logs_the_totals_so_far(caplog: pytest.LogCaptureFixture) -> None:
    counted = RouteCpu()
    counted.add("GET /items/{item_id}", 0.25)
    before = signal.getsignal(signal.SIGUSR1)
    report_on_signal(counted)
    try:
        with caplog.at_level(logging.WARNING, "sidelines.cpu"):
            os.kill(os.getpid(), signal.SIGUSR1)  # handled in this, the main thread
            time.sleep(0.01)
    finally:
        signal.signal(signal.SIGUSR1, before)

    reports = [r.getMessage() for r in caplog.records if r.name == "sidelines.cpu"]
    assert len(reports) == 1
    report = json.loads(reports[0].removeprefix("route cpu "))
    assert report["pid"] == os.getpid()
    assert report["routes"] == {"GET /items/{item_id}": [1, 0.25]}
    assert report["refused"] == 0
    assert report["process_s"] >= report["loop_thread_s"] > 0


def test_built_in_another_thread_no_handler_is_installed() -> None:
    before = signal.getsignal(signal.SIGUSR1)
    failed: list[BaseException] = []

    def build() -> None:
        try:
            report_on_signal(RouteCpu())
        except BaseException as error:  # what the thread raised, to assert on
            failed.append(error)

    builder = threading.Thread(target=build)
    builder.start()
    builder.join(timeout=10)

    assert failed == []
    assert signal.getsignal(signal.SIGUSR1) is before
