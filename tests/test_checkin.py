"""Check-in on the day and the printable sign-in sheet."""

import pytest
from organisers_support import add_organiser, login, page_token, register

from jnt.models import AuditEntry, Registration, db


@pytest.fixture
def org(make_app):
    """Logged-in organiser; capacity 4: ids 1-4 confirmed in person, 5 waiting, 6 remote."""
    app = make_app(IN_PERSON_CAPACITY=4)
    add_organiser(app)
    for n, last_name in enumerate(["Durand", "Émile", "Faure", "dupont", "Attente"]):
        register(app, n=n, last_name=last_name)
    register(app, n=5, last_name="Distance", mode="remote")
    client = app.test_client()
    login(client)
    client.application = app
    return client


def checked_in(app) -> dict:
    with app.app_context():
        return {r.id: r.checked_in_at is not None for r in db.session.scalars(db.select(Registration))}


def post_mark(client, registration_id: int, mark: str, htmx: bool = False, q: str = ""):
    token = page_token(client.get("/organisateurs/pointage").text)
    headers = {"HX-Request": "true"} if htmx else {}
    url = f"/organisateurs/pointage/{registration_id}/{mark}"
    return client.post(url, data={"csrf_token": token, "q": q}, headers=headers)


def test_checkin_finds_everybody_by_name_marked_as_such(org):
    text = org.get("/organisateurs/pointage").text
    names = ["Attente", "Distance", "dupont", "Durand", "Émile", "Faure"]
    order = [text.index(f"<strong>{n}</strong>") for n in names]
    assert order == sorted(order)
    # Said in words in each row, not only by colour.
    assert "Liste d’attente" in row(text, 5) and "Inscription à distance" in row(text, 6)
    assert "Liste d’attente" not in row(text, 1) and "à distance" not in row(text, 1)
    assert "<strong>0</strong> présent sur <strong>4</strong> attendus" in text


def row(html: str, registration_id: int) -> str:
    """The check-in row of one person."""
    start = html.index(f'<li id="personne-{registration_id}"')
    return html[start : html.index("</li>", start)]


@pytest.mark.parametrize(
    ("q", "found"), [("emile", {"Émile"}), ("DU", {"Durand", "dupont"}), ("camille fau", {"Faure"})]
)
def test_checkin_search_ignores_case_and_accents(org, q, found):
    text = org.get("/organisateurs/pointage", query_string={"q": q}).text
    assert {n for n in ["dupont", "Durand", "Émile", "Faure"] if f"<strong>{n}</strong>" in text} == found


def test_checkin_search_as_you_type_returns_fragment(org):
    response = org.get("/organisateurs/pointage?q=fau", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="resultats">') and "<html" not in response.text
    assert "Faure" in response.text and "Durand" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    full = org.get("/organisateurs/pointage?q=fau")
    assert "<html" in full.text and 'data-hx-trigger="input changed delay:300ms, search"' in full.text


def test_checkin_mark_with_htmx_swaps_row_and_count(org):
    response = post_mark(org, 3, "present", htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<li id="personne-3"') and "Annuler le pointage" in response.text
    assert 'id="compteur"' in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "<strong>1</strong> présent sur <strong>4</strong>" in response.text
    assert checked_in(org.application)[3]


def test_checkin_undo_clears_the_mark(org):
    post_mark(org, 2, "present")
    response = post_mark(org, 2, "absent", htmx=True)
    assert "Enregistrer la présence<span" in response.text and not checked_in(org.application)[2]
    with org.application.app_context():
        on_people = AuditEntry.registration_id.is_not(None)  # not the login's entry
        actions = db.session.scalars(db.select(AuditEntry.action).where(on_people).order_by(AuditEntry.id)).all()
    assert actions == ["pointage", "pointage-annule"]


def test_checkin_without_javascript_redirects_back_to_search(org):
    response = post_mark(org, 1, "present", q="dur")
    assert response.status_code == 303
    assert response.headers["Location"] == "/organisateurs/pointage?q=dur#personne-1"
    assert checked_in(org.application)[1]
    again = post_mark(org, 1, "present")  # a second tap keeps the first time, records nothing more
    assert again.status_code == 303
    with org.application.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "pointage")) == 1


def test_checkin_refuses_unknown_people(org):
    assert post_mark(org, 99, "present").status_code == 404
    assert not any(checked_in(org.application).values())


def test_sign_in_sheet_sorted_by_last_name(org):
    text = org.get("/organisateurs/pointage/emargement").text
    order = [text.index(f"<td>{n}</td>") for n in ["dupont", "Durand", "Émile", "Faure"]]  # expected only
    assert order == sorted(order) and "Attente" not in text and "Distance" not in text
    assert "Liste d’émargement" in text and "Signature" in text
