"""The organisers' journey in a real Chromium, phone-sized: log in, search, check someone in."""

import pytest
from organisers_support import EMAIL, PASSWORD, add_organiser, register
from playwright.sync_api import expect
from server import Gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def phone(tmp_path, make_app, browser):
    """A logged-out phone-sized page, and the server (two workers) with three attendees."""
    app = make_app(IN_PERSON_CAPACITY=3)
    add_organiser(app)
    for n, last_name in enumerate(["Lefèvre", "Martin", "Nguyen"]):
        register(app, n=n, last_name=last_name, organisation="Conseil départemental de l’Hérault")
    register(app, n=3, last_name="Attente")
    settings = {"IN_PERSON_CAPACITY": 3, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with Gunicorn(tmp_path, settings, workers=2) as server:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        yield context.new_page(), server.url
        context.close()


def test_organiser_logs_in_searches_and_checks_in_from_phone(phone):
    page, url = phone
    page.goto(url + "/organisateurs/pointage")
    expect(page).to_have_url(url + "/organisateurs/connexion?suivant=/organisateurs/pointage?")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Pointage des présents")
    expect(page.locator("#compteur")).to_contain_text("0 présent sur 3 attendus")

    page.fill("#q", "lefev")  # typed without the accent
    rows = page.locator("#resultats li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lefèvre")
    expect(page).to_have_url(url + "/organisateurs/pointage?q=lefev")
    page.locator("#resultats li button").tap()
    expect(rows.first).to_contain_text("Présence enregistrée à")
    expect(page.locator("#compteur")).to_contain_text("1 présent sur 3 attendus")
    expect(page).to_have_url(url + "/organisateurs/pointage?q=lefev")  # swapped in place, no reload

    page.locator("#resultats li button", has_text="Annuler le pointage").tap()
    expect(page.locator("#compteur")).to_contain_text("0 présent sur 3 attendus")
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_dashboard_list_updates_in_place_while_typing(phone):
    page, url = phone
    page.goto(url + "/organisateurs/connexion")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#inscriptions")).to_contain_text("4 inscriptions")
    page.fill("#q", "nguyen")
    expect(page.locator("#inscriptions")).to_contain_text("1 inscription correspondant aux critères")
    # The address is the one the form gives without JavaScript: it can be bookmarked or shared.
    expect(page).to_have_url(url + "/organisateurs/?q=nguyen&mode=&statut=&tri=-date")
    page.select_option("#filtre-statut", "waiting")
    expect(page.locator("#inscriptions")).to_contain_text("Aucune inscription ne correspond")
    page.go_back()
    expect(page.locator("#inscriptions")).to_contain_text("1 inscription correspondant aux critères")
