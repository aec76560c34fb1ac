"""Real Chromium (Playwright) against a real gunicorn: one server per site configuration.

Chromium: $JNT_CHROMIUM, else /usr/bin/chromium, else Playwright's own build. None found:
the tests skip, unless JNT_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

import email
import email.policy
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from mailtools import LINK, OFFER, PROOF
from server import Gunicorn
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, OPEN_NOW

from browser.browser_states import (
    MANAGE_LINKS,
    OFFER_LINKS,
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    PROCONNECT,
    PROOF_LINKS,
)
from browser.chromium import chromium_path, no_browser

# One gunicorn per configuration, started on first use and shared by the whole session.
CONFIGS = {
    "open": {"PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 500},
    "closed": {"PREVIEW_NOW": CLOSED_NOW, "IN_PERSON_CAPACITY": 500},
    "full": {"PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 0},
    # ProConnect set up (the login page's button, the privacy notice); no provider is reached to render them.
    "proconnect": {"PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 500, **PROCONNECT},
    # After the in-person deadline: remote registration only.
    "remote-only": {"PREVIEW_NOW": IN_PERSON_CLOSED_NOW, "IN_PERSON_CAPACITY": 500},
    # The day, 30 minutes before the start: the remote attendees' "Rejoindre la visioconférence" button.
    "day": {"PREVIEW_NOW": "2023-01-18T08:30:00+01:00", "VISIO_URL": "https://visio.example.org/jnt"},
    "proof": {"PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 500, "REQUIRE_EMAIL_CONFIRMATION": True},
}
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    """Everything in this folder is a browser test that starts gunicorn."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        path = chromium_path(pw)
        if path is None:
            no_browser("no Chromium found (set JNT_CHROMIUM, or install chromium)")
        browser = pw.chromium.launch(executable_path=path, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def management_path(server: Gunicorn, address: str, timeout: float = 20, link=LINK) -> str:
    """The management link (or another `link`) sent to `address`, read from the .eml files the server writes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.flask("send-mail", check=False)  # in case the worker's thread has not run yet
        for path in sorted((server.instance / "outbox").glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == address:
                url = link.search(message.get_body(("plain",)).get_content()).group(0)
                return url[url.index("/inscription/") :]
        time.sleep(0.2)
    raise AssertionError(f"no management link e-mailed to {address}")


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """Gunicorn servers by configuration name, started lazily, stopped at the end."""
    started: dict[str, Gunicorn] = {}

    def get(name: str) -> Gunicorn:
        if name not in started:
            settings = dict(CONFIGS[name])
            server = started[name] = Gunicorn(tmp_path_factory.mktemp(f"gunicorn-{name}"), settings, workers=2).start()
            # An organiser account (organiser pages) and the mail outbox (management links).
            server.flask("organiser", "add", ORGANISER_EMAIL, input=ORGANISER_PASSWORD + "\n")
            MANAGE_LINKS[server.url] = lambda address, server=server: management_path(server, address)
            PROOF_LINKS[server.url] = lambda address, server=server: management_path(server, address, link=PROOF)
            OFFER_LINKS[server.url] = lambda address, server=server: management_path(server, address, link=OFFER)
        return started[name]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture
def open_site(servers):
    return servers("open")


@pytest.fixture
def closed_site(servers):
    return servers("closed")


@pytest.fixture
def full_site(servers):
    return servers("full")


def _context(browser, **options):
    """A fresh context that records page errors and any request leaving loopback."""
    # Playwright's own polling (wait_for_function) evaluates strings, which our CSP forbids;
    # the CSP itself is exercised in tests/test_browser_csp.py.
    context = browser.new_context(locale="fr-FR", bypass_csp=True, **options)
    context.jnt_errors = []
    context.jnt_foreign = []

    def on_request(request):
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:")) and host not in ("127.0.0.1", "localhost"):
            context.jnt_foreign.append(request.url)

    context.set_default_timeout(10_000)  # a failing expectation fails in 10 s, not 30
    context.on("request", on_request)
    context.on("weberror", lambda error: context.jnt_errors.append(str(error.error)))
    return context


@pytest.fixture
def new_context(browser):
    """Factory for extra contexts (no JavaScript, other viewports); all checked at teardown."""
    made = []

    def factory(**options):
        made.append(_context(browser, **options))
        return made[-1]

    yield factory
    for context in made:
        errors, foreign = context.jnt_errors, context.jnt_foreign
        context.close()
        assert not errors, f"JavaScript errors: {errors}"
        assert not foreign, f"requests to another host: {foreign}"


@pytest.fixture
def page(new_context):
    """A page in a fresh desktop context."""
    return new_context(viewport={"width": 1280, "height": 800}).new_page()


@pytest.fixture
def stored():
    """Rows stored for an address, read straight from a server's SQLite file."""

    def count(server: Gunicorn, email: str) -> int:
        with sqlite3.connect(server.instance / "jnt.sqlite3") as db:
            return db.execute("SELECT count(*) FROM registrations WHERE email = ?", (email,)).fetchone()[0]

    return count
