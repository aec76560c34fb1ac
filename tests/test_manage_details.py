"""The management page shows everything recorded and lets the person correct their details."""

from mailtools import manage_path, register
from sqlalchemy import select
from support import CLOSED_NOW, csrf_token

from jnt.models import Registration, db

DETAILS = {
    "first_name": "Camille",
    "last_name": "Durand",
    "organisation": "Métropole de Lyon",
    "structure_type": "mutualisation",
    "job_title": "Directrice du numérique",
    "accessibility_needs": "Place réservée près de l’estrade",
}


def test_the_page_shows_everything_recorded(app, client):
    register(client, email="ann@example.org", job_title="Cheffe de projet", accessibility_needs="Boucle magnétique")
    page = client.get(manage_path(app, "ann@example.org")).text
    for shown in ("Cheffe de projet", "Boucle magnétique", "Collectivité territoriale", "Commune de Lyon"):
        assert shown in page


def test_details_are_corrected_and_nothing_else_changes(app, client):
    register(client, email="ann@example.org")
    path = manage_path(app, "ann@example.org")
    form = client.get(path + "/modifier")
    assert form.status_code == 200 and 'value="Camille"' in form.text
    data = {**DETAILS, "csrf_token": csrf_token(form.text), "email": "autre@example.org", "mode": "remote"}
    response = client.post(path + "/modifier", data=data)
    assert response.status_code == 303
    assert "Vos informations sont enregistrées" in client.get(path).text
    with app.app_context():
        person = db.session.scalar(select(Registration))
        assert {k: getattr(person, k) for k in DETAILS} == DETAILS
        assert (person.email, person.mode, person.version) == ("ann@example.org", "in_person", 2)


def test_invalid_details_are_refused_in_french(app, client):
    register(client, email="ann@example.org")
    path = manage_path(app, "ann@example.org")
    token = csrf_token(client.get(path + "/modifier").text)
    response = client.post(
        path + "/modifier", data={**DETAILS, "first_name": " ", "structure_type": "x", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "Ce champ est obligatoire" in response.text and "Choisissez un type de structure" in response.text
    with app.app_context():
        assert db.session.scalar(select(Registration.last_name)) == "Martin"


def test_details_cannot_be_changed_after_the_deadline(make_app):
    app = make_app()
    client = app.test_client()
    register(client, email="ann@example.org")
    path = manage_path(app, "ann@example.org")
    token = csrf_token(client.get(path + "/modifier").text)
    closed = make_app(PREVIEW_NOW=CLOSED_NOW).test_client()
    assert "Inscription non modifiable" in closed.get(path + "/modifier").text
    assert closed.post(path + "/modifier", data={**DETAILS, "csrf_token": token}).status_code != 303
    with app.app_context():
        assert db.session.scalar(select(Registration.last_name)) == "Martin"
