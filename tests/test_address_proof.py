"""The address is proven before anything is held: one answer for every address, a neutral e-mail, a button."""

import datetime as dt
import re

import pytest
from mailtools import outbox_rows
from organisers_support import add_organiser, login
from organisers_support import register as store
from sqlalchemy import func, select, update
from support import csrf_token, form_fields, valid_registration

from jnt.config import DEFAULTS
from jnt.models import (
    CONFIRMED,
    WAITING,
    OutboxMessage,
    PendingRegistration,
    Registration,
    SeatCounter,
    db,
    utcnow,
)

PROOF_LINK = re.compile(r"https?://\S+(/inscription/confirmer/[A-Za-z0-9_-]+)")


@pytest.fixture
def app(make_app):
    return make_app(REQUIRE_EMAIL_CONFIRMATION=True, IN_PERSON_CAPACITY=1)


def register(client, headers: dict | None = None, **overrides):
    """Fill in and send the registration form like a visitor."""
    fields = form_fields(client.get("/inscription").text)
    return client.post("/inscription", data={**valid_registration(**overrides), **fields}, headers=headers or {})


def proof_path(app, address: str) -> str:
    """The confirmation link's path from the last proof e-mail queued for an address."""
    bodies = [r.body_text for r in outbox_rows(app) if r.recipient == address and r.dedupe_key.startswith("proof:")]
    return PROOF_LINK.search(bodies[-1]).group(1)


def kinds(app, address: str) -> list[str]:
    return [r.dedupe_key.split(":")[0] for r in outbox_rows(app) if r.recipient == address]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def plain(html: str) -> str:
    """The text with French typography's no-break spaces as plain ones."""
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&nbsp;", " ")


def without(html: str, address: str) -> str:
    """The page with the address typed and any CSRF token blanked out."""
    html = html.replace(address, "ADRESSE")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", html)


