"""Organisers' sign-in with ProConnect, against a real OpenID provider on loopback (tests/oidc_provider.py)."""

import logging
from urllib.parse import parse_qsl, urlsplit

import oidc_provider
import pytest
from organisers_support import add_organiser, page_token
from support import csrf_token

from jnt.config import ConfigError
from jnt.models import AuditEntry, Organiser, OrganiserSession, db

AGENT = "camille.agent@example.gouv.fr"
SUB = "sub-camille-0001"
LOGIN = "/organisateurs/connexion"
SCOPE = "openid email given_name usual_name"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider.running() as running:
        yield running


@pytest.fixture
def pc_app(make_app, provider):
    provider.userinfo_jwt, provider.forge_userinfo = True, False
    provider.authorize_requests.clear()
    provider.userinfo_types.clear()
    provider.token_auth.clear()
    return make_app(**provider.settings())


def local(url: str) -> str:
    """The path and query of an absolute URL on the site (PUBLIC_URL), for the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:5000", url
    return f"{parts.path}?{parts.query}"


def start(client, next_page: str = ""):
    """Press the ProConnect button on the login page; the provider's authorization URL it leads to."""
    page = client.get(LOGIN)
    response = client.post(LOGIN + "/proconnect", data={"csrf_token": csrf_token(page.text), "next": next_page})
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def sign_in(client, provider, sub: str = SUB, email: str = AGENT, next_page: str = ""):
    """The whole round trip: button, the provider's page, back to the site; the site's last answer."""
    provider.set_user(sub, email=email, given_name="Camille", usual_name="Agent")
    back = provider.authorize(start(client, next_page), sub)
    return client.get(local(back))


def stored(app, model, *where):
    with app.app_context():
        return db.session.scalars(db.select(model).where(*where)).all()


