"""The application served on a free port, in a thread, against a SQLite test database with the
Lima event; and what every page visit checks: the axe-core rules, no sideways scrolling, a
screenshot kept under ``out/pages/``."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from sidelines.services import accounts
from sidelines.services.actors import Role
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from tests.web.helpers import LIMA, import_lima

SCREENSHOTS = Path(__file__).resolve().parents[3] / "out" / "pages"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}
PASSWORDS = {
    "protocol": "peru-protocol-2016",
    "russia": "kremlin-lima-2016",
    "usa": "white-house-lima",
    "japan": "kantei-lima-2016",
}
PARTIES = {"russia": "RUS", "usa": "USA", "japan": "JPN"}


@dataclass
class Site:
    url: str
    database: Database

    def page_url(self, path: str) -> str:
        return f"{self.url}{path}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[Site]:
    """The Lima event (three agreed meetings, none between Russia and the US) with logins for
    the organiser and three delegations, served by uvicorn on a free port."""
    path = tmp_path / "pages.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    accounts.create_user(database, "protocol", PASSWORDS["protocol"], Role.ORGANISER)
    import_lima(database)
    for username, party in PARTIES.items():
        accounts.create_user(
            database, username, PASSWORDS[username], Role.DELEGATE, event_id=LIMA, party_id=party
        )
    port = _free_port()
    config = uvicorn.Config(
        create_app(database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test server did not start"
    try:
        yield Site(f"http://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(10)
        database.dispose()


@pytest.fixture
def contexts(browser: Browser, site: Site) -> Iterator[list[BrowserContext]]:
    """Browser contexts opened by a test (one per user: separate cookies), closed after it and
    before the server stops: an open page holds its event stream open."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


_axe = Axe()


def check_page(page: Page, name: str) -> None:
    """What every page must pass: no axe-core violation, no sideways scrolling of the page
    itself (wide tables scroll in their own region), and a screenshot kept for people."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: the page is {scroll_width} px wide in {width} px"
    results = _axe.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_snapshot()}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_as(
    browser: Browser,
    contexts: list[BrowserContext],
    site: Site,
    username: str,
    viewport: dict[str, int],
    timezone_id: str | None = None,
) -> Page:
    """A new browser context (its own cookies, and its clock in ``timezone_id`` if given)
    logged in through the login page."""
    context = browser.new_context(viewport=viewport, timezone_id=timezone_id)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    contexts.append(context)
    page = context.new_page()
    page.goto(site.page_url("/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page
