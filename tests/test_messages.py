"""Messages to registrants (/organisateurs/messages): segments, preview, sending once through the outbox."""

import html
import logging
import re

import pytest
from mailtools import LINK, SMTPServer, flush
from organisers_support import add_organiser, login, page_token, register
from sqlalchemy import event, func, select, update

from jnt.database import write
from jnt.mail import outbox
from jnt.models import AuditEntry, Broadcast, ManageToken, OutboxMessage, Registration, Status, db, utcnow

PAGE = "/organisateurs/messages"
HTMX = {"HX-Request": "true"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def people(app) -> dict[str, int]:
    """Two in person (two seats), one waiting, one remote; the first checked in. Their confirmations count as sent."""
    ids = {
        "ann": register(app, n=1, first_name="Ann"),
        "bob": register(app, n=2, first_name="Bob"),
        "cle": register(app, n=3, first_name="Clé"),  # waiting list: capacity 2
        "dan": register(app, n=4, first_name="Dan", mode="remote"),
    }
    with app.app_context(), write():
        db.session.execute(update(Registration).where(Registration.id == ids["ann"]).values(checked_in_at=utcnow()))
        # Their confirmations are not what these tests deliver.
        db.session.execute(update(OutboxMessage).values(sent_at=utcnow()))
    return ids


@pytest.fixture
def site(make_app):
    """An app with two seats, the four people above and a logged-in organiser."""
    app = make_app(IN_PERSON_CAPACITY=2)
    add_organiser(app)
    ids = people(app)
    client = app.test_client()
    assert login(client).status_code == 303
    return app, client, ids


def preview(client, url=PAGE, **fields):
    """Fill the writing page at `url` and ask for the preview; returns the response."""
    page = client.get(url).text
    data = {"csrf_token": page_token(page), "kind": re.search(r'name="kind" value="([^"]+)"', page).group(1)}
    if "remerciement" not in url:
        data.update(subject="Changement de salle", body="Rendez-vous en salle B.", segment="tous")
    else:
        data.update(HIDDEN.findall(page))
        data.update(subject=html.unescape(re.search(r'name="subject"[^>]*value="([^"]*)"', page).group(1)))
        data.update(body=html.unescape(re.search(r"<textarea[^>]*>([^<]*)</textarea>", page).group(1)))
    data.update(fields)
    return client.post(PAGE + "/apercu", data=data)


def confirm_fields(response) -> dict:
    """The confirmation form's fields, as the browser would send them back."""
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(response.text)}
    return {**fields, "csrf_token": page_token(response.text)}


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None))).all()
        db.session.expunge_all()
        return found


def recipients(app) -> set[str]:
    return {row.recipient for row in rows(app)}


@pytest.mark.both_databases
def test_each_segment_counts_exactly_who_it_reaches(site):
    _app, client, _ids = site
    expected = {"presentiel": 2, "attente": 1, "distance": 1, "tous": 4, "presents": 1, "absents": 3}
    page = client.get(PAGE).text
    for slug, n in expected.items():
        label = re.search(rf'for="segment-{slug}">.*?<span class="fr-hint-text">(\d+) personnes?</span>', page)
        assert int(label.group(1)) == n, slug
        # htmx asks for the chosen segment's count only; without JavaScript the same URL is the whole page.
        fragment = client.get(PAGE, query_string={"segment": slug}, headers=HTMX)
        assert "<html" not in fragment.text and f"<strong>{n} personne" in fragment.text, slug
        assert "HX-Request" in fragment.headers["Vary"]
        whole = client.get(PAGE, query_string={"segment": slug}).text
        assert f'id="segment-{slug}" name="segment" value="{slug}" checked' in whole
        answer = preview(client, segment=slug)
        assert answer.status_code == 200 and f"<strong>{n} personne" in answer.text, slug


