"""The typography checker over everything the site shows or sends: zero faults.

Pages in each state (open, closed, after the day; form errors, confirmation, waiting list,
duplicate), their htmx fragments, the management pages, the organisers' pages, every kind
of e-mail (subject, text and HTML) and the calendar files.
"""

import html
import re

import icalendar
import pytest
from mailtools import manage_path, outbox_rows
from mailtools import register as register_in_browser
from organisers_support import add_organiser, login, page_token
from site_pages import FRAGMENTS, PUBLIC_PAGES
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, PROMOTION_CLOSED_NOW, form_fields, valid_registration
from typography_check import faults, visible_text

from jnt.mail import broadcasts
from jnt.models import Broadcast, Registration, db

AFTER_THE_DAY = "2023-01-19T10:00:00+01:00"
HTMX = {"HX-Request": "true"}


def check(what: str, text: str) -> list[str]:
    return [f"{what} — {fault}" for fault in faults(text)]


def pages(client, urls, headers=None) -> list[str]:
    found = []
    for url in urls:
        response = client.get(url, headers=headers or {})
        found += check(url, visible_text(response.text))
    return found


@pytest.mark.parametrize(
    "now", [None, IN_PERSON_CLOSED_NOW, CLOSED_NOW, AFTER_THE_DAY], ids=["ouvert", "distance", "clos", "après"]
)
def test_public_pages_and_fragments(make_app, now):
    app = make_app(**({"PREVIEW_NOW": now} if now else {}))
    client = app.test_client()
    found = pages(client, PUBLIC_PAGES) + pages(client, FRAGMENTS, HTMX)
    assert found == [], "\n".join(found)


def test_registration_journey_and_e_mails(make_app):
    app = make_app(IN_PERSON_CAPACITY=1)
    found = []
    for headers in ({}, HTMX):
        client = app.test_client()
        form = client.get("/inscription").text
        invalid = client.post("/inscription", data={**form_fields(form), "email": "pas-une-adresse"}, headers=headers)
        found += check("formulaire en erreur", visible_text(invalid.text))
    ann, bob, again = app.test_client(), app.test_client(), app.test_client()
    register_in_browser(ann, email="ann@example.org")
    register_in_browser(bob, email="bob@example.org")  # waiting list
    found += pages(ann, ["/inscription/confirmation"]) + pages(bob, ["/inscription/confirmation"])
    ann_page = manage_path(app, "ann@example.org")
    found += pages(ann, [ann_page, ann_page + "/annuler", ann_page + "/modifier"])
    offered = ann.post(
        ann_page + "/ceder", data={"csrf_token": page_token(ann.get(ann_page).text), "email": "x@example.org"}
    )
    found += check("place proposée", visible_text(ann.get(offered.headers["Location"]).text))
    [offer] = [r for r in outbox_rows(app) if r.dedupe_key.startswith("handover-offer:")]
    found += check("e-mail de proposition", offer.subject + "\n" + offer.body_text)
    found += check("e-mail de proposition (HTML)", visible_text(offer.body_html))
    offer_page = "/inscription/ceder/" + offer.body_text.split("/inscription/ceder/")[1].split()[0]
    colleague = app.test_client()
    found += pages(colleague, [offer_page])
    refused = colleague.post(offer_page, data={"csrf_token": page_token(colleague.get(offer_page).text)})
    found += check("place proposée en erreur", visible_text(refused.text))
    edit_token = page_token(ann.get(ann_page + "/modifier").text)
    refused = ann.post(ann_page + "/modifier", data={"csrf_token": edit_token, "first_name": ""})
    found += check("modification en erreur", visible_text(refused.text))
    # Ann goes remote: Bob is promoted (promotion e-mail), Ann sees the flash message.
    token = page_token(ann.get(ann_page).text)
    switched = ann.post(ann_page + "/mode", data={"csrf_token": token, "mode": "remote"}, follow_redirects=True)
    assert "Vous participerez à distance" in switched.text
    found += check("après changement de mode", visible_text(switched.text))
    duplicate = register_in_browser(again, email="bob@example.org")
    found += check("adresse déjà inscrite", visible_text(duplicate.text))
    app.test_cli_runner().invoke(args=["send-reminders"])
    for row in outbox_rows(app):
        found += check(f"e-mail {row.dedupe_key} (objet)", row.subject)
        found += check(f"e-mail {row.dedupe_key} (texte)", row.body_text)
        found += check(f"e-mail {row.dedupe_key} (HTML)", visible_text(row.body_html))
        if row.ics:
            found += calendar_faults(row.dedupe_key, row.ics)
    kinds = {row.dedupe_key.split(":")[0] for row in outbox_rows(app)}
    assert kinds >= {"confirmation", "promotion", "reminder", "mode"}
    # Cancelling (last): the e-mail that says so.
    cancel_token = page_token(ann.get(ann_page + "/annuler").text)
    cancelled = ann.post(ann_page + "/annuler", data={"csrf_token": cancel_token}, follow_redirects=True)
    found += check("après annulation", visible_text(cancelled.text))
    for row in outbox_rows(app):
        if row.dedupe_key.startswith("cancellation:"):
            found += check("e-mail d’annulation (texte)", row.subject + "\n" + row.body_text)
            found += check("e-mail d’annulation (HTML)", visible_text(row.body_html))
    assert found == [], "\n".join(found)


