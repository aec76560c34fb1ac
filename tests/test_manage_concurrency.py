"""Concurrent cancellations through management links, on a real gunicorn with several workers."""

import email
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from email.policy import default

import pytest
import requests
from mailtools import LINK
from organisers_support import register as store
from rendezvous import Rendezvous, at_once, race_server
from server import Gunicorn, query
from support import OPEN_NOW, csrf_token, valid_registration

from jnt.models import Registration, db
from jnt.tokens import new_token

pytestmark = pytest.mark.both_databases

CAPACITY = 4
WORKERS = 3


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def register(url: str, address: str) -> str:
    with requests.Session() as s:
        page = s.get(url + "/inscription", timeout=30).text
        fields = dict(
            re.findall(r'<input id="(csrf_token|submission_id)" name="\1" type="hidden" value="([^"]*)"', page)
        )
        r = s.post(url + "/inscription", data={**valid_registration(email=address), **fields}, timeout=30)
        return r.text


def mails(outbox_dir) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=default) for p in sorted(outbox_dir.glob("*.eml"))]


@pytest.mark.slow
def test_concurrent_cancellations_promote_each_waiting_person_once(tmp_path, database_uri):
    settings = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": CAPACITY}
    with Gunicorn(tmp_path / "instance", settings, workers=3) as server:
        holders = [f"titulaire{i}@example.org" for i in range(CAPACITY)]
        waiting = [f"attente{i}@example.org" for i in range(CAPACITY + 2)]
        for address in holders + waiting:
            register(server.url, address)
        server.flask("send-mail")  # whatever the workers' threads have not delivered yet
        links = {}
        for msg in mails(tmp_path / "instance" / "outbox"):
            if "confirmation" in msg["Message-ID"]:
                links[msg["To"]] = LINK.search(msg.get_body(("plain",)).get_content()).group(0)
        assert set(links) == set(holders + waiting)

        # Each holder cancels twice at once (two browsers), all holders together.
        sessions = []
        for address in holders:
            for _ in range(2):
                s = requests.Session()
                url = server.url + links[address][links[address].index("/inscription/") :] + "/annuler"
                sessions.append((s, url, csrf(s.get(url, timeout=30).text)))
        barrier = threading.Barrier(len(sessions))

        def cancel(item):
            s, url, token = item
            barrier.wait()
            return s.post(url, data={"csrf_token": token}, allow_redirects=False, timeout=60).status_code

        with ThreadPoolExecutor(len(sessions)) as pool:
            statuses = list(pool.map(cancel, sessions))
        for s, _, _ in sessions:
            s.close()
        server.flask("send-mail")
        log = server.logs()

    assert sorted(statuses) == [303] * CAPACITY + [404] * CAPACITY, log
    assert "Traceback" not in log
    rows = dict(query(database_uri, "SELECT email, status FROM registrations"))
    taken = query(database_uri, "SELECT taken FROM seat_counters")[0][0]
    promotions = query(database_uri, "SELECT registration_id FROM outbox WHERE dedupe_key LIKE 'promotion:%'")
    assert [rows[a] for a in holders] == ["cancelled"] * CAPACITY  # kept, as cancelled, until purge
    assert [rows[a] for a in waiting] == ["confirmed"] * CAPACITY + ["waiting"] * 2  # in queue order
    assert taken == CAPACITY
    assert len(promotions) == len(set(promotions)) == CAPACITY  # nobody promoted twice
    told = [m["To"] for m in mails(tmp_path / "instance" / "outbox") if "promotion" in m["Message-ID"]]
    assert sorted(told) == sorted(waiting[:CAPACITY])


def one_seat_and_a_queue(make_app) -> tuple[str, list[str]]:
    """One seat, taken; two people waiting. Returns the holder's management path and the queue's addresses."""
    app = make_app(IN_PERSON_CAPACITY=1)
    holder = store(app, n=0)
    for n in (1, 2):
        store(app, n=n)
    with app.app_context():
        token = new_token(db.session.get(Registration, holder))
        db.session.commit()
    return f"/inscription/gerer/{token}", ["personne1@example.org", "personne2@example.org"]


def post_together(url: str, page: str, action: str, data: dict) -> list[int]:
    """WORKERS browsers load `page`, then post `data` to `action`, all held until every worker has one."""
    sessions = [requests.Session() for _ in range(WORKERS)]
    tokens = [csrf_token(s.get(url + page, timeout=30).text) for s in sessions]
    with Rendezvous(WORKERS) as meeting:

        def post(i: int) -> int:
            form = {**data, "csrf_token": tokens[i]}
            r = sessions[i].post(url + action, data=form, headers=meeting.headers, allow_redirects=False, timeout=300)
            return r.status_code

        statuses = at_once(post, range(WORKERS))
    for s in sessions:
        s.close()
    return statuses


def seats_and_promotions(database_uri) -> tuple[int, list[str], list]:
    """The counter, the in-person confirmed rows, and the promotion e-mails queued."""
    taken = query(database_uri, "SELECT taken FROM seat_counters")[0][0]
    holders = query(database_uri, "SELECT email FROM registrations WHERE mode = 'in_person' AND status = 'confirmed'")
    promotions = query(database_uri, "SELECT registration_id FROM outbox WHERE dedupe_key LIKE 'promotion:%'")
    return taken, [email for (email,) in holders], promotions


@pytest.mark.slow
def test_simultaneous_cancellations_of_one_registration_free_one_seat(tmp_path, make_app, database_uri):
    link, queue = one_seat_and_a_queue(make_app)
    settings = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 1}
    with race_server(tmp_path, settings, WORKERS) as server:
        statuses = post_together(server.url, link + "/annuler", link + "/annuler", {})
        log = server.logs()
    assert sorted(statuses) == [303] + [404] * (WORKERS - 1), log
    taken, holders, promotions = seats_and_promotions(database_uri)
    assert (taken, holders) == (1, [queue[0]])
    assert len(promotions) == 1  # the second in line was not promoted too


@pytest.mark.slow
def test_simultaneous_switches_to_remote_free_one_seat(tmp_path, make_app, database_uri):
    link, queue = one_seat_and_a_queue(make_app)
    settings = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW, "IN_PERSON_CAPACITY": 1}
    with race_server(tmp_path, settings, WORKERS) as server:
        statuses = post_together(server.url, link, link + "/mode", {"mode": "remote"})
        log = server.logs()
    assert statuses == [303] * WORKERS, log
    assert query(database_uri, "SELECT mode, status FROM registrations WHERE email = 'personne0@example.org'") == [
        ("remote", "confirmed")
    ]
    taken, holders, promotions = seats_and_promotions(database_uri)
    assert (taken, holders) == (1, [queue[0]])
    assert len(promotions) == 1
