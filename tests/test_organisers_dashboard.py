"""The organisers' dashboard: counts, list, and the waiting-list actions."""

import pytest
from organisers_support import add_organiser, hidden_fields, login, page_token, register
from sqlalchemy import delete, update

from jnt import waiting_list
from jnt.database import write
from jnt.models import (
    CANCELLED,
    CONFIRMED,
    IN_PERSON,
    REMOTE,
    WAITING,
    AuditEntry,
    ManageToken,
    Organiser,
    OutboxMessage,
    Registration,
    SeatCounter,
    db,
)  # fmt: skip
from jnt.organisers import actions as organiser_actions


@pytest.fixture
def org(app):
    """A logged-in organiser's client; capacity 3: ids 1-3 confirmed, 4-5 waiting, 6 remote."""
    add_organiser(app)
    for n in range(5):
        register(app, n=n, organisation=f"Organisation {n}")
    register(app, n=5, mode="remote", organisation="Préfecture du Rhône", structure_type="sgar", first_name="Éloïse")
    client = app.test_client()
    assert login(client).status_code == 303
    return client


def state(app, registration_id: int):
    with app.app_context():
        r = db.session.get(Registration, registration_id)
        return (r.mode, r.status) if r else None


def audit(app) -> list[tuple]:
    with app.app_context():
        organiser_id = db.session.scalar(db.select(Organiser.id))
        on_people = AuditEntry.registration_id.is_not(None)  # not the entries of logging in and out
        entries = db.session.scalars(db.select(AuditEntry).where(on_people).order_by(AuditEntry.id)).all()
        assert all(e.organiser_id == organiser_id and e.at is not None for e in entries)
        return [(e.action, e.registration_id) for e in entries]


def act(client, registration_id: int, action: str):
    """Open the confirmation step, then confirm it."""
    url = f"/organisateurs/inscriptions/{registration_id}/{action}"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data=hidden_fields(page.text))


def test_dashboard_shows_counts(org):
    text = org.get("/organisateurs/").text
    assert "3 / 3</span> en présentiel" in text
    assert "2</span> en liste d’attente" in text
    assert "1</span> à distance" in text
    assert "6</span> inscriptions au total" in text
    assert "<td>Collectivité territoriale</td><td>5</td>" in text and "<td>SGAR</td><td>1</td>" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "nom3"}, {"personne3@"}),
        ({"q": "rhône"}, {"personne5@"}),
        ({"q": "personne4@example"}, {"personne4@"}),
        ({"q": "camille nom1"}, {"personne1@"}),
        ({"q": "%"}, set()),
        ({"statut": "waiting"}, {"personne3@", "personne4@"}),
        ({"mode": "remote"}, {"personne5@"}),
        ({"mode": "in_person", "statut": "confirmed"}, {"personne0@", "personne1@", "personne2@"}),
    ],
)
def test_dashboard_list_search_and_filters(org, query, expected):
    text = org.get("/organisateurs/", query_string=query).text
    assert {f"personne{n}@" for n in range(6) if f"personne{n}@" in text} == expected


def test_dashboard_list_sort_and_pagination(org, app):
    app.config["ORGANISER_PAGE_SIZE"] = 4
    first = org.get("/organisateurs/?tri=nom").text
    assert first.index("personne0@") < first.index("personne3@") and "personne4@" not in first
    assert "page 1 sur 2" in first and 'href="/organisateurs/?tri=nom&amp;page=2"' in first
    second = org.get("/organisateurs/?tri=nom&page=2").text
    assert "personne4@" in second and "personne5@" in second and "personne0@" not in second
    reverse = org.get("/organisateurs/?tri=-nom").text
    assert reverse.index("personne5@") < reverse.index("personne2@")
    assert org.get("/organisateurs/?tri=nimporte&page=abc&mode=x").status_code == 200


