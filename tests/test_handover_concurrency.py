"""Two colleagues accept offers of the same place at the same moment: the place moves once."""

import re

import pytest
import requests
from mailtools import manage_path, outbox_rows, register
from rendezvous import Rendezvous, at_once, race_server
from server import query
from support import OPEN_NOW, csrf_token

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]

OFFER = re.compile(r"https?://\S+(/inscription/ceder/[A-Za-z0-9_-]+)")
COLLEAGUES = ["louis@example.org", "lea@example.org"]


def details(n: int) -> dict:
    return {
        "first_name": f"Collègue{n}",
        "last_name": "Bernard",
        "organisation": "Commune",
        "structure_type": "collectivite",
        "job_title": "Agent",
        "accessibility_needs": "",
        "consent": "y",
    }


def test_simultaneous_acceptances_move_the_place_once(tmp_path, make_app, database_uri):
    app = make_app()
    holder = app.test_client()
    register(holder, email="ann@example.org")
    path = manage_path(app, "ann@example.org")
    for colleague in COLLEAGUES:
        holder.post(path + "/ceder", data={"csrf_token": csrf_token(holder.get(path).text), "email": colleague})
    links = [
        OFFER.search(r.body_text).group(1)
        for c in COLLEAGUES
        for r in outbox_rows(app)
        if r.recipient == c and r.dedupe_key.startswith("handover-offer:")
    ]
    assert len(links) == 2
    settings = {"SQLALCHEMY_DATABASE_URI": database_uri, "PREVIEW_NOW": OPEN_NOW}
    with race_server(tmp_path, settings, 2) as server:
        sessions = [requests.Session() for _ in links]
        tokens = [
            csrf_token(s.get(server.url + link, timeout=30).text) for s, link in zip(sessions, links, strict=True)
        ]
        with Rendezvous(2) as meeting:

            def accept(i: int) -> int:
                data = {**details(i), "csrf_token": tokens[i]}
                url = server.url + links[i]
                return (
                    sessions[i]
                    .post(url, data=data, headers=meeting.headers, allow_redirects=False, timeout=300)
                    .status_code
                )

            statuses = at_once(accept, range(2))
        for s in sessions:
            s.close()
        log = server.logs()
    assert sorted(statuses) == [303, 404], log
    [(email,)] = query(database_uri, "SELECT email FROM registrations")
    assert email == COLLEAGUES[statuses.index(303)]
    told = query(database_uri, "SELECT recipient FROM outbox WHERE dedupe_key LIKE 'handed-over:%'")
    assert told == [("ann@example.org",)]
    assert query(database_uri, "SELECT count(*) FROM handovers")[0][0] == 0
