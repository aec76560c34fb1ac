"""Check-in for whoever turns up: waiting and remote people, the override beyond the capacity, walk-ins, the tally."""

import csv
import io

import pytest
from organisers_support import add_organiser, login, page_token, register
from sqlalchemy.exc import IntegrityError
from typography_check import visible_text

from jnt.mail.reminders import queue_reminders
from jnt.models import CONFIRMED, IN_PERSON, AuditEntry, OutboxMessage, Registration, SeatCounter, db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def org(make_app):
    """Logged-in organiser; capacity 2, both seats taken (ids 1-2), 3 waiting, 4 remote; e-mails already queued."""
    app = make_app(IN_PERSON_CAPACITY=2)
    add_organiser(app)
    for n, last_name in enumerate(["Assis", "Bancal", "Attente"]):
        register(app, n=n, last_name=last_name)
    register(app, n=3, last_name="Distance", mode="remote")
    client = app.test_client()
    login(client)
    client.application = app
    return client


def post(client, path: str, data: dict | None = None, htmx: bool = False):
    token = page_token(client.get("/organisateurs/pointage").text)
    return client.post(
        f"/organisateurs/pointage{path}", data={"csrf_token": token, **(data or {})}, headers=HTMX if htmx else {}
    )


def person(app, registration_id: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        db.session.expunge(registration)
        return registration


def seats_taken(app) -> int:
    with app.app_context():
        return db.session.get(SeatCounter, "in_person").taken


def outbox_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))


def audit(app) -> list[tuple[str, str]]:
    with app.app_context():
        entries = db.select(AuditEntry).where(AuditEntry.registration_id.is_not(None)).order_by(AuditEntry.id)
        return [(e.action, e.detail) for e in db.session.scalars(entries)]


@pytest.mark.parametrize(("registration_id", "how"), [(3, "liste d’attente"), (4, "à distance")])
def test_waiting_or_remote_person_takes_a_free_seat_on_arrival(org, registration_id, how):
    app = org.application
    app.config["IN_PERSON_CAPACITY"] = 3  # one seat free (a cancellation, more chairs)
    mails = outbox_count(app)
    response = post(org, f"/{registration_id}/present", htmx=True)
    assert response.status_code == 200 and "Annuler le pointage" in response.text
    assert "présence enregistrée à" in response.text and "place en présentiel attribuée" in response.text
    arrived = person(app, registration_id)
    assert (arrived.mode, arrived.status, arrived.queued_at) == (IN_PERSON, CONFIRMED, None)
    assert arrived.checked_in_at is not None and not arrived.over_capacity
    assert seats_taken(app) == 3
    assert outbox_count(app) == mails  # at the door: no "a seat is yours" e-mail
    assert audit(app) == [("pointage", f"place attribuée ({how})")]


def test_no_free_seat_offers_the_override_and_changes_nothing(org):
    app = org.application
    response = post(org, "/3/present", htmx=True)
    assert response.status_code == 200
    assert 'id="pointage-3"' in response.text  # the same button id: focus stays on it
    assert "Enregistrer hors jauge (la salle le permet)" in response.text
    assert 'data-hx-post="/organisateurs/pointage/3/hors-jauge"' in response.text
    assert "aucune place libre en présentiel, présence non enregistrée" in response.text  # the status region
    waiting = person(app, 3)
    assert waiting.checked_in_at is None and waiting.status == "waiting"
    assert seats_taken(app) == 2 and audit(app) == []
    # Without JavaScript: the check-in page, with the same offer in that person's row.
    page = post(org, "/3/present")
    assert page.status_code == 200 and "<html" in page.text
    assert "/organisateurs/pointage/3/hors-jauge" in page.text


def test_override_checks_in_beyond_capacity_counted_apart(org):
    app = org.application
    response = post(org, "/3/hors-jauge", htmx=True)
    assert "Hors jauge" in response.text and "Annuler le pointage" in response.text
    assert "(dont 1 hors jauge)" in response.text  # the counter swapped out of band
    arrived = person(app, 3)
    assert arrived.checked_in_at is not None and arrived.over_capacity and arrived.status == CONFIRMED
    # The counter keeps counting everyone confirmed in person: a later cancellation frees no phantom seat.
    assert seats_taken(app) == 3
    assert audit(app) == [("pointage-hors-jauge", "place attribuée (liste d’attente)")]
    dashboard = org.get("/organisateurs/").text
    assert "1 / 3</span> arrivée" in dashboard and '<span class="jnt-counts__value">1</span> hors jauge' in dashboard


def test_override_takes_a_free_seat_when_one_is_free(org):
    app = org.application
    app.config["IN_PERSON_CAPACITY"] = 3
    post(org, "/3/hors-jauge")
    assert not person(app, 3).over_capacity and seats_taken(app) == 3


def test_undo_keeps_the_seat_given_at_the_door(org):
    app = org.application
    post(org, "/3/hors-jauge")
    post(org, "/3/absent")
    undone = person(app, 3)
    assert undone.checked_in_at is None and undone.status == CONFIRMED and seats_taken(app) == 3


WALK_IN = {"first_name": "Paul", "last_name": "Passant", "organisation": "Mairie de Tulle"}


def add_walk_in(client, **fields):
    token = page_token(client.get("/organisateurs/pointage/sur-place").text)
    return client.post("/organisateurs/pointage/sur-place", data={"csrf_token": token, **WALK_IN, **fields})


