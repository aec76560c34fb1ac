"""Handing one's place to a colleague: the colleague proves their address, then the place moves and the holder is told."""

import datetime as dt
import re

import pytest
from mailtools import manage_path, outbox_rows, register
from sqlalchemy import func, select, update
from support import csrf_token
from typography_check import faults, visible_text

from jnt.models import (
    CONFIRMED,
    IN_PERSON,
    Handover,
    ManageToken,
    OutboxMessage,
    Registration,
    SeatCounter,
    db,
    utcnow,
)

OFFER = re.compile(r"https?://\S+(/inscription/ceder/[A-Za-z0-9_-]+)")
COLLEAGUE = {
    "first_name": "Louis",
    "last_name": "Bernard",
    "organisation": "Commune de Villeurbanne",
    "structure_type": "collectivite",
    "job_title": "Chargé de mission",
    "accessibility_needs": "",
    "consent": "y",
}


def offer(app, client, to: str = "louis@example.org"):
    path = manage_path(app, "ann@example.org")
    page = client.get(path).text
    return client.post(path + "/ceder", data={"csrf_token": csrf_token(page), "email": to})


def offer_path(app, address: str = "louis@example.org") -> str:
    [row] = [r for r in outbox_rows(app) if r.recipient == address and r.dedupe_key.startswith("handover-offer:")]
    return OFFER.search(row.body_text).group(1)


@pytest.fixture
def holder(app):
    """Ann holds a seat; her browser."""
    client = app.test_client()
    register(client, email="ann@example.org", first_name="Ann", accessibility_needs="Boucle magnétique")
    return client


def test_offering_changes_nothing_and_sends_a_neutral_e_mail(app, holder):
    response = offer(app, holder)
    assert response.status_code == 303
    assert "Un e-mail vient de partir à louis@example.org" in holder.get(response.headers["Location"]).text
    [row] = [r for r in outbox_rows(app) if r.recipient == "louis@example.org"]
    text = re.sub(r"https?://\S+", "", row.body_text)  # the link's random token may spell "Ann" by chance
    assert "Ann" not in text and "Martin" not in text and "Commune de Lyon" not in text
    assert row.registration_id is None
    with app.app_context():
        assert db.session.scalar(select(Registration.email)) == "ann@example.org"


def test_the_colleague_proves_their_address_then_the_place_moves_and_the_holder_is_told(app, holder):
    old_path = manage_path(app, "ann@example.org")
    offer(app, holder)
    path = offer_path(app)
    colleague = app.test_client()
    page = colleague.get(path)
    assert page.status_code == 200 and "Accepter la place" in page.text and "Boucle" not in page.text
    assert page.headers["Referrer-Policy"] == "strict-origin"
    with app.app_context():  # opening the link moved nothing
        assert db.session.scalar(select(Registration.email)) == "ann@example.org"
    done = colleague.post(path, data={**COLLEAGUE, "csrf_token": csrf_token(page.text)})
    assert done.status_code == 303 and "Louis Bernard" in colleague.get("/inscription/confirmation").text
    with app.app_context():
        [person] = db.session.scalars(select(Registration)).all()
        assert (person.email, person.first_name, person.mode, person.status) == (
            "louis@example.org",
            "Louis",
            IN_PERSON,
            CONFIRMED,
        )
        assert person.accessibility_needs == ""  # nothing of Ann's is left
        assert db.session.get(SeatCounter, "in_person").taken == 1  # the same seat
        assert db.session.scalar(select(func.count()).select_from(Handover)) == 0
        assert db.session.scalar(select(func.count()).select_from(ManageToken)) == 1  # Louis's only
    assert holder.get(old_path).status_code == 404
    told = [r for r in outbox_rows(app) if r.recipient == "ann@example.org" and r.dedupe_key.startswith("handed-over")]
    assert len(told) == 1 and "Bonjour Ann" in told[0].body_text and "/inscription/gerer/" not in told[0].body_text
    new_path = manage_path(app, "louis@example.org")
    assert "Louis Bernard" in app.test_client().get(new_path).text
    assert colleague.post(path, data={**COLLEAGUE, "csrf_token": csrf_token(page.text)}).status_code == 404  # used


def test_a_colleague_already_registered_takes_nothing(app, holder):
    register(app.test_client(), email="louis@example.org")
    with app.app_context():  # his confirmation is old news: the offer's e-mail is not held back
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - dt.timedelta(hours=1)))
        db.session.commit()
    offer(app, holder)
    path = offer_path(app)
    colleague = app.test_client()
    page = colleague.get(path)
    response = colleague.post(path, data={**COLLEAGUE, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 409
    with app.app_context():
        emails = sorted(db.session.scalars(select(Registration.email)))
    assert emails == ["ann@example.org", "louis@example.org"]
    assert holder.get(manage_path(app, "ann@example.org")).status_code == 200


def test_the_colleague_must_fill_in_their_details(app, holder):
    offer(app, holder)
    path = offer_path(app)
    colleague = app.test_client()
    page = colleague.get(path)
    response = colleague.post(path, data={"csrf_token": csrf_token(page.text), "first_name": ""})
    assert response.status_code == 422 and "Ce champ est obligatoire" in response.text
    assert colleague.post(path, data=COLLEAGUE).status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.scalar(select(Registration.email)) == "ann@example.org"


def test_a_holder_cannot_use_the_offer_to_mail_many_addresses(app, holder):
    for n in range(5):
        offer(app, holder, to=f"collegue{n}@example.org")
    offers = [r for r in outbox_rows(app) if r.dedupe_key.startswith("handover-offer:")]
    assert len(offers) == 3
    page = holder.get(manage_path(app, "ann@example.org")).text
    assert "déjà proposée à 3 adresses" in page


def test_handover_pages_and_e_mails_follow_french_typography(app, holder):
    """The colleague's page, and every e-mail the handover sends (offer, handed over, the colleague's confirmation)."""

    def check(what: str, text: str) -> list[str]:
        return [f"{what} — {fault}" for fault in faults(text)]

    offer(app, holder)
    path = offer_path(app)
    colleague = app.test_client()
    page = colleague.get(path)
    found = check("page de la place proposée", visible_text(page.text))
    colleague.post(path, data={**COLLEAGUE, "csrf_token": csrf_token(page.text)})
    rows = outbox_rows(app)
    assert {r.dedupe_key.split(":")[0] for r in rows} >= {"handover-offer", "handed-over", "confirmation"}
    for row in rows:
        found += check(f"e-mail {row.dedupe_key} (objet)", row.subject)
        found += check(f"e-mail {row.dedupe_key} (texte)", row.body_text)
        found += check(f"e-mail {row.dedupe_key} (HTML)", visible_text(row.body_html))
    assert found == [], "\n".join(found)
