"""Every form of the site works over HTTPS, posted as a browser would (Referer as the page's policy allows)."""

import oidc_provider
import pytest
from browsing import Browser, referrer
from mailtools import OFFER, PROOF, manage_path, outbox_rows
from organisers_support import EMAIL, PASSWORD, add_organiser, register
from sqlalchemy import select
from support import valid_registration

from jnt.config import parse_instant
from jnt.models import CANCELLED, REMOTE, Registration, db

REGISTRATION_FORMS = {"registration.submit"}
MANAGEMENT_FORMS = {"manage.switch", "manage.cancel"}
# The address proven by the e-mailed link's button; details corrected; the place handed to a colleague.
PROOF_FORMS = {"registration.prove"}
DETAIL_FORMS = {"manage.edit", "handover.offer", "handover.accept_page"}
JOIN_FORMS = {"manage.join"}
ORGANISER_FORMS = {
    "organisers.auth.authenticate",
    "organisers.auth.logout",
    "organisers.actions.perform",
    "organisers.checkin.toggle",
    "organisers.walk_ins.add",
    "organisers.messages.preview",
    "organisers.messages.send",
}
PROCONNECT_FORMS = {"organisers.proconnect.start"}


def browser(app) -> Browser:
    return Browser(app, app.response_class, use_cookies=True)


def endpoints(app, browser: Browser) -> set[str]:
    """The endpoints the browser posted to."""
    adapter = app.url_map.bind("localhost")
    return {adapter.match(path, method="POST")[0] for path in browser.posted}


def registered(app, email: str) -> str:
    """Register through the form over HTTPS; returns the private link's path from the e-mail."""
    visitor = browser(app)
    visitor.get("/inscription")
    assert visitor.submit("/inscription", valid_registration(email=email)).status_code == 303
    return manage_path(app, email)


def people(app) -> dict[str, tuple[str, str]]:
    """Live registrations (a cancelled one is kept until purge)."""
    with app.app_context():
        live = select(Registration).where(Registration.status != CANCELLED)
        return {r.email: (r.mode, r.status) for r in db.session.scalars(live)}