def test_a_remote_attendee_who_joined_came(site):
    """Joining the video conference counts as coming, as for the attestation: the thank-you reaches them."""
    app, client, ids = site
    with app.app_context(), write():
        db.session.execute(update(Registration).where(Registration.id == ids["dan"]).values(joined_at=utcnow()))
    page = client.get(PAGE).text
    for slug, n in {"presents": 2, "absents": 2}.items():
        assert re.search(rf'for="segment-{slug}">.*?<span class="fr-hint-text">{n} personnes?</span>', page), slug


def test_cancelled_registrations_are_in_no_segment(site):
    app, client, ids = site
    with app.app_context(), write():
        dan = db.session.get(Registration, ids["dan"])
        dan.status, dan.cancelled_at = Status.CANCELLED, utcnow()
    page = client.get(PAGE).text
    for slug, n in {"tous": 3, "distance": 0, "absents": 2}.items():
        assert re.search(rf'for="segment-{slug}">.*?<span class="fr-hint-text">{n} personnes?</span>', page), slug


def test_walk_ins_are_in_no_segment_even_with_an_address(site):
    """Nobody proved the address typed at the door: no message may reach it."""
    app, client, _ids = site
    token = page_token(client.get("/organisateurs/pointage/sur-place").text)
    walk_in = {"first_name": "Paul", "last_name": "Passant", "organisation": "Mairie", "email": "paul@example.org"}
    added = client.post(
        "/organisateurs/pointage/sur-place", data={"csrf_token": token, "beyond_capacity": "oui", **walk_in}
    )
    assert added.status_code == 303
    page = client.get(PAGE).text
    for slug, n in {"tous": 4, "presents": 1, "presentiel": 2}.items():
        assert re.search(rf'for="segment-{slug}">.*?<span class="fr-hint-text">{n} personnes?</span>', page), slug
    sent = client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="tous")))
    assert sent.status_code == 303
    assert "paul@example.org" not in recipients(app) and len(recipients(app)) == 4


@pytest.mark.both_databases
def test_sending_queues_one_row_per_recipient_and_each_gets_their_own_working_link(site):
    app, client, _ids = site
    shown = preview(client, segment="presentiel", body="Rendez-vous en salle B.\n\n<b>Merci</b> & à bientôt")
    assert "Envoyer à 2 personnes" in shown.text
    sent = client.post(PAGE + "/envoi", data=confirm_fields(shown))
    assert sent.status_code == 303
    assert "Message mis en file d’envoi pour 2 personnes." in client.get(sent.headers["Location"]).text
    queued = rows(app)
    assert {r.recipient for r in queued} == {"personne1@example.org", "personne2@example.org"}
    assert all(r.body_text == "" and r.sent_at is None for r in queued)  # nothing rendered in the request
    server = SMTPServer().start()
    try:
        app.config.update(server.settings())
        assert flush(app).sent == 2
        messages = server.messages
    finally:
        server.stop()
    assert sorted(m["To"] for m in messages) == ["personne1@example.org", "personne2@example.org"]
    for message in messages:
        assert message["Subject"] == "Changement de salle"
        text = message.get_body(("plain",)).get_content()
        body = message.get_body(("html",)).get_content()
        first_name = "Ann" if message["To"].startswith("personne1") else "Bob"
        assert text.startswith(f"Bonjour {first_name},") and "<b>Merci</b> & à bientôt" in text
        # What was typed shows as typed in the HTML e-mail: escaped, never markup.
        assert "&lt;b&gt;Merci&lt;/b&gt; &amp; à bientôt" in body and "<b>Merci" not in body
        link = LINK.search(text).group(0)
        assert link in body
        page = app.test_client().get(link[link.index("/inscription/") :])
        assert page.status_code == 200 and first_name in page.text
    assert len({LINK.search(m.get_body(("plain",)).get_content()).group(0) for m in messages}) == 2


