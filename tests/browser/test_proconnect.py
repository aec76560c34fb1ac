"""In Chromium, under the site's CSP: the ProConnect button, the provider's page, back in; out through the provider."""

import re

import oidc_provider
import pytest
from organisers_support import add_organiser
from server import Gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENT = "camille.agent@example.gouv.fr"
SUB = "sub-camille-0001"
# Reported by the page itself, so nothing is missed (console wording differs between versions).
REPORT_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation',"
    " e => console.log('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI))"
)


@pytest.fixture(scope="module")
def provider():
    with oidc_provider.running() as running:
        yield running


@pytest.fixture
def site(tmp_path, make_app, provider):
    """The site under gunicorn, ProConnect set up, with one allowed agent; PUBLIC_URL is the server's address."""
    app = make_app(**provider.settings())
    add_organiser(app, email=AGENT, proconnect=True)
    server = Gunicorn(
        tmp_path, {**provider.settings(), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    server.env["JNT_PUBLIC_URL"] = server.url  # the provider sends the browser back there
    with server:
        yield server


def through_provider(page, site, provider, sub: str) -> None:
    """From the login page, press the button and sign in as `sub` on the provider's page."""
    page.goto(site.url + "/organisateurs/connexion")
    page.get_by_role("button", name=re.compile(r"S’identifier avec\s+ProConnect")).click()
    page.wait_for_url(re.compile(re.escape(provider.url) + r"/oauth2/authorize\?"))
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()


def test_agent_signs_in_and_out_through_proconnect_under_the_csp(site, provider, browser):
    provider.set_user(SUB, email=AGENT, given_name="Camille", usual_name="Agent")
    page = browser.new_page()  # a plain context: the CSP applies
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(REPORT_VIOLATIONS)
    through_provider(page, site, provider, SUB)
    page.wait_for_url(site.url + "/organisateurs/")
    assert page.get_by_role("link", name="Inscriptions").is_visible()
    # Logout: a POST redirected to the provider's end-session page, which the CSP's form-action lets through.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(provider.url) + r"/oauth2/end_session\?"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(site.url + "/organisateurs/connexion")
    assert page.get_by_text("déconnecté de l’espace organisateurs et de ProConnect").is_visible()
    page.goto(site.url + "/organisateurs/")
    assert page.url.startswith(site.url + "/organisateurs/connexion")
    assert [m for m in console if "CSP-VIOLATION" in m or "Content Security Policy" in m] == []


def test_agent_not_on_the_list_is_refused(site, provider, browser):
    provider.set_user("sub-stranger", email="inconnu@example.gouv.fr")
    page = browser.new_page()
    through_provider(page, site, provider, "sub-stranger")
    page.wait_for_url(re.compile(re.escape(site.url) + r"/organisateurs/connexion/proconnect/retour\?"))
    assert page.get_by_role("alert").inner_text().startswith("Votre compte ProConnect n’est pas sur la liste")
    page.goto(site.url + "/organisateurs/")
    assert page.url.startswith(site.url + "/organisateurs/connexion")