def calendar_faults(what: str, ics: str | bytes) -> list[str]:
    found = []
    for event in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            if name in event:
                found += check(f"agenda {what} {name}", str(event[name]))
    return found


def test_calendar_files(read_only_client):
    assert calendar_faults("public", read_only_client.get("/evenement.ics").data) == []


def test_organiser_pages(make_app):
    app = make_app(IN_PERSON_CAPACITY=1)
    add_organiser(app)
    for email in ("ann@example.org", "bob@example.org"):
        register_in_browser(app.test_client(), email=email)
    client = app.test_client()
    found = pages(client, ["/organisateurs/connexion"])
    refused = login(client, password="pas le bon mot de passe")
    found += check("connexion refusée", visible_text(refused.text))
    login(client)
    with app.app_context():
        ids = [r.id for r in db.session.scalars(db.select(Registration).order_by(Registration.id))]
    urls = ["/organisateurs/", "/organisateurs/pointage", "/organisateurs/pointage/emargement"]
    urls += ["/organisateurs/pointage/sur-place", "/organisateurs/pointage/arrivees"]
    urls += [f"/organisateurs/inscriptions/{ids[1]}/{action}" for action in ("promouvoir", "distanciel", "annuler")]
    fragments = ["/organisateurs/", "/organisateurs/pointage", "/organisateurs/pointage/arrivees"]
    found += pages(client, urls) + pages(client, fragments, HTMX)
    token = page_token(client.get("/organisateurs/pointage").text)
    marked = client.post(f"/organisateurs/pointage/{ids[0]}/present", data={"csrf_token": token}, headers=HTMX)
    found += check("pointage", visible_text(marked.text))
    # The one seat is taken: checking in the waiting person offers the override, with and without htmx.
    for headers in (HTMX, {}):
        no_seat = client.post(f"/organisateurs/pointage/{ids[1]}/present", data={"csrf_token": token}, headers=headers)
        found += check("pointage sans place", visible_text(no_seat.text))
    walk_in = {"csrf_token": token, "first_name": "Paul", "last_name": "Passant", "organisation": "Mairie"}
    for data in ({"csrf_token": token}, walk_in, {**walk_in, "email": "ann@example.org"}):
        refused = client.post("/organisateurs/pointage/sur-place", data=data)
        found += check("ajout sur place refusé", visible_text(refused.text))
    client.post("/organisateurs/pointage/sur-place", data={**walk_in, "beyond_capacity": "oui"})
    beyond = client.post(f"/organisateurs/pointage/{ids[1]}/hors-jauge", data={"csrf_token": token}, headers=HTMX)
    found += check("pointage hors jauge", visible_text(beyond.text))
    found += pages(client, ["/organisateurs/", "/organisateurs/pointage", "/organisateurs/pointage/arrivees"])
    found += message_pages(app, client)
    # With ProConnect set up: its button on the login page, its paragraph in the privacy notice.
    issuer = {"OIDC_ISSUER": "https://proconnect.example.invalid", "OIDC_CLIENT_ID": "i", "OIDC_CLIENT_SECRET": "s"}
    proconnect = make_app(**issuer).test_client()
    found += pages(proconnect, ["/organisateurs/connexion", "/donnees-personnelles"])
    assert found == [], "\n".join(found)


