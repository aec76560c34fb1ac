"""Separate deadlines, each tried with the preview clock set to it: in person, remote, changes, promotion."""

import pytest
from mailtools import manage_path, outbox_rows, register
from organisers_support import add_organiser, hidden_fields, login
from sqlalchemy import select
from support import (
    CLOSED_NOW,
    IN_PERSON_CLOSED_NOW,
    OPEN_NOW,
    PROMOTION_CLOSED_NOW,
    csrf_token,
    form_fields,
    valid_registration,
)

from jnt import booking
from jnt.config import parse_instant
from jnt.models import CANCELLED, CONFIRMED, IN_PERSON, REMOTE, WAITING, Registration, SeatCounter, db
from jnt.typography import french

HTMX = {"HX-Request": "true"}
JUST_BEFORE_THE_START = "2023-01-18T08:59:59+01:00"
JUST_BEFORE_PROMOTION_CLOSES = "2023-01-17T17:59:59+01:00"
IN_PERSON_CLOSED = "Les inscriptions en présentiel étaient ouvertes jusqu’au jeudi 5 janvier 2023 à 23h59"


def set_clock(app, instant: str) -> None:
    """Move the preview clock of a running app."""
    app.config["PREVIEW_NOW"] = parse_instant(instant, "PREVIEW_NOW")


def people(app) -> dict[str, tuple[str, str]]:
    """Live registrations (a cancelled one is kept until purge, with the status CANCELLED)."""
    with app.app_context():
        live = select(Registration).where(Registration.status != CANCELLED)
        return {r.email: (r.mode, r.status) for r in db.session.scalars(live)}


def seats_taken(app) -> int:
    with app.app_context():
        return db.session.get(SeatCounter, "in_person").taken


def test_after_the_in_person_deadline_the_form_offers_remote_only_and_says_why(make_app):
    client = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW).test_client()
    for headers in ({}, HTMX):
        response = client.get("/inscription", headers=headers)
        assert response.status_code == 200
        html = response.text
        assert "Présentiel clos, inscription à distance ouverte" in html
        assert "Les inscriptions en présentiel étaient ouvertes jusqu’au jeudi 5 janvier 2023 à 23h59" in html
        assert "Inscriptions à distance ouvertes jusqu’au mercredi 18 janvier 2023 à 9h (heure de Paris)" in html
        assert 'value="in_person"' not in html and "Places en présentiel restantes" not in html
        assert 'value="remote" checked' in html  # the one choice left, already ticked


def test_a_remote_registration_is_accepted_after_the_in_person_deadline(make_app):
    app = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW)
    assert register(app.test_client(), mode=REMOTE).status_code == 303
    assert people(app) == {"camille.martin@example.org": (REMOTE, CONFIRMED)}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["sans-js", "htmx"])
def test_a_crafted_in_person_post_after_its_deadline_is_refused(make_app, headers):
    app = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW)
    client = app.test_client()
    fields = form_fields(client.get("/inscription").text)
    response = client.post("/inscription", data={**valid_registration(mode=IN_PERSON), **fields}, headers=headers)
    assert response.status_code == 403
    assert IN_PERSON_CLOSED in response.text
    assert 'value="remote"' in response.text  # the form again, remote offered
    assert people(app) == {} and seats_taken(app) == 0


def test_a_form_opened_before_the_in_person_deadline_and_sent_after_is_refused_with_the_reason(make_app):
    app = make_app()
    client = app.test_client()
    fields = form_fields(client.get("/inscription").text)
    set_clock(app, IN_PERSON_CLOSED_NOW)
    response = client.post("/inscription", data={**valid_registration(mode=IN_PERSON), **fields})
    assert response.status_code == 403
    assert IN_PERSON_CLOSED in response.text and "Inscriptions closes" not in response.text
    assert people(app) == {} and seats_taken(app) == 0