def test_allowed_agent_gets_in_and_is_bound_to_the_sub(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    response = sign_in(client, provider)
    assert response.status_code == 303 and response.headers["Location"] == "/organisateurs/"
    assert client.get("/organisateurs/").status_code == 200
    assert provider.userinfo_types == ["application/jwt"]  # ProConnect's form, checked with the provider's key
    assert provider.token_auth == ["body"]  # the secret in the token request's body, as ProConnect documents
    [account] = stored(pc_app, Organiser)
    assert account.oidc_sub == SUB
    [row] = stored(pc_app, OrganiserSession)
    assert row.id_token and row.id_token.count(".") == 2  # kept for the logout, on the server only
    actions = [(e.action, e.detail) for e in stored(pc_app, AuditEntry)]
    assert ("compte-lie-proconnect", "") in actions and ("connexion", "ProConnect") in actions


def test_json_userinfo_is_read_too(pc_app, provider):
    provider.userinfo_jwt = False
    add_organiser(pc_app, email=AGENT, proconnect=True, role="accueil")
    client = pc_app.test_client()
    response = sign_in(client, provider, next_page="/organisateurs/pointage/emargement")
    assert response.headers["Location"] == "/organisateurs/pointage/emargement"
    assert provider.userinfo_types == ["application/json"]


def test_userinfo_jwt_not_signed_by_the_provider_is_refused(pc_app, provider):
    provider.forge_userinfo = True
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    assert sign_in(client, provider).status_code == 400
    assert client.get("/organisateurs/").status_code == 303 and stored(pc_app, OrganiserSession) == []


def test_only_parameters_proconnect_accepts_are_sent(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    authorize = start(pc_app.test_client())
    query = dict(parse_qsl(urlsplit(authorize).query))
    assert set(query) <= oidc_provider.ACCEPTED
    assert query["scope"] == SCOPE and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://127.0.0.1:5000/organisateurs/connexion/proconnect/retour"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert oidc_provider.CLIENT_SECRET not in authorize


@pytest.mark.parametrize(
    ("email", "how"),
    [
        ("inconnu@example.gouv.fr", "not on the list"),
        ("orga@example.org", "a password account"),
        (AGENT, "a removed account"),
    ],
)
def test_agents_not_allowed_are_refused(pc_app, provider, email, how):
    add_organiser(pc_app)  # a password account: ProConnect does not open it
    add_organiser(pc_app, email=AGENT, proconnect=True)
    pc_app.test_cli_runner().invoke(args=["organiser", "remove", AGENT])
    client = pc_app.test_client()
    response = sign_in(client, provider, sub=f"sub-{how}", email=email)
    assert response.status_code == 403, how
    assert "pas sur la liste des organisateurs" in response.text
    assert client.get("/organisateurs/").status_code == 303
    assert stored(pc_app, OrganiserSession) == []
    assert [a.oidc_sub for a in stored(pc_app, Organiser)] == [None, None]


def test_the_sub_decides_after_the_first_sign_in(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    assert sign_in(pc_app.test_client(), provider).status_code == 303
    # Another identity with the same e-mail (another identity provider, a reused address): refused.
    intruder = pc_app.test_client()
    assert sign_in(intruder, provider, sub="sub-someone-else", email=AGENT).status_code == 403
    assert intruder.get("/organisateurs/").status_code == 303
    # The bound agent whose e-mail changed at their provider: still them.
    again = pc_app.test_client()
    assert sign_in(again, provider, email="c.agent@nouveau.example.gouv.fr").status_code == 303
    assert again.get("/organisateurs/").status_code == 200


def test_tampered_state_is_refused(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    provider.set_user(SUB, email=AGENT)
    back = provider.authorize(start(client), SUB)
    parts = urlsplit(back)
    query = dict(parse_qsl(parts.query))
    response = client.get(f"{parts.path}?code={query['code']}&state={'x' * 43}")
    assert response.status_code == 400 and "ProConnect n’a pas abouti" in response.text
    assert client.get("/organisateurs/").status_code == 303
    # The right state, but in another browser (no state in its session): refused too.
    other = pc_app.test_client()
    assert other.get(local(back)).status_code == 400 and other.get("/organisateurs/").status_code == 303


def test_only_the_latest_press_of_the_button_is_valid(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    provider.set_user(SUB, email=AGENT)
    client = pc_app.test_client()
    first = start(client)
    for _ in range(30):  # abandoned attempts do not grow the cookie
        latest = start(client)
    assert len(client.get_cookie(pc_app.config["SESSION_COOKIE_NAME"]).value) < 1000
    assert client.get(local(provider.authorize(first, SUB))).status_code == 400
    assert client.get(local(provider.authorize(latest, SUB))).status_code == 303


def test_tampered_nonce_is_refused(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    provider.set_user(SUB, email=AGENT)
    authorize = start(client)
    parts = urlsplit(authorize)
    query = dict(parse_qsl(parts.query))
    query["nonce"] = "n" * 43  # the ID token then carries a nonce this browser never asked for
    forged = parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()
    response = client.get(local(provider.authorize(forged, SUB)))
    assert response.status_code == 400
    assert client.get("/organisateurs/").status_code == 303 and stored(pc_app, OrganiserSession) == []


def test_provider_errors_and_garbage_get_a_french_page(pc_app, provider):
    client = pc_app.test_client()
    start(client)
    for query in ("error=access_denied&state=abc", "code=x&state=y", "", "code=%00&state=%ff"):
        response = client.get(LOGIN + "/proconnect/retour?" + query)
        assert response.status_code == 400, query
        assert "ProConnect n’a pas abouti" in response.text


def test_logout_ends_the_proconnect_session(pc_app, provider):
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    sign_in(client, provider)
    [row] = stored(pc_app, OrganiserSession)
    page = client.get("/organisateurs/")
    response = client.post("/organisateurs/deconnexion", data={"csrf_token": page_token(page.text)})
    assert response.status_code == 303
    end_session = response.headers["Location"]
    assert end_session.startswith(provider.url + "/oauth2/end_session?")
    query = dict(parse_qsl(urlsplit(end_session).query))
    assert query["id_token_hint"] == row.id_token and len(query["state"]) >= 32
    assert query["post_logout_redirect_uri"] == "http://127.0.0.1:5000/organisateurs/deconnexion/proconnect"
    assert stored(pc_app, OrganiserSession) == []  # ended here first, whatever the provider does
    back = client.get(local(provider.end_session(end_session)))
    assert back.status_code == 303 and back.headers["Location"] == LOGIN
    assert "déconnecté de l’espace organisateurs et de ProConnect" in client.get(LOGIN).text
    # A forged return (wrong state) says nothing.
    again = client.get("/organisateurs/deconnexion/proconnect?state=" + query["state"])
    assert again.status_code == 303 and "ProConnect" not in client.get(LOGIN).text.split("<main")[1].split("</h1>")[0]


def test_password_logout_does_not_go_to_proconnect(pc_app):
    add_organiser(pc_app)
    client = pc_app.test_client()
    page = client.get(LOGIN)
    data = {"csrf_token": csrf_token(page.text), "email": "orga@example.org", "password": "un mot de passe assez long"}
    assert client.post(LOGIN, data=data).status_code == 303
    page = client.get("/organisateurs/")
    response = client.post("/organisateurs/deconnexion", data={"csrf_token": page_token(page.text)})
    assert response.headers["Location"] == LOGIN


def test_client_secret_never_logged_nor_shown(pc_app, provider, caplog):
    caplog.set_level(logging.DEBUG)
    add_organiser(pc_app, email=AGENT, proconnect=True)
    client = pc_app.test_client()
    sign_in(client, provider)
    sign_in(pc_app.test_client(), provider, sub="sub-x", email="x@example.gouv.fr")
    client.get(LOGIN + "/proconnect/retour?code=x&state=y")
    output = pc_app.test_cli_runner().invoke(args=["check-config"]).output
    assert "OIDC_CLIENT_SECRET" in output
    assert oidc_provider.CLIENT_SECRET not in caplog.text + output


def test_login_page_offers_the_button_only_when_set_up(pc_app, app):
    page = pc_app.test_client().get(LOGIN).text
    assert "S’identifier avec" in page and "ProConnect</span>" in page and "css/proconnect" in page
    assert 'href="https://www.proconnect.gouv.fr/"' in page
    plain = app.test_client().get(LOGIN).text
    assert "ProConnect" not in plain and "css/proconnect" not in plain
    client = app.test_client()
    token = csrf_token(client.get(LOGIN).text)
    assert client.post(LOGIN + "/proconnect", data={"csrf_token": token}).status_code == 404
    assert client.get(LOGIN + "/proconnect/retour?code=x&state=y").status_code == 404


def test_provider_down_gives_a_french_page(make_app):
    from server import free_port

    app = make_app(OIDC_ISSUER=f"http://localhost:{free_port()}", OIDC_CLIENT_ID="i", OIDC_CLIENT_SECRET="s")
    client = app.test_client()
    response = client.post(LOGIN + "/proconnect", data={"csrf_token": csrf_token(client.get(LOGIN).text)})
    assert response.status_code == 502 and "ProConnect n’a pas abouti" in response.text


def test_logout_after_proconnect_was_unset_stays_local(make_app, provider):
    app = make_app(**provider.settings())
    add_organiser(app, email=AGENT, proconnect=True)
    client = app.test_client()
    sign_in(client, provider)
    # The same browser, after a restart of the site without ProConnect.
    plain_client = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    plain_client.set_cookie(name, client.get_cookie(name).value)
    page = plain_client.get("/organisateurs/")
    response = plain_client.post("/organisateurs/deconnexion", data={"csrf_token": page_token(page.text)})
    assert response.status_code == 303 and response.headers["Location"] == LOGIN
    assert stored(app, OrganiserSession) == []


def test_csp_lets_forms_lead_to_proconnect_only_when_set_up(pc_app, app, provider):
    assert f"form-action 'self' {provider.url};" in pc_app.test_client().get(LOGIN).headers["Content-Security-Policy"]
    assert "form-action 'self';" in app.test_client().get(LOGIN).headers["Content-Security-Policy"]


def test_privacy_notice_names_proconnect_when_set_up(pc_app, app):
    notice = pc_app.test_client().get("/donnees-personnelles").text
    assert "ProConnect" in notice and "DINUM" in notice
    assert "ProConnect" not in app.test_client().get("/donnees-personnelles").text


@pytest.mark.parametrize("given", [{"OIDC_ISSUER": "https://proconnect.example"}, {"OIDC_CLIENT_SECRET": "s3cr3t-xyz"}])
def test_partial_settings_refused_without_quoting_the_secret(make_app, given):
    with pytest.raises(ConfigError) as refused:
        make_app(**given)
    assert "OIDC_CLIENT_ID" in str(refused.value) and "s3cr3t-xyz" not in str(refused.value)
