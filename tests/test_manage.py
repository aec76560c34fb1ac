"""The private management link: see, switch, cancel; the waiting list moves and is told."""

import datetime as dt
import hashlib
import logging

import icalendar
import pytest
from mailtools import manage_path, outbox_rows, register
from sqlalchemy import select
from support import CLOSED_NOW, csrf_token, form_fields, valid_registration
from typography_check import visible_text

from jnt import waiting_list
from jnt.models import (
    CANCELLED,
    CONFIRMED,
    IN_PERSON,
    REMOTE,
    WAITING,
    ManageToken,
    Registration,
    SeatCounter,
    db,
    utcnow,
)
from jnt.tokens import RedactTokens


@pytest.fixture
def app(make_app):
    return make_app(IN_PERSON_CAPACITY=1)


def people(app) -> dict[str, tuple[str, str]]:
    """e-mail → (mode, status) of every registration."""
    with app.app_context():
        return {r.email: (r.mode, r.status) for r in db.session.scalars(select(Registration))}


def seats_taken(app) -> int:
    with app.app_context():
        return db.session.get(SeatCounter, "in_person").taken


def keys(app) -> list[str]:
    return [row.dedupe_key for row in outbox_rows(app)]


@pytest.fixture
def full_house(app):
    """Ann holds the only seat, Bob waits; each has their own browser."""
    ann, bob = app.test_client(), app.test_client()
    register(ann, email="ann@example.org")
    register(bob, email="bob@example.org")
    assert people(app) == {"ann@example.org": (IN_PERSON, CONFIRMED), "bob@example.org": (IN_PERSON, WAITING)}
    return ann, bob


