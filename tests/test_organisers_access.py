"""Organisers' area: access control and roles, login, private headers (sessions and login limits: their own files)."""

import pytest
from itsdangerous import TimestampSigner
from organisers_support import EMAIL, PASSWORD, add_organiser, login, page_token, register
from support import csrf_token

from jnt.models import AuditEntry, Role, db

LOGIN = "/organisateurs/connexion"
# The way in (password and ProConnect) and out of ProConnect: reachable without a session.
OPEN_ENDPOINTS = {
    "organisers.auth.login",
    "organisers.auth.authenticate",
    "organisers.proconnect.start",
    "organisers.proconnect.callback",
    "organisers.proconnect.logged_out",
}
# What a volunteer at the door (role `accueil`) may use; any other organiser URL, present or added later,
# must refuse them.
ACCUEIL_ENDPOINTS = {
    "organisers.checkin.index",
    "organisers.checkin.toggle",
    "organisers.checkin.sheet",
    "organisers.checkin.arrivals_count",
    "organisers.walk_ins.form",
    "organisers.walk_ins.add",
    "organisers.auth.logout",
}
ACCUEIL = "accueil@example.org"


def organiser_rules(app):
    """Every rule under /organisateurs/ but the open ones."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/organisateurs") and rule.endpoint not in OPEN_ENDPOINTS
    ]


def organiser_requests(app, endpoints=False):
    """Every (method, url) under /organisateurs/ but the open ones, with sample arguments (and the endpoint)."""
    samples = {"registration_id": 1, "action": "promouvoir", "mark": "present"}
    for rule in organiser_rules(app):
        # A sample for each argument a route has, or a default ("1") for ones added later.
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **{name: samples.get(name, "1") for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield (rule.endpoint, method, url) if endpoints else (method, url)


def undeclared(app) -> list[str]:
    """Organiser endpoints whose view declares no role."""
    return [
        rule.endpoint
        for rule in organiser_rules(app)
        if getattr(app.view_functions[rule.endpoint], "required_role", None) not in set(Role)
    ]


def let_through(app, client) -> list[tuple[str, str, int]]:
    """Every organiser request outside the accueil role that this client (an accueil account) is not refused."""
    wrong = []
    for endpoint, method, url in organiser_requests(app, endpoints=True):
        if endpoint in ACCUEIL_ENDPOINTS:
            continue
        response = client.open(url, method=method)
        if response.status_code != 403 or "Accès refusé" not in response.text or "accueil" not in response.text:
            wrong.append((method, url, response.status_code))
        assert "Secretville" not in response.text and "personne1@" not in response.text
    return wrong


def accueil_client(app):
    """A client logged in as an accueil account, CSRF checks off from then on (so that the role check itself,
    not the CSRF check, must refuse the POSTs)."""
    register(app, n=1, organisation="Mairie de Secretville")
    add_organiser(app, email=ACCUEIL, role="accueil")
    client = app.test_client()
    assert login(client, email=ACCUEIL).headers["Location"] == "/organisateurs/pointage"
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def test_every_organiser_view_declares_its_role(app):
    assert undeclared(app) == []


def test_accueil_role_refused_everywhere_outside_check_in(app):
    client = accueil_client(app)
    assert let_through(app, client) == []
    assert len(list(organiser_requests(app))) - len(ACCUEIL_ENDPOINTS) >= 5  # dashboard, actions, exports...
    with app.app_context():  # nothing was done to the registration
        assert db.session.scalars(db.select(AuditEntry).where(AuditEntry.registration_id == 1)).all() == []
    for url in ("/organisateurs/pointage", "/organisateurs/pointage/emargement"):
        assert client.get(url).status_code == 200, url


def test_a_route_added_without_a_role_is_caught(app):
    # As another part of the site might add one: a plain view under /organisateurs/.
    app.add_url_rule("/organisateurs/nouvelle-page", "organisers.nouvelle_page", lambda: "Secrets du jour")
    assert undeclared(app) == ["organisers.nouvelle_page"]
    assert let_through(app, accueil_client(app)) == [("GET", "/organisateurs/nouvelle-page", 200)]


def test_accueil_menu_shows_only_what_it_may_use(app):
    add_organiser(app, email=ACCUEIL, role="accueil")
    add_organiser(app)
    volunteer, organiser = app.test_client(), app.test_client()
    login(volunteer, email=ACCUEIL)
    login(organiser)
    door = volunteer.get("/organisateurs/pointage").text
    assert 'href="/organisateurs/pointage"' in door and 'href="/organisateurs/pointage/emargement"' in door
    assert 'href="/organisateurs/"' not in door and "Inscriptions</a>" not in door
    assert 'href="/organisateurs/"' in organiser.get("/organisateurs/pointage").text


def test_accueil_login_lands_on_check_in_even_when_asked_for_the_dashboard(app):
    add_organiser(app, email=ACCUEIL, role="accueil")
    client = app.test_client()
    page = client.get(LOGIN, query_string={"suivant": "/organisateurs/?q=x"})
    data = {"csrf_token": csrf_token(page.text), "email": ACCUEIL, "password": PASSWORD, "next": "/organisateurs/?q=x"}
    assert client.post(LOGIN, data=data).headers["Location"] == "/organisateurs/pointage"


def test_accueil_sees_the_accessibility_needs_of_people_at_the_door(app):
    register(app, n=1, accessibility_needs="Boucle magnétique <b>svp</b>")
    add_organiser(app, email=ACCUEIL, role="accueil")
    client = app.test_client()
    login(client, email=ACCUEIL)
    page = client.get("/organisateurs/pointage", query_string={"q": "Nom1"}).text
    assert "Besoins d’accessibilité" in page and "Boucle magnétique &lt;b&gt;svp&lt;/b&gt;" in page
    # Not on the sheet the attendees sign, where the others would read it.
    assert "Boucle" not in client.get("/organisateurs/pointage/emargement").text


def test_role_change_applies_at_the_next_request(app):
    add_organiser(app)
    client = app.test_client()
    login(client)
    assert client.get("/organisateurs/").status_code == 200
    result = app.test_cli_runner().invoke(args=["organiser", "role", EMAIL, "accueil"])
    assert result.exit_code == 0, result.output
    assert client.get("/organisateurs/").status_code == 403
    app.test_cli_runner().invoke(args=["organiser", "role", EMAIL, "organisation"])
    assert client.get("/organisateurs/").status_code == 200


def test_organiser_urls_refuse_anonymous_visitors(make_app):
    # CSRF off, so the guard itself (not the CSRF check) must refuse the POSTs too.
    app = make_app(WTF_CSRF_ENABLED=False)
    register(app, n=1, organisation="Mairie de Secretville")
    client = app.test_client()
    seen = list(organiser_requests(app))
    assert len(seen) >= 8  # dashboard, actions, exports, check-in, sheet, logout...
    for method, url in seen:
        response = client.open(url, method=method)
        assert response.status_code == 303, (method, url)
        assert response.headers["Location"].startswith(LOGIN), (method, url)
        assert b"Secretville" not in response.data and b"personne1@" not in response.data
        assert response.headers["Cache-Control"] == "no-store"
        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith(LOGIN), (method, url)
        assert htmx.data == b""


def test_organiser_urls_refuse_removed_account(app):
    add_organiser(app)
    client = app.test_client()
    assert login(client).status_code == 303
    assert client.get("/organisateurs/").status_code == 200
    app.test_cli_runner().invoke(args=["organiser", "remove", EMAIL])
    response = client.get("/organisateurs/")
    assert response.status_code == 303 and response.headers["Location"].startswith(LOGIN)


def test_login_message_same_for_unknown_account_and_wrong_password(app):
    add_organiser(app)
    client = app.test_client()
    wrong = login(client, password="pas le bon mot de passe")
    unknown = login(client, email="inconnu@example.org")
    assert wrong.status_code == unknown.status_code == 401
    message = "Adresse e-mail ou mot de passe incorrect."
    assert message in wrong.text and message in unknown.text
    assert client.get("/organisateurs/").status_code == 303


def test_login_without_csrf_token_refused(app):
    add_organiser(app)
    client = app.test_client()
    response = client.post(LOGIN, data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/organisateurs/").status_code == 303


def test_login_then_logout_closes_session(app):
    add_organiser(app)
    client = app.test_client()
    response = login(client)
    assert response.status_code == 303 and response.headers["Location"] == "/organisateurs/"
    page = client.get("/organisateurs/")
    assert page.status_code == 200 and "Inscriptions" in page.text
    assert client.post("/organisateurs/deconnexion", data={"csrf_token": page_token(page.text)}).status_code == 303
    assert client.get("/organisateurs/").status_code == 303


def test_login_redirects_only_inside_organisers_area(app):
    add_organiser(app)
    client = app.test_client()
    page = client.get(LOGIN, query_string={"suivant": "https://ailleurs.example/organisateurs/"})
    data = {"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD, "next": "//ailleurs.example/"}
    assert client.post(LOGIN, data=data).headers["Location"] == "/organisateurs/"
    client = app.test_client()
    response = client.get("/organisateurs/pointage?q=du")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert 'value="/organisateurs/pointage?q=du"' in page.text  # the login form carries the way back
    back = "/organisateurs/pointage?q=du"
    data = {"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD, "next": back}
    assert client.post(LOGIN, data=data).headers["Location"] == back


def test_session_expires_after_lifetime(make_app, monkeypatch):
    app = make_app(PERMANENT_SESSION_LIFETIME=600)
    add_organiser(app)
    client = app.test_client()
    login(client)
    assert client.get("/organisateurs/").status_code == 200
    # Eleven minutes later (as seen by the signature check), the cookie is refused.
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 660)
    response = client.get("/organisateurs/")
    assert response.status_code == 303 and response.headers["Location"].startswith(LOGIN)


@pytest.mark.parametrize("url", ["/organisateurs/", "/organisateurs/pointage", "/organisateurs/export.csv"])
def test_organiser_responses_not_stored_nor_indexed(app, url):
    add_organiser(app)
    client = app.test_client()
    login(client)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    if response.mimetype == "text/html":
        assert '<meta name="robots" content="noindex, nofollow">' in response.text


def test_login_page_not_indexed(client):
    response = client.get(LOGIN)
    assert response.status_code == 200 and "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