def test_the_same_confirmation_sent_twice_sends_once(site):
    app, client, _ids = site
    fields = confirm_fields(preview(client, segment="tous"))
    first = client.post(PAGE + "/envoi", data=fields)
    again = client.post(PAGE + "/envoi", data=fields)
    assert first.status_code == again.status_code == 303
    assert "il ne part qu’une fois" in client.get(again.headers["Location"]).text
    assert len(rows(app)) == 4
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Broadcast)) == 1


def test_a_count_changed_since_the_preview_sends_nothing_and_shows_the_new_one(site):
    app, client, _ids = site
    fields = confirm_fields(preview(client, segment="distance"))
    register(app, n=9, mode="remote")
    changed = client.post(PAGE + "/envoi", data=fields)
    assert changed.status_code == 409
    assert "le nombre de destinataires a changé" in changed.text and "Envoyer à 2 personnes" in changed.text
    assert rows(app) == []
    assert client.post(PAGE + "/envoi", data=confirm_fields(changed)).status_code == 303
    assert len(rows(app)) == 2


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("subject", "x" * 151, "150 caractères au maximum."),
        ("body", "x" * 10_001, "10000 caractères au maximum."),
        ("body", "", "Ce champ est obligatoire."),
        ("segment", "inconnu", "Choisissez les destinataires dans la liste."),
    ],
)
def test_invalid_messages_are_refused_in_french_with_422(site, field, value, error):
    app, client, _ids = site
    refused = preview(client, **{field: value})
    assert refused.status_code == 422 and error in refused.text
    # The confirmation step checks again: a forged hidden field is refused the same way.
    fields = {**confirm_fields(preview(client)), field: value}
    forged = client.post(PAGE + "/envoi", data=fields)
    assert forged.status_code == 422 and error in forged.text
    assert rows(app) == []


def test_edit_from_the_preview_goes_back_to_the_filled_form(site):
    app, client, _ids = site
    fields = confirm_fields(preview(client, subject="Objet à revoir", segment="attente"))
    back = client.post(PAGE + "/envoi", data={**fields, "modifier": "1"})
    assert back.status_code == 200 and 'value="Objet à revoir"' in back.text
    assert 'id="segment-attente" name="segment" value="attente" checked' in back.text
    assert rows(app) == []


def test_sending_is_audited_without_attendee_data(site, caplog):
    app, client, _ids = site
    caplog.set_level(logging.INFO)
    client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="absents")))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "message")).one()
        broadcast = db.session.scalars(select(Broadcast)).one()
        assert entry.organiser_id == broadcast.organiser_id is not None
        assert entry.detail == f"message {broadcast.id}, segment absents, 3 destinataires"
        assert (broadcast.segment, broadcast.subject, broadcast.recipients) == ("absents", "Changement de salle", 3)
    assert "segment absents" in caplog.text
    assert "personne" not in caplog.text and "@example.org" not in caplog.text


@pytest.mark.both_databases
def test_queuing_costs_the_same_statements_for_one_recipient_as_for_many(site):
    """A 1,000-person segment returns as fast as a 1-person one: the work in the request does not grow with it."""
    app, client, _ids = site

    def statements(segment: str) -> list[str]:
        fields = confirm_fields(preview(client, segment=segment))
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda _c, _cur, statement, *_rest: seen.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.post(PAGE + "/envoi", data=fields).status_code == 303
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen

    one, many = statements("attente"), statements("tous")
    assert len(one) == len(many)
    assert len([s for s in many if s.lstrip().upper().startswith("INSERT INTO OUTBOX")]) == 1
    assert len(rows(app)) == 1 + 4


def test_a_failed_delivery_is_retried_with_the_same_message(site):
    app, client, ids = site
    client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="distance")))
    server = SMTPServer().start()
    try:
        app.config.update(server.settings(), MAIL_RETRY_SECONDS=0)
        server.refuse = True
        assert flush(app).failed == 1
        [row] = rows(app)
        assert row.body_text.startswith("Bonjour Dan,") and row.attempts == 1
        with app.app_context():
            tokens = db.session.scalar(select(func.count()).where(ManageToken.registration_id == ids["dan"]))
        server.refuse = False
        assert flush(app).sent == 1
        assert LINK.search(row.body_text).group(0) in server.messages[0].get_body(("plain",)).get_content()
        with app.app_context():  # rendered once: the retry did not mint another link
            assert db.session.scalar(select(func.count()).where(ManageToken.registration_id == ids["dan"])) == tokens
    finally:
        server.stop()