def test_management_page_shows_the_registration_privately(app, full_house):
    ann, _ = full_house
    response = ann.get(manage_path(app, "ann@example.org"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ann@example.org" in html and "Confirmée" in html and "En présentiel" in html
    assert response.headers["Referrer-Policy"] == "strict-origin"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in html
    assert '<meta name="referrer" content="strict-origin">' in html
    assert "Participer à distance" in html and "Annuler mon inscription" in html


def test_only_the_token_hash_is_stored(app, full_house):
    token = manage_path(app, "ann@example.org").rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits in URL-safe base64
    with app.app_context():
        ann = db.session.scalar(select(Registration).filter_by(email="ann@example.org"))
        stored = db.session.scalars(select(ManageToken.token_hash).filter_by(registration_id=ann.id)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


@pytest.mark.parametrize("path", ["/inscription/gerer/" + "A" * 43, "/inscription/gerer/x", "/nulle-part"])
def test_wrong_token_gets_the_ordinary_404(app, client, path):
    unknown = client.get("/page-inconnue")
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_data() == unknown.get_data()


@pytest.mark.both_databases
def test_switch_to_remote_promotes_the_first_waiting_and_tells_them(app, full_house):
    ann, _ = full_house
    page = ann.get(manage_path(app, "ann@example.org")).get_data(as_text=True)
    response = ann.post(
        manage_path(app, "ann@example.org") + "/mode", data={"csrf_token": csrf_token(page), "mode": REMOTE}
    )
    assert response.status_code == 303
    assert "Vous participerez à distance" in ann.get(response.headers["Location"]).get_data(as_text=True)
    assert people(app) == {"ann@example.org": (REMOTE, CONFIRMED), "bob@example.org": (IN_PERSON, CONFIRMED)}
    assert seats_taken(app) == 1
    promotion = [row for row in outbox_rows(app) if row.dedupe_key.startswith("promotion:")]
    assert [row.recipient for row in promotion] == ["bob@example.org"]
    assert "une place en présentiel s’est libérée" in promotion[0].body_text


@pytest.mark.both_databases
def test_switch_to_in_person_joins_the_waiting_list_when_full(app, full_house):
    carl = app.test_client()
    register(carl, email="carl@example.org", mode=REMOTE)
    path = manage_path(app, "carl@example.org")
    page = carl.get(path).get_data(as_text=True)
    response = carl.post(
        path + "/mode", data={"csrf_token": csrf_token(page), "mode": IN_PERSON}, follow_redirects=True
    )
    assert "liste d’attente" in response.get_data(as_text=True)
    assert people(app)["carl@example.org"] == (IN_PERSON, WAITING)
    assert seats_taken(app) == 1


def test_switch_without_csrf_changes_nothing(app, full_house):
    ann, _ = full_house
    response = ann.post(manage_path(app, "ann@example.org") + "/mode", data={"mode": REMOTE})
    assert response.status_code == 400
    assert people(app)["ann@example.org"] == (IN_PERSON, CONFIRMED)


def test_cancel_link_asks_first_and_changes_nothing(app, full_house):
    ann, _ = full_house
    response = ann.get(manage_path(app, "ann@example.org") + "/annuler")
    assert response.status_code == 200
    assert "Confirmer l’annulation" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "strict-origin"
    assert "ann@example.org" in people(app)


@pytest.mark.both_databases
def test_cancel_keeps_the_row_as_cancelled_gives_the_seat_and_ends_every_link(app, full_house):
    ann, _ = full_house
    path = manage_path(app, "ann@example.org")
    page = ann.get(path + "/annuler").get_data(as_text=True)
    response = ann.post(path + "/annuler", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert "Votre inscription est annulée" in ann.get(response.headers["Location"]).get_data(as_text=True)
    assert people(app) == {"ann@example.org": (IN_PERSON, CANCELLED), "bob@example.org": (IN_PERSON, CONFIRMED)}
    assert seats_taken(app) == 1
    # Her e-mails stay (a status, no cascade), and one more tells her it is cancelled.
    ann_mails = [r.dedupe_key.split(":")[0] for r in outbox_rows(app) if r.recipient == "ann@example.org"]
    assert ann_mails == ["confirmation", "cancellation"]
    assert ann.get(path).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ManageToken).filter_by(registration_id=1)) == 0


def test_cancel_without_csrf_changes_nothing(app, full_house):
    ann, _ = full_house
    response = ann.post(manage_path(app, "ann@example.org") + "/annuler")
    assert response.status_code == 400
    assert "ann@example.org" in people(app)


def test_after_the_deadline_the_page_is_read_only(make_app):
    app = make_app()
    client = app.test_client()
    register(client)
    path = manage_path(app, "camille.martin@example.org")
    page = client.get(path).get_data(as_text=True)
    token = csrf_token(page)
    closed = make_app(PREVIEW_NOW=CLOSED_NOW).test_client()
    html = closed.get(path).get_data(as_text=True)
    assert "La date limite est passée" in html
    assert "Participer à distance" not in html and "Confirmer l’annulation" not in html
    with closed.session_transaction() as session, client.session_transaction() as open_session:
        session.update(open_session)
    response = closed.post(path + "/annuler", data={"csrf_token": token})
    assert response.status_code == 403
    assert "La date limite est passée" in response.get_data(as_text=True)
    assert "camille.martin@example.org" in people(app)


def test_registering_again_sends_a_new_link_and_creates_nothing(app, full_house):
    ann, _ = full_house
    old = manage_path(app, "ann@example.org")
    stranger = app.test_client()
    with app.app_context():
        db.session.execute(db.update(type(outbox_rows(app)[0])).values(created_at=utcnow() - dt.timedelta(hours=1)))
        db.session.commit()
    response = register(stranger, email="ann@example.org", first_name="Mallory", organisation="Autre")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "un e-mail vient de partir à ann@example.org" in html
    # In the text a reader sees: a random CSRF token (an attribute) may spell "Ann" by chance.
    assert "Ann" not in visible_text(html) and "Commune de Lyon" not in html
    assert len(people(app)) == 2
    assert [k for k in keys(app) if k.startswith("link:")] == [f"link:{1}:1"]
    new = manage_path(app, "ann@example.org")
    assert new != old
    assert ann.get(old).status_code == 200  # each e-mail's link stays valid while the registration lives
    assert "ann@example.org" in ann.get(new).get_data(as_text=True)


def test_link_is_not_resent_again_right_away(app, full_house):
    before = manage_path(app, "ann@example.org")
    register(app.test_client(), email="ann@example.org")  # the confirmation was just sent: it stays valid
    assert not any(k.startswith("link:") for k in keys(app))
    assert manage_path(app, "ann@example.org") == before


def test_token_is_kept_out_of_the_request_log(app, full_house):
    path = manage_path(app, "ann@example.org")
    args = ("127.0.0.1", f"GET {path} HTTP/1.1", 200)
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s', args, None)
    RedactTokens().filter(record)
    assert path.rsplit("/", 1)[1] not in record.getMessage()
    assert "/inscription/gerer/… HTTP/1.1" in record.getMessage()
    for kind in ("confirmer", "ceder"):  # the address proof's and the handover offer's links
        record = logging.LogRecord(
            "werkzeug", logging.INFO, __file__, 1, "GET /inscription/%s/SECRET1234 HTTP/1.1", (kind,), None
        )
        RedactTokens().filter(record)
        assert "SECRET1234" not in record.getMessage()


def test_unexpected_error_is_logged_without_the_token(app, full_house, monkeypatch, caplog):
    ann, _ = full_house
    path = manage_path(app, "ann@example.org")
    page = ann.get(path + "/annuler").get_data(as_text=True)

    def broken(_registration):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(waiting_list, "cancel", broken)
    with caplog.at_level(logging.ERROR):
        response = ann.post(path + "/annuler", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 500
    assert "Erreur du serveur" in response.get_data(as_text=True)
    assert "panne simulée" in caplog.text
    assert path.rsplit("/", 1)[1] not in caplog.text
    assert "ann@example.org" in people(app)


def test_registering_again_with_htmx_swaps_the_notice_in_place(app, full_house):
    client = app.test_client()
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    data = {**valid_registration(email="ann@example.org"), **fields}
    response = client.post("/inscription", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409  # swapped all the same (htmx-config responseHandling)
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="inscription"')
    assert "un e-mail vient de partir à ann@example.org" in html
    assert len(people(app)) == 2


def test_confirmation_page_announces_the_email(app):
    client = app.test_client()
    register(client)
    html = client.get("/inscription/confirmation").get_data(as_text=True)
    assert "Un e-mail de confirmation est envoyé à camille.martin@example.org" in html


@pytest.mark.both_databases
def test_waiting_person_switching_to_remote_leaves_the_list(app, full_house):
    _, bob = full_house
    path = manage_path(app, "bob@example.org")
    page = bob.get(path).get_data(as_text=True)
    response = bob.post(path + "/mode", data={"csrf_token": csrf_token(page), "mode": REMOTE}, follow_redirects=True)
    assert "Votre place sur la liste d’attente a été libérée" in response.get_data(as_text=True)
    assert people(app) == {"ann@example.org": (IN_PERSON, CONFIRMED), "bob@example.org": (REMOTE, CONFIRMED)}
    assert seats_taken(app) == 1


def test_switch_to_the_current_mode_changes_nothing(app, full_house):
    ann, _ = full_house
    path = manage_path(app, "ann@example.org")
    page = ann.get(path).get_data(as_text=True)
    response = ann.post(path + "/mode", data={"csrf_token": csrf_token(page), "mode": IN_PERSON})
    assert response.status_code == 303
    assert people(app)["ann@example.org"] == (IN_PERSON, CONFIRMED)
    assert seats_taken(app) == 1
    assert "une place vous est attribuée" not in ann.get(path).get_data(as_text=True)


def test_personal_calendar_file_has_the_video_link_for_remote_attendees(make_app):
    app = make_app(VISIO_URL="https://visio.example.org/jnt")
    client = app.test_client()
    register(client, mode=REMOTE)
    path = manage_path(app, "camille.martin@example.org")
    assert f'href="{path}/evenement.ics"' in client.get(path).get_data(as_text=True)
    response = client.get(path + "/evenement.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Referrer-Policy"] == "strict-origin"
    [event] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["location"]) == "https://visio.example.org/jnt"
    assert client.get("/inscription/gerer/" + "B" * 43 + "/evenement.ics").status_code == 404
