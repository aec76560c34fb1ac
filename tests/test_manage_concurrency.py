"""Concurrent cancellations through management links, on a real gunicorn with several workers."""

import email
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from email.policy import default

import pytest
import requests
from conftest import OPEN_NOW, valid_registration
from mailtools import LINK
from server import Gunicorn, query

CAPACITY = 4


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
    assert not set(holders) & set(rows)  # cancelled rows are deleted
    assert [rows[a] for a in waiting] == ["confirmed"] * CAPACITY + ["waiting"] * 2  # in queue order
    assert taken == CAPACITY
    assert len(promotions) == len(set(promotions)) == CAPACITY  # nobody promoted twice
    told = [m["To"] for m in mails(tmp_path / "instance" / "outbox") if "promotion" in m["Message-ID"]]
    assert sorted(told) == sorted(waiting[:CAPACITY])
