"""A message's confirmation sent several times at once (double click, several tabs) is queued once."""

import html
import re

import pytest
import requests
from organisers_support import add_organiser, register
from rendezvous import Rendezvous, at_once, race_server
from sqlalchemy import func, select
from test_organisers_concurrency import logged_in

from jnt.models import AuditEntry, Broadcast, OutboxMessage, db

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]
WORKERS = 3


def test_the_same_confirmation_posted_at_once_in_every_worker_queues_once(tmp_path, make_app):
    app = make_app()
    add_organiser(app)
    for n in range(2):
        register(app, n=n)
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with race_server(tmp_path, settings, WORKERS) as server:
        cookies, csrf = logged_in(server.url)
        data = {"csrf_token": csrf, "kind": "message", "segment": "tous", "subject": "Salle", "body": "Salle B."}
        shown = requests.post(server.url + "/organisateurs/messages/apercu", data=data, cookies=cookies, timeout=30)
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', shown.text)
        fields = {**{name: html.unescape(value) for name, value in hidden}, "csrf_token": csrf}

        def send(_n: int) -> int:
            url = server.url + "/organisateurs/messages/envoi"
            r = requests.post(url, data=fields, cookies=cookies, headers=meeting.headers, allow_redirects=False,
                              timeout=300)  # fmt: skip
            return r.status_code

        # Every request has passed its checks before any of them writes: the write lock decides.
        with Rendezvous(WORKERS) as meeting:
            codes = at_once(send, range(WORKERS))
    assert codes == [303] * WORKERS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 1
        queued = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.broadcast_id.is_not(None)))
        assert sorted(queued) == ["personne0@example.org", "personne1@example.org"]
        assert len(db.session.scalars(select(AuditEntry).filter_by(action="message")).all()) == 1