def walk_ins(app) -> list[Registration]:
    with app.app_context():
        found = db.session.scalars(db.select(Registration).filter_by(walk_in=True)).all()
        db.session.expunge_all()
        return found


@pytest.mark.both_databases
@pytest.mark.parametrize("email", ["", " Paul.Passant@Example.ORG "])
def test_walk_in_is_added_checked_in_and_sent_nothing(org, email):
    app = org.application
    app.config["IN_PERSON_CAPACITY"] = 3
    mails = outbox_count(app)
    response = add_walk_in(org, email=email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/organisateurs/pointage?q=Passant"
    [paul] = walk_ins(app)
    assert paul.email == (email.strip().lower() or None)
    assert (paul.mode, paul.status, paul.over_capacity) == (IN_PERSON, CONFIRMED, False)
    assert paul.checked_in_at is not None and seats_taken(app) == 3
    assert outbox_count(app) == mails  # nothing until the address is proven
    with app.app_context():
        assert queue_reminders() == 4  # the four registered people; never the walk-in
    assert outbox_count(app) == mails + 4
    assert audit(app) == [("ajout-sur-place", "")]
    text = org.get("/organisateurs/pointage?q=passant").text
    assert "Ajout sur place" in text and "Présence enregistrée pour Paul Passant (ajout sur place)." in text


def test_walk_in_when_full_needs_the_explicit_override(org):
    app = org.application
    refused = add_walk_in(org)
    assert refused.status_code == 200 and walk_ins(app) == []
    assert "Aucune place n’est libre en présentiel" in refused.text
    assert 'name="beyond_capacity" value="oui"' in refused.text and 'value="Passant"' in refused.text
    assert add_walk_in(org, beyond_capacity="oui").status_code == 303
    [paul] = walk_ins(app)
    assert paul.over_capacity and paul.checked_in_at is not None and seats_taken(app) == 3
    assert audit(app) == [("ajout-sur-place-hors-jauge", "")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"last_name": ""}, "Ce champ est obligatoire."),
        ({"organisation": "x" * 201}, "200 caractères au maximum."),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide"),
        ({"email": "personne0@example.org"}, "Cette adresse e-mail est déjà inscrite"),
        ({"first_name": "Pa\x00ul"}, "caractères non autorisés"),
    ],
)
def test_walk_in_bad_input_is_refused_in_french(org, fields, message):
    org.application.config["IN_PERSON_CAPACITY"] = 3
    response = add_walk_in(org, **fields)
    assert response.status_code == 200 and message in response.text
    assert walk_ins(org.application) == [] and seats_taken(org.application) == 2


def test_walk_ins_and_overrides_are_marked_in_lists_and_exports(org):
    add_walk_in(org, beyond_capacity="oui")
    dashboard = org.get("/organisateurs/?q=passant").text
    # In the text a reader sees: a random CSRF token (an attribute) may spell "None" by chance.
    assert "Ajout sur place" in dashboard and "Hors jauge" in dashboard and "None" not in visible_text(dashboard)
    sheet = org.get("/organisateurs/pointage/emargement").text
    assert "Mairie de Tulle <em>(ajout sur place)</em>" in sheet
    rows = list(csv.DictReader(io.StringIO(org.get("/organisateurs/export.csv").text.lstrip("\ufeff")), delimiter=";"))
    paul = next(r for r in rows if r["Nom"] == "Passant")
    assert (paul["Adresse e-mail"], paul["Origine"], paul["Hors jauge"]) == ("", "Ajout sur place", "Oui")
    assert {r["Origine"] for r in rows if r["Nom"] != "Passant"} == {"Inscription"}


def test_arrivals_fragment_is_polled_and_is_no_live_region(org):
    post(org, "/1/present")
    dashboard = org.get("/organisateurs/").text
    start = dashboard.index('<div id="arrivees"')
    fragment = dashboard[start : dashboard.index("</div>", start)]
    assert 'data-hx-get="/organisateurs/pointage/arrivees"' in fragment and 'data-hx-trigger="every 30s"' in fragment
    assert "aria-live" not in fragment and "role=" not in fragment
    assert "1 / 2</span> arrivée" in fragment
    polled = org.get("/organisateurs/pointage/arrivees", headers=HTMX)
    assert polled.text.lstrip().startswith('<div id="arrivees"') and "<html" not in polled.text
    assert "HX-Request" in polled.headers["Vary"] and polled.headers["Cache-Control"] == "no-store"
    post(org, "/2/present")
    assert "2 / 2</span> arrivées" in org.get("/organisateurs/pointage/arrivees", headers=HTMX).text
    page = org.get("/organisateurs/pointage/arrivees")  # a real page too
    assert "<html" in page.text and "<h1" in page.text


@pytest.mark.both_databases
def test_only_a_walk_in_may_have_no_email(app):
    with app.app_context():
        fields = {"first_name": "A", "last_name": "B", "organisation": "C", "structure_type": "", "job_title": ""}
        db.session.add(Registration(**fields, mode=IN_PERSON, status=CONFIRMED, walk_in=True))
        db.session.add(Registration(**fields, mode=IN_PERSON, status=CONFIRMED, walk_in=True))
        db.session.commit()  # two walk-ins without an address: no clash
        db.session.add(Registration(**fields, mode=IN_PERSON, status=CONFIRMED))
        with pytest.raises(IntegrityError):
            db.session.commit()