def age_outbox(app) -> None:
    """The e-mails queued so far were sent an hour ago: the per-address limit no longer counts them."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - dt.timedelta(hours=1)))
        db.session.commit()


def test_the_proof_is_on_by_default():
    assert DEFAULTS["REQUIRE_EMAIL_CONFIRMATION"] is True and DEFAULTS["CONFIRMATION_HOURS"] == 48


@pytest.mark.parametrize("htmx", [False, True])
def test_new_and_registered_addresses_get_the_same_page(app, htmx):
    store(app, email="ann@example.org", first_name="Ann")
    age_outbox(app)
    headers = {"HX-Request": "true"} if htmx else {}
    known = register(app.test_client(), email="ann@example.org", first_name="Mallory", headers=headers)
    new = register(app.test_client(), email="new@example.org", headers=headers)
    assert known.status_code == new.status_code == 200
    assert without(known.text, "ann@example.org") == without(new.text, "new@example.org")
    assert "Vérifiez votre boîte : un e-mail vient de partir à new@example.org" in plain(new.text)
    # The registered address got its management link; the new one a link to confirm; nothing stored.
    assert kinds(app, "ann@example.org") == ["confirmation", "link"]
    assert kinds(app, "new@example.org") == ["proof"]
    assert count(app, Registration) == 1 and count(app, PendingRegistration) == 1
    with app.app_context():
        assert db.session.scalar(select(Registration.first_name)) == "Ann"


def test_mails_to_one_address_are_limited_alike_known_or_not(app):
    store(app, email="ann@example.org")
    age_outbox(app)
    pages = []
    for address in ("ann@example.org", "new@example.org"):
        for _ in range(3):
            pages.append(without(register(app.test_client(), email=address).text, address))
    assert len(set(pages)) == 1
    assert kinds(app, "ann@example.org") == ["confirmation", "link"]
    assert kinds(app, "new@example.org") == ["proof"]


def test_the_email_to_an_unproven_address_carries_nothing_typed(app):
    typed = {
        "first_name": "Directeur",
        "last_name": "Urgent",
        "organisation": "Payez sur https://arnaque.example",
        "job_title": "Cliquez ici",
        "accessibility_needs": "Message libre",
    }
    register(app.test_client(), email="victime@example.org", **typed)
    [row] = [r for r in outbox_rows(app) if r.recipient == "victime@example.org"]
    for text in typed.values():
        assert text not in row.body_text and text not in row.body_html and text not in row.subject
    assert row.registration_id is None and row.ics is None
    assert "/inscription/confirmer/" in row.body_text and "Bonjour," in row.body_text


def test_opening_the_link_holds_nothing_and_the_button_takes_the_seat(app):
    browser = app.test_client()
    register(browser, email="new@example.org", first_name="Nadia", accessibility_needs="Boucle magnétique")
    path = proof_path(app, "new@example.org")
    mail_client = app.test_client()  # the link is opened elsewhere: a mail scanner, then the person
    for _ in range(2):
        page = mail_client.get(path)
        assert page.status_code == 200 and "Confirmer mon inscription" in page.text
    assert "Nadia" in page.text and "Boucle magnétique" in page.text  # what will be recorded
    assert page.headers["Referrer-Policy"] == "strict-origin" and "no-store" in page.headers["Cache-Control"]
    assert count(app, Registration) == 0
    with app.app_context():
        assert db.session.get(SeatCounter, "in_person").taken == 0

    done = mail_client.post(path, data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/inscription/confirmation")
    assert "Inscription confirmée" in mail_client.get("/inscription/confirmation").text
    with app.app_context():
        person = db.session.scalar(select(Registration))
        assert (person.email, person.status, person.first_name) == ("new@example.org", CONFIRMED, "Nadia")
        assert db.session.get(SeatCounter, "in_person").taken == 1
    assert count(app, PendingRegistration) == 0
    [confirmation] = [r for r in outbox_rows(app) if r.dedupe_key.startswith("confirmation:")]
    assert confirmation.ics and "/inscription/gerer/" in confirmation.body_text
    assert mail_client.post(path, data={"csrf_token": csrf_token(page.text)}).status_code == 404  # used


def test_without_the_button_nothing_is_confirmed(app):
    register(app.test_client(), email="new@example.org")
    path = proof_path(app, "new@example.org")
    assert app.test_client().post(path).status_code == 400  # no CSRF token: a forged or scanned POST
    assert count(app, Registration) == 0


def test_confirming_when_full_joins_the_waiting_list(app):
    store(app, n=0)  # the only seat
    register(app.test_client(), email="new@example.org")
    path = proof_path(app, "new@example.org")
    client = app.test_client()
    page = client.get(path)
    assert "Présentiel complet" in page.text
    client.post(path, data={"csrf_token": csrf_token(page.text)})
    with app.app_context():
        assert db.session.scalar(select(Registration.status).filter_by(email="new@example.org")) == WAITING


def test_proving_a_registered_address_changes_nothing_in_its_registration(app):
    register(app.test_client(), email="ann@example.org", first_name="Squatteur", organisation="Autre")
    path = proof_path(app, "ann@example.org")
    store(app, email="ann@example.org", first_name="Ann", organisation="Commune de Lyon")  # registered meanwhile
    client = app.test_client()
    page = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 200 and "un e-mail vient de partir à ann@example.org" in plain(response.text)
    with app.app_context():
        [ann] = db.session.scalars(select(Registration)).all()
        assert (ann.first_name, ann.organisation) == ("Ann", "Commune de Lyon")
    assert count(app, PendingRegistration) == 0
    # The page said an e-mail left: the management link did, though the proof e-mail left a minute ago.
    assert kinds(app, "ann@example.org")[-1] == "link"


def test_the_link_expires_after_the_hours_and_never_past_the_deadline(make_app):
    early = make_app(REQUIRE_EMAIL_CONFIRMATION=True)
    register(early.test_client(), email="early@example.org")
    late = make_app(REQUIRE_EMAIL_CONFIRMATION=True, PREVIEW_NOW="2023-01-05T12:00:00+01:00")
    register(late.test_client(), email="late@example.org")
    with late.app_context():
        expiries = dict(db.session.execute(select(PendingRegistration.email, PendingRegistration.expires_at)).all())
    assert str(expiries["early@example.org"]) == "2023-01-04 09:00:00"  # 48 hours after 2 January 10h (Paris)
    assert str(expiries["late@example.org"]) == "2023-01-05 23:00:00"  # the deadline, 6 January 0h (Paris)
    path = proof_path(early, "early@example.org")
    assert early.test_client().get(path).status_code == 200
    after = make_app(REQUIRE_EMAIL_CONFIRMATION=True, PREVIEW_NOW="2023-01-04T10:00:01+01:00")
    assert after.test_client().get(path).status_code == 404
    result = after.test_cli_runner().invoke(args=["purge"])
    assert "1 inscription(s) non vérifiée(s) expirée(s) supprimée(s)" in result.output
    assert count(after, PendingRegistration) == 1  # the late one is still valid then


def test_organisers_see_unproven_registrations_apart(app):
    store(app, n=0)
    register(app.test_client(), email="new@example.org")
    add_organiser(app)
    org = app.test_client()
    login(org)
    page = org.get("/organisateurs/").text
    assert "1</span> inscriptions au total" in page
    assert "1</span> en attente de vérification de l’adresse" in page
    assert "new@example.org" not in page


def test_a_walk_in_proves_the_address_typed_at_the_door_through_the_form(app):
    """Nothing goes to an address an organiser typed at the door, until its owner proves it through the
    registration form: then the walk-in's own registration gets its link (no second registration)."""
    add_organiser(app)
    organiser = app.test_client()
    login(organiser)
    token = csrf_token(organiser.get("/organisateurs/pointage/sur-place").text)
    walk_in = {"first_name": "Paul", "last_name": "Passant", "organisation": "Mairie", "email": "paul@example.org"}
    added = organiser.post("/organisateurs/pointage/sur-place", data={"csrf_token": token, **walk_in})
    assert added.status_code == 303
    assert kinds(app, "paul@example.org") == []

    visitor = app.test_client()
    assert register(visitor, email="paul@example.org", first_name="Intrus").status_code == 200
    assert kinds(app, "paul@example.org") == ["proof"]  # the neutral link, never the registration's data
    path = proof_path(app, "paul@example.org")
    page = visitor.get(path)
    assert visitor.post(path, data={"csrf_token": csrf_token(page.text)}).status_code == 200  # "check your inbox"
    with app.app_context():
        [paul] = db.session.scalars(select(Registration)).all()
        assert paul.walk_in and paul.address_proven_at is not None
        assert (paul.first_name, paul.checked_in_at is not None) == ("Paul", True)  # the door's record, unchanged
    assert kinds(app, "paul@example.org") == ["proof", "confirmation"]
    [confirmation] = [r for r in outbox_rows(app) if r.dedupe_key.startswith("confirmation:")]
    assert "/inscription/gerer/" in confirmation.body_text and "Intrus" not in confirmation.body_text
