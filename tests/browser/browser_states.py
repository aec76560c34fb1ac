"""Every public page and every state of the form, as (name, server configuration, how to reach it).

Adding a page or a state later is one entry here: the accessibility (axe) and layout
(360 px, 200 % zoom) tests run on each entry.
"""

import uuid

from site_pages import PUBLIC_PAGES


def unique_email(prefix: str = "camille") -> str:
    """An address no other test uses (the servers are shared by the session)."""
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


def fill_registration(page, email: str, mode: str = "in_person") -> None:
    """Fill the registration form with valid values, as a visitor would."""
    page.get_by_label("Prénom").fill("Camille")
    page.locator("#last_name").fill("Martin")  # "Nom" is also part of the label "Prénom"
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Organisation").fill("Commune de Lyon")
    page.get_by_label("Type de structure").select_option("collectivite")
    page.get_by_label("Fonction").fill("Cheffe de projet numérique")
    # DSFR draws radios and checkboxes on their labels: click the label, as a visitor does.
    radio_id = page.locator(f"input[name=mode][value={mode}]").get_attribute("id")
    page.locator(f"label[for={radio_id}]").click()
    page.locator("label[for=consent]").click()
    assert page.locator("#consent").is_checked()


def submit(page) -> None:
    """Send the form and wait until htmx (or the browser) has shown the answer."""
    page.get_by_role("button", name="Confirmer mon inscription").click()
    page.wait_for_load_state()
    page.wait_for_function("!document.querySelector('.htmx-request')")


def _page(path):
    return lambda page, url: page.goto(url + path)


def _errors(page, url):
    page.goto(url + "/inscription")
    submit(page)
    page.locator(".fr-alert--error").wait_for()


def _success(mode):
    def reach(page, url):
        page.goto(url + "/inscription")
        fill_registration(page, unique_email(), mode)
        submit(page)
        page.locator("#inscription .fr-alert").wait_for()

    return reach


ORGANISER_EMAIL = "orga@example.org"
PROCONNECT = {
    "OIDC_ISSUER": "https://proconnect.example.invalid/api/v2",
    "OIDC_CLIENT_ID": "jnt",
    "OIDC_CLIENT_SECRET": "un-secret-de-test",
}
ORGANISER_PASSWORD = "un mot de passe assez long"


def _organiser(path):
    """Log in as the organiser the conftest creates on each server, then open `path`."""

    def reach(page, url):
        page.goto(url + "/organisateurs/connexion")
        page.locator("#email").fill(ORGANISER_EMAIL)
        page.locator("#password").fill(ORGANISER_PASSWORD)
        page.locator("#connexion-mot-de-passe button[type=submit]").click()
        page.wait_for_url(url + "/organisateurs/")
        page.goto(url + path)

    return reach


def _walk_in_refused(page, url):
    """The walk-in form sent while every seat is taken: the override is offered (the "full" server)."""
    _organiser("/organisateurs/pointage/sur-place")(page, url)
    page.locator("#first_name").fill("Paul")
    page.locator("#last_name").fill("Passant")
    page.locator("#organisation").fill("Mairie")
    page.locator("#sur-place-ajouter").click()
    page.locator("#sur-place-hors-jauge").wait_for()


def _message_preview(page, url):
    """Write a message as an organiser and ask for its preview (a POST answer: no URL to open)."""
    _organiser("/organisateurs/messages")(page, url)
    page.get_by_label("Objet").fill("Changement de salle")
    page.locator("#body").fill("La plénière a lieu en salle B.\n\nÀ bientôt.")
    page.get_by_role("button", name="Vérifier avant l’envoi").click()
    page.get_by_role("heading", name="Vérifier avant l’envoi").wait_for()


def _manage(suffix="", mode="in_person"):
    """Register, then open the private management page (link read from the outbox e-mail)."""

    def reach(page, url):
        address = unique_email("gestion")
        page.goto(url + "/inscription")
        fill_registration(page, address, mode)
        submit(page)
        page.goto(url + MANAGE_LINKS[url](address) + suffix)

    return reach


def _proof_page(page, url):
    """Send the form with the address proof on, then open the confirmation link e-mailed."""
    address = unique_email("preuve")
    page.goto(url + "/inscription")
    fill_registration(page, address)
    submit(page)
    page.goto(url + PROOF_LINKS[url](address))


def _handover_page(page, url):
    """Register, offer the place to a colleague from the management page, then open the colleague's link."""
    address, colleague = unique_email("cede"), unique_email("collegue")
    page.goto(url + "/inscription")
    fill_registration(page, address)
    submit(page)
    page.goto(url + MANAGE_LINKS[url](address))
    page.get_by_label("Adresse e-mail de votre collègue").fill(colleague)
    page.get_by_role("button", name="Proposer ma place").click()
    page.locator(".fr-alert--success").wait_for()
    page.goto(url + OFFER_LINKS[url](colleague))


# Filled by the conftest: base URL -> function(e-mail) giving that person's management (or confirmation) path.
MANAGE_LINKS = {}
PROOF_LINKS = {}
OFFER_LINKS = {}

# name -> (server configuration, reach(page, base_url))
STATES = {
    **{f"page {p}": ("open", _page(p)) for p in PUBLIC_PAGES},
    "form empty": ("open", _page("/inscription")),
    "form with errors": ("open", _errors),
    "form success in person": ("open", _success("in_person")),
    "form success remote": ("open", _success("remote")),
    "event page closed": ("closed", _page("/")),
    "form closed": ("closed", _page("/inscription")),
    "event page full": ("full", _page("/")),
    "form full": ("full", _page("/inscription")),
    "form full waiting list": ("full", _success("in_person")),
    "event page remote only": ("remote-only", _page("/")),
    "form remote only": ("remote-only", _page("/inscription")),
    "form remote only success": ("remote-only", _success("remote")),
    "form check inbox": ("proof", _success("in_person")),
    "proof confirmation page": ("proof", _proof_page),
    "manage registration": ("open", _manage()),
    "manage remote registration on the day": ("day", _manage(mode="remote")),
    "manage cancel confirmation": ("open", _manage("/annuler")),
    "manage edit details": ("open", _manage("/modifier")),
    "handover accept page": ("open", _handover_page),
    "organiser login": ("open", _page("/organisateurs/connexion")),
    "organiser login with ProConnect": ("proconnect", _page("/organisateurs/connexion")),
    "privacy notice with ProConnect": ("proconnect", _page("/donnees-personnelles")),
    "organiser dashboard": ("open", _organiser("/organisateurs/")),
    "organiser dashboard filtered": ("open", _organiser("/organisateurs/?mode=in_person&statut=waiting&q=a")),
    "organiser check-in": ("open", _organiser("/organisateurs/pointage")),
    "organiser sign-in sheet": ("open", _organiser("/organisateurs/pointage/emargement")),
    "organiser walk-in form": ("open", _organiser("/organisateurs/pointage/sur-place")),
    "organiser walk-in no seat": ("full", _walk_in_refused),
    "organiser arrivals": ("open", _organiser("/organisateurs/pointage/arrivees")),
    "organiser messages": ("open", _organiser("/organisateurs/messages")),
    "organiser thank-you message": ("open", _organiser("/organisateurs/messages/remerciement")),
    "organiser message preview": ("open", _message_preview),
}