@pytest.mark.parametrize("gone", ["cancelled", "deleted"])
def test_a_registration_cancelled_before_sending_gets_nothing(site, gone):
    """Cancelled (a status) or deleted (purge) after the message was queued: nothing goes, the row goes."""
    app, client, ids = site
    client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="distance")))
    assert len(rows(app)) == 1
    with app.app_context(), write():
        person = db.session.get(Registration, ids["dan"])
        if gone == "deleted":
            db.session.delete(person)
        else:
            person.status, person.cancelled_at = Status.CANCELLED, utcnow()
    assert flush(app).sent == 0
    assert rows(app) == []


AFTER_THE_DAY = "2023-01-19T10:00:00+01:00"
REPLAY, SURVEY = "https://video.example.org/jnt-2023", "https://questionnaire.example.org/jnt"


def test_the_thank_you_goes_only_to_people_who_came_with_their_links_and_attestation(site, make_app):
    _app, _client, _ids = site
    # The same database the day after, with a replay and a survey but no slides.
    after = make_app(IN_PERSON_CAPACITY=2, PREVIEW_NOW=AFTER_THE_DAY, REPLAY_URL=REPLAY, SURVEY_URL=SURVEY)
    client = after.test_client()
    login(client)
    page = client.get(PAGE + "/remerciement")
    assert page.status_code == 200 and 'value="Merci pour votre participation"' in page.text
    assert "Merci d’avoir participé à la Journée Numérique &amp; Territoires." in page.text
    assert "<strong>1 personne</strong>" in page.text
    # Even a forged segment cannot widen it: the thank-you goes to the people who came.
    shown = preview(client, PAGE + "/remerciement", segment="tous")
    assert "Envoyer à 1 personne<" in shown.text and REPLAY in shown.text
    sent = client.post(PAGE + "/envoi", data={**confirm_fields(shown), "segment": "tous"})
    assert sent.status_code == 303
    assert recipients(after) == {"personne1@example.org"}
    server = SMTPServer().start()
    try:
        after.config.update(server.settings())
        assert flush(after).sent == 1
        [message] = server.messages
    finally:
        server.stop()
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    body = message.get_body(("html",)).get_content()
    assert text.startswith("Bonjour Ann,\n\nMerci d’avoir participé")
    for content in (text, body):
        assert REPLAY in content and SURVEY in content and "supports" not in content
    attestation = re.search(r"https?://\S+/inscription/gerer/[\w-]+/attestation\.pdf", text).group(0)
    assert f'href="{attestation}"' in body
    pdf = client.get(attestation[attestation.index("/inscription/") :])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with after.app_context():
        assert db.session.scalars(select(Broadcast.kind)).one() == "remerciement"


def test_purge_deletes_the_messages_too(site, make_app):
    _app, client, _ids = site
    client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="tous")))
    later = make_app(PREVIEW_NOW="2023-06-01T10:00:00+02:00", RETENTION_DAYS=90)
    assert later.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    with later.app_context():
        assert db.session.scalars(select(Broadcast)).all() == []
    assert rows(later) == []


@pytest.mark.both_databases
def test_a_new_registration_is_confirmed_before_a_queued_message_is_sent(site):
    app, client, _ids = site
    client.post(PAGE + "/envoi", data=confirm_fields(preview(client, segment="tous")))
    register(app, n=8)  # queued after the four message rows
    server = SMTPServer().start()
    try:
        app.config.update(server.settings())
        with app.app_context():
            assert outbox.flush(limit=1).sent == 1
        assert [m["To"] for m in server.messages] == ["personne8@example.org"]
    finally:
        server.stop()