def message_pages(app, client) -> list[str]:
    """The messages' pages (writing, thank-you, count, error, preview, after sending) and the e-mails they queue."""
    app.config.update(REPLAY_URL="https://exemple.org/video", SURVEY_URL="https://exemple.org/avis")
    urls = ["/organisateurs/messages", "/organisateurs/messages/remerciement"]
    found = pages(client, urls) + pages(client, ["/organisateurs/messages?segment=presents"], HTMX)
    page = client.get("/organisateurs/messages/remerciement").text
    base = {"csrf_token": page_token(page), "kind": "remerciement", "segment": "presents"}
    body = re.search(r"<textarea[^>]*>([^<]*)</textarea>", page).group(1)
    data = {**base, "subject": "Merci pour votre participation", "body": html.unescape(body)}
    invalid = client.post("/organisateurs/messages/apercu", data={**data, "subject": ""})
    found += check("message en erreur", visible_text(invalid.text))
    shown = client.post("/organisateurs/messages/apercu", data=data)
    found += check("aperçu du message", visible_text(shown.text))
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', shown.text)
    fields = {name: html.unescape(value) for name, value in hidden}
    sent = client.post("/organisateurs/messages/envoi", data={**base, **data, **fields}, follow_redirects=True)
    assert re.search(r"Message mis en file d’envoi pour \d+ personnes?\.", sent.text)
    found += check("message envoyé", visible_text(sent.text))
    with app.app_context():
        broadcast = db.session.scalars(db.select(Broadcast)).one()
        text, body_html = broadcasts.render(broadcast, "Ann", "https://exemple.org/g", "https://exemple.org/a")
    return (
        found
        + check("e-mail remerciement (texte)", text)
        + check("e-mail remerciement (HTML)", visible_text(body_html))
    )


def test_error_pages(client):
    found = pages(client, ["/page-qui-n-existe-pas"])
    no_csrf = client.post("/inscription", data=valid_registration())
    found += check("jeton CSRF absent", visible_text(no_csrf.text))
    assert found == [], "\n".join(found)


def test_late_form(make_app):
    app = make_app()
    client = app.test_client()
    form = client.get("/inscription").text
    app.config["PREVIEW_NOW"] = make_app(PREVIEW_NOW=CLOSED_NOW).config["PREVIEW_NOW"]
    late = client.post("/inscription", data={**form_fields(form), **valid_registration()})
    assert late.status_code == 403
    assert check("formulaire envoyé trop tard", visible_text(late.text)) == []


def test_remote_only_period(make_app):
    """After the in-person deadline: the refused in-person form, the remote attendee's page, the dashboard."""
    app = make_app(IN_PERSON_CAPACITY=1)
    add_organiser(app)
    ann, bob, carl = app.test_client(), app.test_client(), app.test_client()
    register_in_browser(ann, email="ann@example.org")
    register_in_browser(bob, email="bob@example.org")  # waiting list
    register_in_browser(carl, email="carl@example.org", mode="remote")
    app.config["PREVIEW_NOW"] = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW).config["PREVIEW_NOW"]
    late = app.test_client()
    fields = form_fields(late.get("/inscription").text)
    refused = late.post("/inscription", data={**fields, **valid_registration(email="dan@example.org")})
    assert refused.status_code == 403
    found = check("présentiel refusé", visible_text(refused.text))
    app.config["VISIO_URL"] = "https://visio.example.org/jnt"
    found += pages(carl, [manage_path(app, "carl@example.org")])  # « apparaîtra … le 18 janvier à 8h30 »
    app.config["PREVIEW_NOW"] = make_app(PREVIEW_NOW="2023-01-18T08:30:00+01:00").config["PREVIEW_NOW"]
    day = carl.get(manage_path(app, "carl@example.org")).text
    assert "Rejoindre la visioconférence" in day
    found += check("bouton de la visioconférence", visible_text(day))
    app.config["PREVIEW_NOW"] = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW).config["PREVIEW_NOW"]
    app.config["PREVIEW_NOW"] = make_app(PREVIEW_NOW=PROMOTION_CLOSED_NOW).config["PREVIEW_NOW"]
    ann_page = manage_path(app, "ann@example.org")
    found += pages(ann, [ann_page, ann_page + "/annuler"])
    ann.post(ann_page + "/annuler", data={"csrf_token": page_token(ann.get(ann_page + "/annuler").text)})
    organiser = app.test_client()
    login(organiser)
    dashboard = organiser.get("/organisateurs/").text
    assert "à attribuer" in dashboard
    found += check("tableau de bord, place à attribuer", visible_text(dashboard))
    assert found == [], "\n".join(found)


def test_address_proof_pages_and_e_mail(make_app):
    app = make_app(REQUIRE_EMAIL_CONFIRMATION=True, IN_PERSON_CAPACITY=0)
    found = []
    for headers in ({}, HTMX):
        client = app.test_client()
        fields = form_fields(client.get("/inscription").text)
        sent = client.post("/inscription", data={**fields, **valid_registration()}, headers=headers)
        found += check("vérifiez votre boîte", visible_text(sent.text))
    [row] = outbox_rows(app)
    found += check("e-mail proof (objet)", row.subject) + check("e-mail proof (texte)", row.body_text)
    found += check("e-mail proof (HTML)", visible_text(row.body_html))
    path = row.body_text.split("/inscription/confirmer/")[1].split()[0]
    found += pages(app.test_client(), [f"/inscription/confirmer/{path}", "/inscription/confirmer/" + "x" * 43])
    assert found == [], "\n".join(found)
