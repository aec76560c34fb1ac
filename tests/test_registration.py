"""Registration: the form, storage, the deadline, the seat limit, bad input."""

import pytest
from sqlalchemy import func, select
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, form_fields, valid_registration

from jnt.config import parse_instant
from jnt.models import IN_PERSON_COUNTER, Registration, SeatCounter, db
from jnt.typography import french

HTMX = {"HX-Request": "true"}


def post_form(client, headers=None, **overrides):
    """Load the form (session + CSRF token), then submit it."""
    page = client.get("/inscription").get_data(as_text=True)
    data = {**form_fields(page), **valid_registration(**overrides)}
    return client.post("/inscription", data=data, headers=headers or {})


def rows(app) -> list[Registration]:
    with app.app_context():
        return list(db.session.scalars(select(Registration).order_by(Registration.id)))


def seats_taken(app) -> int:
    with app.app_context():
        return db.session.get(SeatCounter, IN_PERSON_COUNTER).taken


def test_form_has_every_field_with_a_label(client):
    html = client.get("/inscription").get_data(as_text=True)
    for field in ("first_name", "last_name", "email", "organisation", "structure_type", "job_title",
                  "accessibility_needs", "consent"):  # fmt: skip
        assert f'<label class="fr-label" for="{field}"' in html, field
    assert 'id="mode-legend"' in html
    for label in ("Collectivité territoriale", "Structure de mutualisation", "Service déconcentré de l’État",
                  "SGAR", "Administration centrale", "Autre"):  # fmt: skip
        assert f">{label}</option>" in html
    assert 'href="/donnees-personnelles"' in html
    assert french("Places en présentiel restantes : <strong>3</strong> sur 3") in html