@pytest.mark.both_databases
def test_each_mode_deadline_is_checked_inside_the_storing_transaction(make_app):
    app = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW)
    with app.test_request_context():
        assert booking.register(valid_registration(mode=IN_PERSON)).result is booking.Result.CLOSED
        assert booking.register(valid_registration(mode=REMOTE)).result is booking.Result.CREATED
    set_clock(app, CLOSED_NOW)
    with app.test_request_context():
        refused = booking.register(valid_registration(mode=REMOTE, email="autre@example.org"))
    assert refused.result is booking.Result.CLOSED
    assert people(app) == {"camille.martin@example.org": (REMOTE, CONFIRMED)} and seats_taken(app) == 0


def test_remote_registration_is_open_until_the_start(make_app):
    app = make_app(PREVIEW_NOW=JUST_BEFORE_THE_START)
    client = app.test_client()
    assert register(client, mode=REMOTE).status_code == 303
    fields = form_fields(client.get("/inscription").text)  # a second form, opened a second before the start
    set_clock(app, CLOSED_NOW)
    late = client.post("/inscription", data={**valid_registration(mode=REMOTE, email="b@example.org"), **fields})
    assert late.status_code == 403 and "Inscriptions closes" in late.text
    assert client.get("/inscription").status_code == 200  # asking is no error: the closed notice
    assert list(people(app)) == ["camille.martin@example.org"]


@pytest.fixture
def in_person(make_app):
    """Ann (in person) registered before the in-person deadline, with her management page and client."""
    app = make_app(IN_PERSON_CAPACITY=1)
    client = app.test_client()
    register(client, email="ann@example.org")
    return app, client, manage_path(app, "ann@example.org")


@pytest.mark.parametrize("now", [IN_PERSON_CLOSED_NOW, JUST_BEFORE_THE_START])
def test_switching_to_remote_is_possible_until_the_start(in_person, now):
    app, client, path = in_person
    set_clock(app, now)
    page = client.get(path).text
    assert "Possible jusqu’au mercredi 18 janvier 2023 à 9h (heure de Paris)." in page
    response = client.post(path + "/mode", data={"csrf_token": csrf_token(page), "mode": REMOTE})
    assert response.status_code == 303
    assert people(app)["ann@example.org"] == (REMOTE, CONFIRMED) and seats_taken(app) == 0


