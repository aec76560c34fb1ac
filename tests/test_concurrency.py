"""The seat limit under real concurrency: several gunicorn workers, one database (SQLite or PostgreSQL)."""

import threading

import pytest
import requests
from rendezvous import Rendezvous, at_once, race_server
from server import Gunicorn, query
from support import OPEN_NOW, form_fields, valid_registration

pytestmark = pytest.mark.both_databases

CLIENTS = 30
CAPACITY = 5
WORKERS = 4


def register_all(url: str, emails: list[str], headers: dict | None = None) -> list[tuple[str, int, str]]:
    """Each client loads the form (own session, own CSRF token), then all submit at once."""
    barrier = threading.Barrier(len(emails))

    def one(email: str):
        session = requests.Session()
        page = session.get(f"{url}/inscription", timeout=30).text
        data = {**form_fields(page), **valid_registration(email=email, mode="in_person")}
        barrier.wait()
        response = session.post(f"{url}/inscription", data=data, headers=headers, timeout=300)
        if "Inscription confirmée" in response.text:
            told = "confirmed"
        elif "liste d’attente" in response.text:
            told = "waiting"
        else:
            told = "refused"
        return email, response.status_code, told

    return at_once(one, emails)


def stored(database_uri) -> dict[str, str]:
    return dict(query(database_uri, "SELECT email, status FROM registrations WHERE mode = 'in_person'"))


def seat_counter(database_uri) -> int:
    return query(database_uri, "SELECT taken FROM seat_counters")[0][0]


def run(tmp_path, database_uri, emails):
    config = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": CAPACITY}
    with Gunicorn(tmp_path / "instance", config, workers=WORKERS) as server:
        answers = register_all(server.url, emails)
        logs = server.logs()
    return answers, logs, database_uri


@pytest.mark.slow
def test_concurrent_registrations_never_oversell(tmp_path, database_uri):
    emails = [f"agent{i}@example.org" for i in range(CLIENTS)]
    answers, logs, db_path = run(tmp_path, database_uri, emails)
    assert all(status == 200 for _, status, _ in answers), answers
    assert "database is locked" not in logs
    rows = stored(db_path)
    # Every answer the clients saw is a row with that status.
    assert {email: told for email, _, told in answers} == rows
    assert list(rows.values()).count("confirmed") == CAPACITY
    assert list(rows.values()).count("waiting") == CLIENTS - CAPACITY
    assert seat_counter(db_path) == CAPACITY


@pytest.mark.slow
def test_concurrent_duplicates_store_one_row(tmp_path, database_uri):
    emails = ["meme.personne@example.org"] * 8 + [f"autre{i}@example.org" for i in range(4)]
    answers, logs, db_path = run(tmp_path, database_uri, emails)
    assert all(status in (200, 409) for _, status, _ in answers), answers
    assert "database is locked" not in logs
    assert [s for _, s, _ in answers].count(409) == 7
    rows = stored(db_path)
    assert len(rows) == 5
    assert seat_counter(db_path) == list(rows.values()).count("confirmed") == CAPACITY


@pytest.mark.slow
def test_simultaneous_registrations_for_the_last_seat_confirm_one(tmp_path, database_uri):
    # One registration per worker, each held where its write starts until all are there.
    config = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 2}
    emails = [f"agent{i}@example.org" for i in range(WORKERS)]
    with race_server(tmp_path / "instance", config, WORKERS) as server:
        assert register_all(server.url, ["premiere@example.org"])[0][2] == "confirmed"
        with Rendezvous(WORKERS) as meeting:
            answers = register_all(server.url, emails, meeting.headers)
        logs = server.logs()
    assert all(status == 200 for _, status, _ in answers), logs
    rows = stored(database_uri)
    assert {email: told for email, _, told in answers} == {email: rows[email] for email in emails}
    assert sorted(rows[email] for email in emails) == ["confirmed"] + ["waiting"] * (WORKERS - 1)
    assert seat_counter(database_uri) == 2


@pytest.mark.slow
def test_control_count_then_act_always_oversells(tmp_path, database_uri):
    # The negative control: with a rule that counts before it writes, the same meeting must oversell,
    # every time, since every party has counted the one free seat before any of them takes it.
    config = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 1}
    emails = [f"agent{i}@example.org" for i in range(WORKERS)]
    server = race_server(tmp_path / "instance", config, WORKERS, seat_rule="count-then-act")
    with server, Rendezvous(WORKERS) as meeting:
        answers = register_all(server.url, emails, meeting.headers)
    assert [told for _, _, told in answers] == ["confirmed"] * WORKERS
    assert list(stored(database_uri).values()) == ["confirmed"] * WORKERS
    assert seat_counter(database_uri) == WORKERS
