"""Many people confirm their address at once for few seats: exactly the capacity is given, on real gunicorn workers."""

import re
import threading

import pytest
import requests
from mailtools import outbox_rows
from rendezvous import Rendezvous, at_once, race_server
from server import Gunicorn, query
from support import OPEN_NOW, csrf_token, form_fields, valid_registration

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]

WORKERS = 4
CAPACITY = 2
PROOF_LINK = re.compile(r"https?://\S+(/inscription/confirmer/[A-Za-z0-9_-]+)")


def unproven(make_app, n: int) -> list[str]:
    """n forms sent (in process), each waiting for its address to be proven; their links' paths."""
    app = make_app(REQUIRE_EMAIL_CONFIRMATION=True, IN_PERSON_CAPACITY=CAPACITY)
    for i in range(n):
        client = app.test_client()
        fields = form_fields(client.get("/inscription").text)
        data = {**valid_registration(email=f"agent{i}@example.org", mode="in_person"), **fields}
        assert client.post("/inscription", data=data).status_code == 200
    return [PROOF_LINK.search(r.body_text).group(1) for r in outbox_rows(app) if r.dedupe_key.startswith("proof:")]


@pytest.mark.parametrize(
    ("seat_rule", "confirmed"),
    # The control: a rule that counts before it writes gives every party a seat, so this race can fail.
    [("atomic", CAPACITY), ("count-then-act", WORKERS)],
)
def test_simultaneous_confirmations_for_few_seats_give_exactly_the_capacity(
    tmp_path, make_app, database_uri, seat_rule, confirmed
):
    links = unproven(make_app, WORKERS)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "PREVIEW_NOW": OPEN_NOW,
        "IN_PERSON_CAPACITY": CAPACITY,
        "REQUIRE_EMAIL_CONFIRMATION": True,
    }
    with race_server(tmp_path, settings, WORKERS, seat_rule=seat_rule) as server:
        sessions = [requests.Session() for _ in links]
        tokens = [
            csrf_token(s.get(server.url + link, timeout=30).text) for s, link in zip(sessions, links, strict=True)
        ]
        with Rendezvous(WORKERS) as meeting:

            def confirm(i: int) -> int:
                data = {"csrf_token": tokens[i]}
                url = server.url + links[i]
                r = sessions[i].post(url, data=data, headers=meeting.headers, allow_redirects=False, timeout=300)
                return r.status_code

            statuses = at_once(confirm, range(WORKERS))
        for s in sessions:
            s.close()
        log = server.logs()
    assert statuses == [303] * WORKERS, log
    rows = dict(query(database_uri, "SELECT status, count(*) FROM registrations GROUP BY status"))
    assert (rows.get("confirmed", 0), rows.get("waiting", 0)) == (confirmed, WORKERS - confirmed)
    assert query(database_uri, "SELECT taken FROM seat_counters")[0][0] == confirmed
    assert query(database_uri, "SELECT count(*) FROM pending_registrations")[0][0] == 0
    confirmations = query(database_uri, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'confirmation:%'")
    assert confirmations[0][0] == WORKERS


def test_many_confirmations_at_once_give_exactly_the_capacity(tmp_path, make_app, database_uri):
    many, capacity = 20, 5
    app = make_app(REQUIRE_EMAIL_CONFIRMATION=True, IN_PERSON_CAPACITY=capacity)
    for i in range(many):
        client = app.test_client()
        data = {**valid_registration(email=f"agent{i}@example.org"), **form_fields(client.get("/inscription").text)}
        client.post("/inscription", data=data)
    links = [PROOF_LINK.search(r.body_text).group(1) for r in outbox_rows(app) if r.dedupe_key.startswith("proof:")]
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "PREVIEW_NOW": OPEN_NOW,
        "IN_PERSON_CAPACITY": capacity,
        "REQUIRE_EMAIL_CONFIRMATION": True,
    }
    with Gunicorn(tmp_path / "instance", settings, workers=WORKERS) as server:
        sessions = [requests.Session() for _ in links]
        tokens = [
            csrf_token(s.get(server.url + link, timeout=30).text) for s, link in zip(sessions, links, strict=True)
        ]
        barrier = threading.Barrier(many)  # lines the clients up; the count must be exact however they interleave

        def confirm(i: int) -> int:
            barrier.wait()
            data = {"csrf_token": tokens[i]}
            return sessions[i].post(server.url + links[i], data=data, allow_redirects=False, timeout=300).status_code

        statuses = at_once(confirm, range(many))
        for s in sessions:
            s.close()
        log = server.logs()
    assert statuses == [303] * many, log
    rows = dict(query(database_uri, "SELECT status, count(*) FROM registrations GROUP BY status"))
    assert rows == {"confirmed": capacity, "waiting": many - capacity}
    assert query(database_uri, "SELECT taken FROM seat_counters")[0][0] == capacity
