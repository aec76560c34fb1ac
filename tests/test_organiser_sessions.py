"""Organiser sessions kept on the server: a copied cookie dies with its session, on every route."""

import hashlib
import logging

import pytest
from organisers_support import EMAIL, PASSWORD, Clock, add_organiser, login, page_token, register
from test_organisers_access import LOGIN, organiser_requests

from jnt.models import AuditEntry, Organiser, OrganiserSession, db

IDLE, MAX_AGE = 600, 3600
NEW_PASSWORD = "un tout autre mot de passe"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Every test here runs on a stopped clock: no limit or session can run out while a request is slow."""
    return Clock(monkeypatch)


def cookie_of(app, client) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def replay(app, cookie: str, method: str = "GET", url: str = "/organisateurs/", **kwargs):
    """One request carrying a copy of a session cookie, from a client that keeps nothing."""
    thief = app.test_client(use_cookies=False)
    return thief.open(url, method=method, headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}, **kwargs)


def cli(app, *args: str, stdin: str = ""):
    result = app.test_cli_runner().invoke(args=["organiser", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result


def log_out(app, client, clock):
    page = client.get("/organisateurs/")
    assert client.post("/organisateurs/deconnexion", data={"csrf_token": page_token(page.text)}).status_code == 303


def change_password(app, client, clock):
    cli(app, "password", EMAIL, stdin=NEW_PASSWORD + "\n")


def remove_account(app, client, clock):
    cli(app, "remove", EMAIL)


def stay_idle(app, client, clock):
    clock.advance(IDLE + 1)


def stay_active_past_max_age(app, client, clock):
    # A request every nine minutes keeps the idle time from running out, and each response
    # re-issues the cookie: only the absolute lifetime ends the session.
    for _ in range(MAX_AGE // 540):
        clock.advance(540)
        assert client.get("/organisateurs/").status_code == 200
    clock.advance(540)


ENDINGS = [log_out, change_password, remove_account, stay_idle, stay_active_past_max_age]


@pytest.mark.parametrize("end", ENDINGS, ids=lambda f: f.__name__)
def test_copied_cookie_refused_on_every_organiser_route(make_app, clock, end):
    app = make_app(PERMANENT_SESSION_LIFETIME=IDLE, ORGANISER_SESSION_MAX_AGE=MAX_AGE)
    register(app, n=1, organisation="Mairie de Secretville")
    add_organiser(app)
    client = app.test_client()
    assert login(client).status_code == 303
    # What an attacker copies: the cookie, and a CSRF token of a page of that session.
    token = page_token(client.get("/organisateurs/").text)
    copied = cookie_of(app, client)
    assert replay(app, copied).status_code == 200  # the copy works while the session lives
    end(app, client, clock)
    routes = list(organiser_requests(app))
    assert len(routes) >= 8
    latest = cookie_of(app, client)  # the browser's own, re-issued since (none left after logging out)
    for cookie in {copied, latest} - {None}:
        for method, url in routes:
            response = replay(app, cookie, method, url, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 303, (end.__name__, method, url)
            assert response.headers["Location"].startswith(LOGIN), (end.__name__, method, url)
            assert b"Secretville" not in response.data
    with app.app_context():
        assert db.session.get(Organiser, 1) is not None  # deactivated at most, never deleted


def test_cookie_holds_only_a_random_key_stored_hashed(app):
    add_organiser(app)
    client = app.test_client()
    login(client)
    content = app.session_interface.get_signing_serializer(app).loads(cookie_of(app, client))
    assert set(content) <= {"organiser_session", "csrf_token", "_permanent"}  # no account id
    key = content["organiser_session"]
    with app.app_context():
        [row] = db.session.scalars(db.select(OrganiserSession)).all()
    assert len(key) >= 43 and row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.organiser_id == 1 and row.id_token is None


def test_logout_ends_only_its_own_session(app):
    add_organiser(app)
    phone, laptop = app.test_client(), app.test_client()
    login(phone)
    login(laptop)
    log_out(app, phone, None)
    assert phone.get("/organisateurs/").status_code == 303
    assert laptop.get("/organisateurs/").status_code == 200


@pytest.mark.parametrize("command", [["password", EMAIL], ["remove", EMAIL]])
def test_account_change_ends_every_session_of_that_account_only(app, command):
    add_organiser(app)
    add_organiser(app, email="autre@example.org")
    phone, laptop, colleague = app.test_client(), app.test_client(), app.test_client()
    for client in (phone, laptop):
        login(client)
    login(colleague, email="autre@example.org")
    output = cli(app, *command, stdin=NEW_PASSWORD + "\n").output
    assert "2 session(s) fermée(s)" in output
    assert phone.get("/organisateurs/").status_code == laptop.get("/organisateurs/").status_code == 303
    assert colleague.get("/organisateurs/").status_code == 200


def test_password_command_changes_the_password(app):
    add_organiser(app)
    cli(app, "password", " Orga@Example.ORG ", stdin=NEW_PASSWORD + "\n")
    assert login(app.test_client()).status_code == 401
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_deactivated_account_cannot_log_in_and_re_adding_reactivates_it(app):
    add_organiser(app)
    client = app.test_client()
    login(client)
    log_out(app, client, None)
    cli(app, "remove", EMAIL)
    refused = login(client)
    assert refused.status_code == 401 and "Adresse e-mail ou mot de passe incorrect." in refused.text
    assert "réactivé" in cli(app, "add", EMAIL, stdin=NEW_PASSWORD + "\n").output
    assert login(app.test_client()).status_code == 401  # the old password is gone
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303
    with app.app_context():
        [account] = db.session.scalars(db.select(Organiser)).all()
        entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert account.id == 1 and account.deactivated_at is None
    assert {e.organiser_id for e in entries} == {1}  # the same account all along
    assert [e.action for e in entries] == [
        "compte-cree", "connexion", "deconnexion", "compte-desactive", "connexion-refusee", "compte-reactive",
        "connexion-refusee", "connexion",
    ]  # fmt: skip


def test_logins_logouts_and_failures_logged_and_audited_without_what_was_typed(app, caplog):
    caplog.set_level(logging.INFO)
    add_organiser(app)
    client = app.test_client()
    typed = ("mauvais mot de passe secret", "inconnu.secret@example.org")
    assert login(client, password=typed[0], REMOTE_ADDR="203.0.113.77").status_code == 401
    assert login(client, email=typed[1], REMOTE_ADDR="203.0.113.77").status_code == 401
    assert login(client).status_code == 303
    log_out(app, client, None)
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.organiser_id, e.detail) for e in entries][1:] == [
        ("connexion-refusee", 1, "mot de passe incorrect"),
        ("connexion-refusee", None, "compte inconnu"),
        ("connexion", 1, ""),
        ("deconnexion", 1, ""),
    ]
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    for action in ("connexion-refusee", "connexion", "deconnexion"):
        assert any(action in m for m in messages), action
    for secret in (*typed, PASSWORD, EMAIL, "203.0.113.77"):
        assert secret not in caplog.text


def test_default_session_lasts_a_whole_day_at_the_door():
    # RGAA 13.1.4: a time limit can be extended, or lasts at least 20 hours.
    from jnt.config import DEFAULTS

    assert DEFAULTS["PERMANENT_SESSION_LIFETIME"] >= 20 * 3600
    assert DEFAULTS["ORGANISER_SESSION_MAX_AGE"] >= 20 * 3600