def test_register_in_person_without_javascript(app, client):
    response = post_form(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/inscription/confirmation")
    [row] = rows(app)
    assert (row.first_name, row.mode, row.status) == ("Camille", "in_person", "confirmed")
    assert seats_taken(app) == 1
    html = client.get("/inscription/confirmation").get_data(as_text=True)
    assert "Inscription confirmée" in html and "Camille Martin" in html and "En présentiel" in html


def test_refreshing_the_confirmation_registers_nothing(app, client):
    post_form(client)
    for _ in range(3):
        assert client.get("/inscription/confirmation").status_code == 200
    assert len(rows(app)) == 1


def test_register_remotely_takes_no_seat(app, client):
    post_form(client, mode="remote")
    [row] = rows(app)
    assert (row.mode, row.status) == ("remote", "confirmed")
    assert seats_taken(app) == 0


def test_register_with_htmx_shows_confirmation_in_place(app, client):
    response = post_form(client, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith('<div id="inscription"') and "<html" not in html
    assert "Inscription confirmée" in html
    assert response.headers["HX-Push-Url"] == "/inscription/confirmation"
    assert len(rows(app)) == 1


def test_invalid_form_with_htmx_keeps_values_and_ties_errors(app, client):
    response = post_form(client, headers=HTMX, email="pas-une-adresse", last_name="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'value="Camille"' in html and 'value="pas-une-adresse"' in html
    assert 'aria-describedby="email-hint email-messages" aria-invalid="true"' in html
    assert '<div class="fr-messages-group" id="email-messages" aria-live="polite">' in html
    assert "Saisissez une adresse e-mail valide" in html
    assert 'id="last_name-messages" aria-live="polite">\n  <p class="fr-message fr-message--error">Ce champ' in html
    assert rows(app) == []


def test_invalid_form_without_javascript_is_a_full_page(client):
    response = post_form(client, consent="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.startswith("<!doctype html>")
    assert "Vous devez prendre connaissance de la notice" in html
    assert "<title>Erreur — Inscription" in html


@pytest.mark.both_databases
def test_email_is_normalised_and_unique(app, client):
    post_form(client, email="Camille.Martin@EXAMPLE.org")
    other = app.test_client()
    response = post_form(other, email="  camille.martin@example.ORG ", first_name="Autre")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    # Nothing about the existing registration is shown; its address is sent a new management link.
    assert "un e-mail vient de partir à camille.martin@example.org" in html
    assert "Camille" not in html and "Commune de Lyon" not in html
    assert [r.email for r in rows(app)] == ["camille.martin@example.org"]
    assert seats_taken(app) == 1  # the second attempt's seat was rolled back


@pytest.mark.both_databases
def test_unique_email_is_enforced_by_the_database(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        for _ in range(2):
            fields = {k: v for k, v in valid_registration().items() if k != "consent"}
            db.session.add(Registration(**fields, status="confirmed"))
        with pytest.raises(IntegrityError):
            db.session.commit()


@pytest.mark.both_databases
def test_same_form_submitted_twice_is_one_registration(app, client):
    page = client.get("/inscription").get_data(as_text=True)
    data = {**form_fields(page), **valid_registration()}
    first = client.post("/inscription", data=data)
    second = client.post("/inscription", data=data)
    assert first.status_code == second.status_code == 303
    assert len(rows(app)) == 1 and seats_taken(app) == 1


@pytest.mark.both_databases
def test_full_in_person_puts_people_on_the_waiting_list(app, client):
    for i in range(3):
        post_form(app.test_client(), email=f"p{i}@example.org")
    html = client.get("/inscription").get_data(as_text=True)
    assert "Présentiel complet" in html
    assert "En présentiel — liste d’attente (complet)" in html
    post_form(client, email="late@example.org")
    assert [r.status for r in rows(app)] == ["confirmed"] * 3 + ["waiting"]
    assert seats_taken(app) == 3
    confirmation = client.get("/inscription/confirmation").get_data(as_text=True)
    assert "liste d’attente" in confirmation and "position 1" in confirmation


def test_event_page_shows_remaining_seats(app, client):
    post_form(app.test_client())
    assert "<strong>2</strong> places en présentiel disponibles" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        ("2023-01-05T23:59:59+01:00", True),
        ("2023-01-06T00:00:00+01:00", True),  # in person is closed, remote still open
        ("2023-01-18T08:59:59+01:00", True),
        ("2023-01-18T07:59:59+00:00", True),
        ("2023-01-18T09:00:00+01:00", False),
        ("2023-01-18T08:00:00+00:00", False),
        ("2023-01-20T10:00:00+01:00", False),
    ],
)
def test_deadline_boundary(make_app, now, is_open):
    app = make_app(PREVIEW_NOW=now)
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    # After the last deadline (remote: the start) the home page says registration is closed; after the day,
    # that the day took place.
    assert ("Inscriptions closes" in home or "La journée a eu lieu" in home) is not is_open
    # Asking for the page after the deadline is no error: 200 with the explanation, with or without htmx.
    for headers in ({}, HTMX):
        page = client.get("/inscription", headers=headers)
        assert page.status_code == 200
        assert ("Inscriptions closes" in page.get_data(as_text=True)) is not is_open


def test_post_after_deadline_stores_nothing(app, client):
    page = client.get("/inscription").get_data(as_text=True)
    # The visitor opened the form before the deadline and sends it after.
    app.config["PREVIEW_NOW"] = parse_instant(CLOSED_NOW, "PREVIEW_NOW")
    for headers in ({}, HTMX):
        response = client.post("/inscription", data={**form_fields(page), **valid_registration()}, headers=headers)
        assert response.status_code == 403
        assert "Inscriptions closes" in response.get_data(as_text=True)
    assert rows(app) == [] and seats_taken(app) == 0


@pytest.mark.both_databases
def test_deadline_is_checked_inside_the_storing_transaction(make_app):
    from jnt import booking

    app = make_app(PREVIEW_NOW=CLOSED_NOW)
    with app.test_request_context():
        outcome = booking.register(valid_registration())
    assert outcome.result is booking.Result.CLOSED
    assert rows(app) == [] and seats_taken(app) == 0


def test_deadline_is_stated_with_the_time_zone(client):
    assert "jusqu’au jeudi 5 janvier 2023 à 23h59 (heure de Paris)" in client.get("/inscription").get_data(as_text=True)


def test_missing_csrf_token_is_refused_in_french(app, client):
    client.get("/inscription")
    response = client.post("/inscription", data=valid_registration())
    assert response.status_code == 400
    assert "Session expirée" in response.get_data(as_text=True)
    assert rows(app) == []


def test_wrong_csrf_token_is_refused(app, client):
    page = client.get("/inscription").get_data(as_text=True)
    data = {**form_fields(page), **valid_registration(), "csrf_token": "faux"}
    response = client.post("/inscription", data=data, headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    assert rows(app) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "x" * 101, "100 caractères au maximum."),
        ("organisation", "o" * 201, "200 caractères au maximum."),
        ("accessibility_needs", "a" * 1001, "1000 caractères au maximum."),
        ("last_name", "Martin\x00", "caractères non autorisés"),
        ("job_title", "Chef\nde projet", "caractères non autorisés"),
        ("structure_type", "ministere", "Choisissez un type de structure"),
        ("mode", "sur-la-lune", "Choisissez « en présentiel » ou « à distance »"),
        # Nothing chosen: the choice field's own message says what to do.
        ("mode", "", "Choisissez « en présentiel » ou « à distance »"),
        ("structure_type", "", "Choisissez un type de structure"),
        ("email", "a@b", "Saisissez une adresse e-mail valide"),
        ("first_name", "   ", "Ce champ est obligatoire."),
        ("first_name", "\u200b\u200b", "aucune lettre ni aucun chiffre visible"),
        ("last_name", "\u2800", "aucune lettre ni aucun chiffre visible"),
        ("last_name", "\u3164\u200d", "aucune lettre ni aucun chiffre visible"),
        ("organisation", "\u00ad\u2060\ufeff", "aucune lettre ni aucun chiffre visible"),
        ("last_name", "Martin\u202egnp.exe", "inversent le sens d’écriture"),
        ("job_title", "\u2067Cheffe\u2069", "inversent le sens d’écriture"),
        ("accessibility_needs", "Rampe \u202dd’accès", "inversent le sens d’écriture"),
    ],
)
def test_bad_input_gets_a_french_message_and_stores_nothing(app, client, field, value, message):
    response = post_form(client, **{field: value})
    assert response.status_code == 422
    assert french(message) in response.get_data(as_text=True)
    assert rows(app) == [] and seats_taken(app) == 0


@pytest.mark.parametrize("name", ["Zoë", "O’Brien-Nguyễn", "Ødegård", "李", "محمد", "Ἀλέξανδρος", "Anne‑Marie"])
def test_names_in_any_script_are_accepted(app, client, name):
    assert post_form(client, first_name=name).status_code == 303
    assert rows(app)[0].first_name == name


def test_html_in_names_is_stored_as_text_and_escaped(app, client):
    post_form(client, first_name="<script>alert(1)</script>", last_name="<b>Gras</b>")
    assert rows(app)[0].first_name == "<script>alert(1)</script>"
    html = client.get("/inscription/confirmation").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>Gras</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_body_over_the_limit_is_refused(app, client):
    response = post_form(client, accessibility_needs="x" * 70_000)
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert rows(app) == []


def test_confirmation_without_registration_redirects_to_the_form(client):
    response = client.get("/inscription/confirmation")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inscription")


@pytest.mark.both_databases
def test_times_are_stored_in_utc(app, client):
    import datetime as dt

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    post_form(client)
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    created = rows(app)[0].created_at
    assert created.tzinfo is None
    assert before <= created <= after  # UTC: Paris time would be an hour (or two) later


def test_sqlite_connections_are_durable_and_concurrent(app):
    with app.app_context():
        conn = db.session.connection()
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") >= 5000


@pytest.mark.both_databases
def test_init_db_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SeatCounter)) == 1


@pytest.mark.parametrize(
    ("now", "capacity", "offered"),
    [
        (None, 3, [("in_person", "En présentiel"), ("remote", "À distance (visioconférence)")]),
        (
            None,
            0,
            [("in_person", "En présentiel — liste d’attente (complet)"), ("remote", "À distance (visioconférence)")],
        ),
        (IN_PERSON_CLOSED_NOW, 3, [("remote", "À distance (visioconférence)")]),
    ],
    ids=["ouvert", "complet", "presentiel-clos"],
)
def test_choice_fields_get_their_choices_from_the_view(make_app, now, capacity, offered):
    from wtforms import RadioField, SelectField

    from jnt import registration

    app = make_app(IN_PERSON_CAPACITY=capacity, **({"PREVIEW_NOW": now} if now else {}))
    with app.test_request_context("/inscription"):
        form = registration._form()
        assert isinstance(form.mode, RadioField) and isinstance(form.structure_type, SelectField)
        assert [(c.value, c.label) for c in form.mode.iter_choices()] == [(v, french(t)) for v, t in offered]
    html = app.test_client().get("/inscription").text
    assert html.count('type="radio"') == len(offered)  # the page lists exactly the view's choices
    for _value, label in offered:
        assert f">{french(label)}</label>" in html
