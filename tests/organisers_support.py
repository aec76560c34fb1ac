"""Helpers for the organisers' tests: accounts, login, and registrations to look at."""

import datetime as dt
import re

from support import csrf_token, valid_registration

from jnt import booking, models
from jnt.organisers import login_limit
from jnt.organisers import sessions as organiser_sessions

PASSWORD = "un mot de passe assez long"
EMAIL = "orga@example.org"


def add_organiser(app, email: str = EMAIL, password: str = PASSWORD, role: str = "", proconnect: bool = False) -> None:
    """Create an account through the real CLI command (password piped on stdin; none for ProConnect)."""
    args = ["organiser", "add", email, *(["--role", role] if role else []), *(["--proconnect"] if proconnect else [])]
    result = app.test_cli_runner().invoke(args=args, input="" if proconnect else password + "\n")
    assert result.exit_code == 0, result.output


def login(client, email: str = EMAIL, password: str = PASSWORD, **environ):
    """Post the login form with its CSRF token; returns the response."""
    page = client.get("/organisateurs/connexion", environ_base=environ)
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    return client.post("/organisateurs/connexion", data=data, environ_base=environ)


def register(app, **overrides):
    """Store a registration through the real booking code; returns its id."""
    with app.app_context():
        n = overrides.pop("n", 0)
        data = valid_registration(**{"email": f"personne{n}@example.org", "last_name": f"Nom{n}", **overrides})
        outcome = booking.register(data)
        assert outcome.registration is not None
        return outcome.registration.id


def page_token(html: str) -> str:
    """The CSRF token of any form on an organiser page (including the hand-written ones)."""
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


class Clock:
    """The sessions' and login limits' clock, stopped: it moves only when the test moves it, never by waiting."""

    def __init__(self, monkeypatch):
        self.now = models.utcnow()
        for module in (login_limit, organiser_sessions):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def hidden_fields(html: str) -> dict:
    """Every hidden field of the page's forms (CSRF token, what the organiser saw)."""
    return dict(re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', html))


def log_in_browser(page, base_url: str, target: str = "") -> None:
    """Log in through the real login page in Chromium (Playwright), then land on `target` if given."""
    page.goto(base_url + "/organisateurs/connexion" + (f"?suivant={target}" if target else ""))
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#connexion-mot-de-passe button[type=submit]")