def test_every_post_route_has_its_https_test(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted == (
        REGISTRATION_FORMS
        | MANAGEMENT_FORMS
        | PROOF_FORMS
        | DETAIL_FORMS
        | JOIN_FORMS
        | ORGANISER_FORMS
        | PROCONNECT_FORMS
    )


def test_registration_forms_over_https(app):
    plain = browser(app)
    plain.get("/inscription")
    assert plain.submit("/inscription", valid_registration(email="a@example.org")).status_code == 303
    assert plain.get("/inscription/confirmation").status_code == 200
    htmx = browser(app)
    htmx.get("/inscription")
    response = htmx.submit("/inscription", valid_registration(email="b@example.org"), htmx=True)
    assert response.status_code == 200 and "HX-Push-Url" in response.headers
    again = browser(app)
    again.get("/inscription")
    assert again.submit("/inscription", valid_registration(email="a@example.org")).status_code == 409
    assert set(people(app)) == {"a@example.org", "b@example.org"}
    assert endpoints(app, plain) | endpoints(app, htmx) | endpoints(app, again) == REGISTRATION_FORMS


def test_management_forms_over_https(app):
    """Switch twice and cancel from the private link: the page's referrer policy must let its forms through."""
    path = registered(app, "ann@example.org")
    visitor = browser(app)
    visitor.get(path)
    assert visitor.submit("/mode").status_code == 303
    assert people(app)["ann@example.org"][0] == REMOTE
    visitor.get(path)
    assert visitor.submit("/mode").status_code == 303
    assert people(app)["ann@example.org"][0] != REMOTE
    visitor.get(path + "/annuler")
    response = visitor.submit("/annuler")
    assert response.status_code == 303 and response.headers["Location"] == "/inscription/annulee"
    assert people(app) == {}
    assert endpoints(app, visitor) == MANAGEMENT_FORMS


def test_proof_details_and_handover_forms_over_https(make_app):
    """The e-mailed link's button, then correcting one's details and handing the place over, as a browser posts them."""
    app = make_app(REQUIRE_EMAIL_CONFIRMATION=True)
    visitor = browser(app)
    visitor.get("/inscription")
    assert visitor.submit("/inscription", valid_registration(email="ann@example.org")).status_code == 200
    proof = PROOF.search(outbox_rows(app)[-1].body_text).group(0)
    visitor.get(proof[proof.index("/inscription/") :])
    assert visitor.submit("/confirmer/").status_code == 303
    path = manage_path(app, "ann@example.org")
    visitor.get(path + "/modifier")
    assert visitor.submit("/modifier", {"job_title": "Cheffe de projet"}).status_code == 303
    visitor.get(path)
    assert visitor.submit("/ceder", {"email": "bea@example.org"}).status_code == 303
    offer = OFFER.search(outbox_rows(app)[-1].body_text).group(0)
    colleague = browser(app)
    colleague.get(offer[offer.index("/inscription/") :])
    fields = ("organisation", "structure_type", "job_title", "consent")
    details = {"first_name": "Béa", "last_name": "Martin", **{k: valid_registration()[k] for k in fields}}
    assert colleague.submit("/ceder/", details).status_code == 303
    assert set(people(app)) == {"bea@example.org"}
    assert endpoints(app, visitor) | endpoints(app, colleague) == REGISTRATION_FORMS | PROOF_FORMS | DETAIL_FORMS


def test_join_form_over_https(make_app):
    """On the day, the remote attendee's "Rejoindre la visioconférence" goes through the referrer check."""
    app = make_app(VISIO_URL="https://visio.example.org/jnt")
    visitor = browser(app)
    visitor.get("/inscription")
    assert visitor.submit("/inscription", valid_registration(email="dom@example.org", mode=REMOTE)).status_code == 303
    path = manage_path(app, "dom@example.org")
    app.config["PREVIEW_NOW"] = parse_instant("2023-01-18T08:30:00+01:00", "PREVIEW_NOW")
    visitor.get(path)
    response = visitor.submit("/visioconference")
    assert response.status_code == 303 and response.headers["Location"] == "https://visio.example.org/jnt"
    with app.app_context():
        assert db.session.scalar(select(Registration.joined_at)) is not None
    assert endpoints(app, visitor) == REGISTRATION_FORMS | JOIN_FORMS


def test_management_pages_never_send_their_address_as_referrer(app):
    """Whatever the page asks of the browser, the token never leaves in a Referer, to this site or another."""
    path = registered(app, "ann@example.org")
    token = path.split("/")[3]
    visitor = browser(app)
    for page in (path, path + "/annuler"):
        visitor.get(page)
        for target in ("https://localhost/static/css/jnt.css", "https://localhost" + page, "https://autre.example/"):
            sent = referrer(visitor.policy, visitor.page_url, target)
            assert sent is None or token not in sent, (page, target, sent)


def test_https_form_post_from_another_site_is_still_refused(app):
    """The referrer check stays on: a post whose Referer names another site is refused."""
    visitor = browser(app)
    visitor.get(registered(app, "ann@example.org"))
    form = next(f for f in visitor.page.forms if f["action"].endswith("/mode"))
    forged = visitor.post(form["action"], data=form["fields"], headers={"Referer": "https://autre.example/"})
    assert forged.status_code == 400
    assert people(app)["ann@example.org"][0] != REMOTE


@pytest.fixture
def crowd(make_app):
    """One seat: Ann holds it, Bob and Chloé wait; an organiser account."""
    app = make_app(IN_PERSON_CAPACITY=1)
    ids = [register(app, n=n, last_name=name) for n, name in enumerate(["Ann", "Bob", "Chloe"])]
    add_organiser(app)
    return app, ids


def test_organiser_forms_over_https(crowd):
    app, (ann, bob, chloe) = crowd
    organiser = browser(app)
    organiser.get("/organisateurs/connexion")
    response = organiser.submit("/connexion", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/organisateurs/"
    assert organiser.get("/organisateurs/", query_string={"q": "Bob", "tri": "nom"}).status_code == 200
    for export in ("/organisateurs/export.csv", "/organisateurs/export.xlsx"):
        assert organiser.get(export).status_code == 200
    organiser.get("/organisateurs/")
    # The venue gains a seat, so Chloé's promotion can go through (a page for a promotion that would be
    # refused has no form to send); then Ann goes remote (Bob gets her seat) and Bob cancels.
    app.config["IN_PERSON_CAPACITY"] = 2
    for registration_id, action in ((chloe, "promouvoir"), (ann, "distanciel"), (bob, "annuler")):
        organiser.get(f"/organisateurs/inscriptions/{registration_id}/{action}")
        assert organiser.submit(f"/{action}").status_code == 303, action
    assert organiser.get("/organisateurs/").status_code == 200
    for htmx in (False, True):
        organiser.get("/organisateurs/pointage")
        response = organiser.submit(f"/pointage/{chloe}/present", htmx=htmx)
        assert response.status_code == (200 if htmx else 303)
        organiser.get("/organisateurs/pointage")
        response = organiser.submit(f"/pointage/{chloe}/absent", htmx=htmx)
        assert response.status_code == (200 if htmx else 303)
    # A walk-in on the last free seat, then one more: refused, and added by the explicit override.
    walk_in = {"first_name": "Dan", "last_name": "Dupuis", "organisation": "Mairie"}
    organiser.get("/organisateurs/pointage/sur-place")
    assert organiser.submit("/sur-place", walk_in).status_code == 303
    organiser.get("/organisateurs/pointage/sur-place")
    assert organiser.submit("/sur-place", {**walk_in, "last_name": "Durel"}).status_code == 200
    assert organiser.submit("/sur-place", {"beyond_capacity": "oui"}).status_code == 303
    with app.app_context():
        added = db.session.scalars(select(Registration).filter_by(walk_in=True).order_by(Registration.id)).all()
        assert [(r.last_name, r.over_capacity) for r in added] == [("Dupuis", False), ("Durel", True)]
    # A message to everybody: the preview, then the send.
    organiser.get("/organisateurs/messages")
    preview = organiser.submit("/apercu", {"subject": "Salle", "body": "Salle B.", "segment": "tous"})
    assert preview.status_code == 200
    assert organiser.submit("/envoi").status_code == 303
    organiser.get("/organisateurs/")
    response = organiser.submit("/deconnexion")
    assert response.status_code == 303 and response.headers["Location"] == "/organisateurs/connexion"
    assert organiser.get("/organisateurs/").status_code == 303  # logged out
    assert endpoints(app, organiser) == ORGANISER_FORMS


def test_proconnect_button_over_https(make_app):
    """The button's form passes the CSRF and referrer checks over HTTPS and leads to the provider."""
    with oidc_provider.running() as provider:
        app = make_app(**provider.settings())
        visitor = browser(app)
        visitor.get("/organisateurs/connexion")
        response = visitor.submit("/connexion/proconnect")
        assert response.status_code == 303
        assert response.headers["Location"].startswith(provider.url + "/oauth2/authorize?")
        assert endpoints(app, visitor) == PROCONNECT_FORMS