def test_dashboard_htmx_gets_the_list_fragment(org):
    response = org.get("/organisateurs/?q=nom3", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert response.text.lstrip().startswith('<div id="inscriptions"') and "<html" not in response.text
    assert "personne3@" in response.text and "personne1@" not in response.text
    restore = org.get("/organisateurs/?q=nom3", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


@pytest.mark.both_databases
def test_promote_from_waiting_list_when_seat_free(app, org):
    assert act(org, 1, "annuler").status_code == 303  # frees a seat: id 4 gets it automatically
    assert state(app, 4) == (IN_PERSON, CONFIRMED) and state(app, 5) == (IN_PERSON, WAITING)
    app.config["IN_PERSON_CAPACITY"] = 4
    response = act(org, 5, "promouvoir")
    assert response.status_code == 303
    assert state(app, 5) == (IN_PERSON, CONFIRMED)
    assert "a maintenant une place en présentiel" in org.get("/organisateurs/").text
    assert audit(app) == [("annuler", 1), ("promotion-automatique", 4), ("promouvoir", 5)]


@pytest.mark.both_databases
def test_promote_refused_when_no_seat_free(app, org):
    page = org.get("/organisateurs/inscriptions/5/promouvoir")
    assert "Aucune place n’est libre" in page.text and state(app, 5) == (IN_PERSON, WAITING)
    assert "Attribuer la place" not in page.text  # no button for an action that would be refused
    # A POST sent anyway (a page opened while a seat was free) is refused too.
    with app.app_context():
        saw = organiser_actions.seen(db.session.get(Registration, 5))
    org.post("/organisateurs/inscriptions/5/promouvoir", data={"csrf_token": page_token(page.text), "seen": saw})
    assert state(app, 5) == (IN_PERSON, WAITING)
    assert "Aucune place en présentiel n’est libre" in org.get("/organisateurs/").text
    with app.app_context():
        assert db.session.get(SeatCounter, "in_person").taken == 3
    assert audit(app) == []


@pytest.mark.both_databases
def test_move_to_remote_gives_seat_to_next_waiting(app, org):
    act(org, 2, "distanciel")
    assert state(app, 2) == (REMOTE, CONFIRMED) and state(app, 4) == (IN_PERSON, CONFIRMED)
    assert state(app, 5) == (IN_PERSON, WAITING)
    assert audit(app) == [("distanciel", 2), ("promotion-automatique", 4)]


@pytest.mark.both_databases
def test_cancel_keeps_the_registration_as_cancelled(app, org):
    act(org, 6, "annuler")
    assert state(app, 6) == (REMOTE, CANCELLED) and audit(app) == [("annuler", 6)]


def test_audit_entry_of_a_cancelled_registration_never_names_the_next_person(app, org):
    act(org, 6, "annuler")
    assert register(app, n=7) != 6
    assert audit(app) == [("annuler", 6)] and state(app, 6) == (REMOTE, CANCELLED)


def test_action_without_csrf_changes_nothing(app, org):
    response = org.post("/organisateurs/inscriptions/1/annuler")
    assert response.status_code == 400 and state(app, 1) == (IN_PERSON, CONFIRMED)


def test_action_confirmation_step_changes_nothing(app, org):
    page = org.get("/organisateurs/inscriptions/1/annuler")
    assert "Cette action est définitive" in page.text and state(app, 1) == (IN_PERSON, CONFIRMED)
    assert org.get("/organisateurs/inscriptions/99/annuler").status_code == 404


def test_action_no_longer_possible_changes_nothing(app, org):
    page = org.get("/organisateurs/inscriptions/1/promouvoir")
    assert "n’est pas possible" in page.text and "<button" not in page.text.split("<main")[1]  # logout is in the header
    response = org.post("/organisateurs/inscriptions/1/promouvoir", data={"csrf_token": page_token(page.text)})
    assert response.status_code == 409 and state(app, 1) == (IN_PERSON, CONFIRMED) and audit(app) == []


def change(app, registration_id: int, how) -> None:
    """Change a registration outside the organiser's page (its owner, another organiser)."""
    with app.app_context(), write():
        how(db.session.get(Registration, registration_id))


def assert_refused_as_stale(response) -> None:
    assert response.status_code == 409
    assert "Rien n’a été fait" in response.text and "a changé depuis" in response.text


@pytest.mark.both_databases
@pytest.mark.parametrize("forced_reuse", [False, True])
def test_stale_action_page_never_acts_on_the_next_person(app, org, forced_reuse):
    url = "/organisateurs/inscriptions/6/annuler"
    page = org.get(url)
    assert "Éloïse" in page.text
    change(app, 6, waiting_list.cancel)  # cancelled by its owner meanwhile, then someone else registers
    new_id = register(app, n=7, mode="remote", first_name="Nouvelle")
    if forced_reuse:  # what SQLite without AUTOINCREMENT did: the form must still tell them apart
        with app.app_context():
            db.session.execute(delete(Registration).filter_by(id=6))  # purged, as deleted rows once were
            db.session.execute(delete(OutboxMessage).filter_by(registration_id=new_id))
            db.session.execute(delete(ManageToken).filter_by(registration_id=new_id))
            db.session.execute(update(Registration).filter_by(id=new_id).values(id=6))
            db.session.commit()
        new_id = 6
    assert new_id == 6 or not forced_reuse
    assert_refused_as_stale(org.post(url, data=hidden_fields(page.text)))
    assert state(app, new_id) == (REMOTE, CONFIRMED) and audit(app) == []


@pytest.mark.both_databases
def test_action_page_made_stale_by_a_change_is_refused(app, org):
    url = "/organisateurs/inscriptions/1/annuler"
    page = org.get(url)
    change(app, 1, waiting_list.switch_to_remote)  # the person now attends remotely: not what was shown
    assert_refused_as_stale(org.post(url, data=hidden_fields(page.text)))
    assert state(app, 1) == (REMOTE, CONFIRMED) and audit(app) == []
    fresh = org.get(url)
    assert org.post(url, data=hidden_fields(fresh.text)).status_code == 303 and state(app, 1) == (REMOTE, CANCELLED)