@pytest.mark.parametrize("now", [IN_PERSON_CLOSED_NOW, JUST_BEFORE_THE_START])
def test_cancelling_is_possible_until_the_start(in_person, now):
    app, client, path = in_person
    set_clock(app, now)
    page = client.get(path + "/annuler").text
    assert "Confirmer l’annulation" in page
    assert client.post(path + "/annuler", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert people(app) == {} and seats_taken(app) == 0


def test_from_the_start_switching_and_cancelling_are_refused(in_person):
    app, client, path = in_person
    token = csrf_token(client.get(path).text)
    set_clock(app, CLOSED_NOW)
    page = client.get(path).text
    assert "La date limite est passée" in page and "(c’était possible jusqu’au mercredi 18 janvier 2023 à 9h" in page
    assert "Participer à distance" not in page
    for action, data in (("/mode", {"mode": REMOTE}), ("/annuler", {})):
        response = client.post(path + action, data={"csrf_token": token, **data})
        assert response.status_code == 403 and "La date limite est passée" in response.text
    assert people(app) == {"ann@example.org": (IN_PERSON, CONFIRMED)} and seats_taken(app) == 1


def test_remote_to_in_person_follows_the_in_person_deadline(make_app):
    app = make_app()
    client = app.test_client()
    register(client, mode=REMOTE)
    path = manage_path(app, "camille.martin@example.org")
    token = csrf_token(client.get(path).text)
    just_before = make_app(PREVIEW_NOW="2023-01-05T23:59:59+01:00").test_client()
    assert "Participer en présentiel" in just_before.get(path).text
    set_clock(app, IN_PERSON_CLOSED_NOW)
    page = client.get(path).text
    assert "Participer en présentiel" not in page
    assert "Le passage au présentiel était possible jusqu’au jeudi 5 janvier 2023 à 23h59" in page
    assert "Annuler mon inscription" in page  # cancelling is still possible
    crafted = client.post(path + "/mode", data={"csrf_token": token, "mode": IN_PERSON})
    assert crafted.status_code == 403 and "Le passage au présentiel était possible" in crafted.text
    assert people(app) == {"camille.martin@example.org": (REMOTE, CONFIRMED)} and seats_taken(app) == 0


@pytest.fixture
def full_house(make_app):
    """Ann holds the only seat, Bob waits (registered while in person was open)."""
    app = make_app(IN_PERSON_CAPACITY=1)
    ann = app.test_client()
    register(ann, email="ann@example.org")
    register(app.test_client(), email="bob@example.org")
    assert people(app) == {"ann@example.org": (IN_PERSON, CONFIRMED), "bob@example.org": (IN_PERSON, WAITING)}
    return app, ann, manage_path(app, "ann@example.org")


def cancel(client, path: str) -> None:
    page = client.get(path + "/annuler").text
    assert client.post(path + "/annuler", data={"csrf_token": csrf_token(page)}).status_code == 303


def test_promotion_is_automatic_until_the_promotion_deadline(full_house):
    app, ann, path = full_house
    set_clock(app, JUST_BEFORE_PROMOTION_CLOSES)
    assert "attribuée à la première personne de la liste d’attente" in ann.get(path + "/annuler").text
    cancel(ann, path)
    assert people(app) == {"bob@example.org": (IN_PERSON, CONFIRMED)} and seats_taken(app) == 1
    assert any(row.dedupe_key.startswith("promotion:") for row in outbox_rows(app))


def test_after_the_promotion_deadline_a_freed_seat_stays_free_and_the_organisers_see_it(full_house):
    app, ann, path = full_house
    set_clock(app, PROMOTION_CLOSED_NOW)
    page = ann.get(path + "/annuler").text
    assert "votre place en présentiel libérée" in page and "première personne" not in page
    cancel(ann, path)
    assert people(app) == {"bob@example.org": (IN_PERSON, WAITING)} and seats_taken(app) == 0
    assert not any(row.dedupe_key.startswith("promotion:") for row in outbox_rows(app))
    add_organiser(app)
    organiser = app.test_client()
    login(organiser)
    dashboard = organiser.get("/organisateurs/").text
    assert "1 place libre à attribuer" in dashboard
    assert "Depuis le mardi 17 janvier 2023 à 18h (heure de Paris)" in dashboard
    # An organiser gives the seat by hand.
    with app.app_context():
        bob = db.session.scalar(select(Registration.id).filter_by(email="bob@example.org"))
    form = organiser.get(f"/organisateurs/inscriptions/{bob}/promouvoir").text
    assert organiser.post(f"/organisateurs/inscriptions/{bob}/promouvoir", data=hidden_fields(form)).status_code == 303
    assert people(app) == {"bob@example.org": (IN_PERSON, CONFIRMED)} and seats_taken(app) == 1
    assert "à attribuer" not in organiser.get("/organisateurs/").text


def test_before_the_promotion_deadline_the_dashboard_asks_nothing(make_app):
    app = make_app(PREVIEW_NOW=OPEN_NOW, IN_PERSON_CAPACITY=1)
    register(app.test_client(), email="bob@example.org", mode=REMOTE)
    add_organiser(app)
    organiser = app.test_client()
    login(organiser)
    dashboard = organiser.get("/organisateurs/").text
    assert "1</span> place libre en présentiel" in dashboard and "à attribuer" not in dashboard


def test_the_e_mails_and_the_practical_tab_give_each_deadline(make_app):
    app = make_app()
    client = app.test_client()
    register(client)
    [confirmation] = outbox_rows(app)
    for body in (confirmation.body_text, confirmation.body_html):
        assert (
            "de passer du présentiel à la distance ou de l’annuler jusqu’au mercredi 18 janvier 2023 à 9h "
            "(heure de Paris), et de passer de la distance au présentiel jusqu’au jeudi 5 janvier 2023 à 23h59"
        ) in body
    practical = client.get("/infos-pratiques").text
    assert (
        french(
            "Dates limites : jusqu’au jeudi 5 janvier 2023 à 23h59 (heure de Paris) en présentiel, "
            "jusqu’au mercredi 18 janvier 2023 à 9h (heure de Paris) à distance."
        )
        in practical
    )
