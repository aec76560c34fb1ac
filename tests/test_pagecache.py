"""The event page is rendered once and reused, with a live seat count and open/closed state."""

import datetime as dt

import pytest
from flask import template_rendered
from sqlalchemy import create_engine, text
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, form_fields, valid_registration

from jnt import pagecache
from jnt.config import parse_instant
from jnt.models import db

HTMX = {"HX-Request": "true"}


def register(client, email: str):
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    return client.post("/inscription", data={**fields, **valid_registration(email=email)})


def test_pagecache_renders_each_page_once(app, client):
    names = []

    def record(_sender, template, context, **extra):
        names.append(template.name)

    with template_rendered.connected_to(record, app):
        first = client.get("/infos-pratiques").get_data(as_text=True)
        assert "site/event.html" in names
        names.clear()
        second = client.get("/infos-pratiques").get_data(as_text=True)
    assert names == []
    assert first == second


def test_pagecache_keeps_fragment_and_page_apart(client):
    page = client.get("/forum")
    fragment = client.get("/forum", headers=HTMX)
    again = client.get("/forum")
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert again.get_data() == page.get_data()
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.both_databases
def test_pagecache_seat_count_follows_registrations(client):
    assert "<strong>3</strong> places en présentiel disponibles" in client.get("/").get_data(as_text=True)
    register(client, "a@example.org")
    assert "<strong>2</strong> places en présentiel disponibles" in client.get("/").get_data(as_text=True)
    register(client, "b@example.org")
    assert "<strong>1</strong> place en présentiel disponible." in client.get("/").get_data(as_text=True)
    register(client, "c@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "Toutes les places en présentiel sont attribuées" in html
    assert "disponible" not in html


def test_pagecache_follows_the_clock_past_the_deadline(app, client):
    assert "S’inscrire" in client.get("/").get_data(as_text=True)
    app.config["PREVIEW_NOW"] = parse_instant(CLOSED_NOW, "PREVIEW_NOW")
    html = client.get("/").get_data(as_text=True)
    assert "Inscriptions closes" in html
    assert "S’inscrire" not in html
    app.config["PREVIEW_NOW"] = parse_instant(CLOSED_NOW, "PREVIEW_NOW") - dt.timedelta(seconds=1)
    assert "S’inscrire" in client.get("/").get_data(as_text=True)


def test_pagecache_follows_the_clock_past_the_in_person_deadline(app, client):
    """The same worker's cached page turns to « S’inscrire à distance » at the in-person deadline, and back."""
    assert "places en présentiel disponibles" in client.get("/").text
    app.config["PREVIEW_NOW"] = parse_instant(IN_PERSON_CLOSED_NOW, "PREVIEW_NOW")
    html = client.get("/").text
    assert "S’inscrire à distance" in html and "disponible" not in html
    app.config["PREVIEW_NOW"] = parse_instant(IN_PERSON_CLOSED_NOW, "PREVIEW_NOW") - dt.timedelta(seconds=1)
    html = client.get("/").text
    assert "S’inscrire à distance" not in html and "places en présentiel disponibles" in html


def test_pagecache_canonical_url_is_the_public_url_whatever_the_host(make_app):
    client = make_app(PUBLIC_URL="https://jnt.example.org").test_client()
    a = client.get("/forum", base_url="http://a.example").get_data(as_text=True)
    b = client.get("/forum", base_url="http://b.example").get_data(as_text=True)
    assert '<link rel="canonical" href="https://jnt.example.org/forum">' in a
    assert a == b


def test_pagecache_one_entry_whatever_the_hosts(app, client):
    for i in range(100):
        assert client.get("/", base_url=f"http://h{i}.example").status_code == 200
    assert len(app.extensions["jnt_page_html"]) == 1


def test_pagecache_seat_count_per_database(make_app, tmp_path):
    """Two apps on two files in one thread: each page shows its own count."""
    a = make_app(IN_PERSON_CAPACITY=7).test_client()
    b = make_app(IN_PERSON_CAPACITY=9, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.sqlite3'}").test_client()
    register(a, "x@example.org")
    for _ in range(2):
        assert "<strong>6</strong> places" in a.get("/").get_data(as_text=True)
        assert "<strong>9</strong> places" in b.get("/").get_data(as_text=True)


@pytest.fixture
def stopped_clock(monkeypatch):
    """The page cache's clock, stopped: the memoised seat count never ages unless a test says so."""
    now = [1000.0]
    monkeypatch.setattr(pagecache, "monotonic", lambda: now[0])
    return now


def taken_elsewhere(app, taken: int) -> None:
    """Change the seat counter outside this app's session, as another worker's registration would."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE seat_counters SET taken = :taken"), {"taken": taken})
    finally:
        engine.dispose()


def test_pagecache_seat_count_read_at_most_once_a_second(app, client, stopped_clock):
    assert "<strong>3</strong> places" in client.get("/").get_data(as_text=True)
    taken_elsewhere(app, 2)
    assert "<strong>3</strong> places" in client.get("/").get_data(as_text=True)
    stopped_clock[0] += pagecache.SEATS_MAX_AGE
    assert "<strong>1</strong> place en présentiel disponible." in client.get("/").get_data(as_text=True)


def test_pagecache_own_registration_counted_at_once(client, stopped_clock):
    """The clock does not move: only the commit of the registration can refresh the count."""
    assert "<strong>3</strong> places" in client.get("/").get_data(as_text=True)
    assert register(client, "a@example.org").status_code == 303
    assert "<strong>2</strong> places" in client.get("/").get_data(as_text=True)


def test_pagecache_any_commit_of_the_worker_refreshes_the_count(app, client, stopped_clock):
    assert "<strong>3</strong> places" in client.get("/").get_data(as_text=True)
    taken_elsewhere(app, 1)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # a transaction of this worker: it may have moved a seat
    assert "<strong>2</strong> places" in client.get("/").get_data(as_text=True)
