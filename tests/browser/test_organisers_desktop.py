"""The organisers' list on an ordinary 1280 px office screen: every action within reach."""

import pytest
from organisers_support import add_organiser, log_in_browser, register
from server import Gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = {
    "first_name": "Marie-Françoise",
    "organisation": "Communauté d’agglomération du Grand Exemple et des communes associées",
    "job_title": "Cheffe de projet transformation numérique des territoires",
}


@pytest.fixture
def desktop(tmp_path, make_app, browser):
    """A logged-in 1280 × 800 page over long names, organisations and addresses; one person waits."""
    app = make_app(IN_PERSON_CAPACITY=2)
    add_organiser(app)
    for n in range(3):
        email = f"prenom.nom-compose{n}@communaute-agglomeration-grand-exemple.example.org"
        register(app, n=n, last_name=f"Dupont-Lajoie-Martinez{n}", email=email, **LONG)
    settings = {"IN_PERSON_CAPACITY": 2, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with Gunicorn(tmp_path, settings, workers=1) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        log_in_browser(page, server.url)
        page.goto(server.url + "/organisateurs/?tri=nom")
        yield page
        context.close()


def test_every_action_is_inside_a_1280_px_screen_without_scrolling(desktop):
    links = desktop.locator("#inscriptions .jnt-actions a")
    assert links.count() == 3 + 3 + 1  # « Annuler » and « Passer à distance » each, « Promouvoir » once
    for link in links.all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, link.inner_text()
    # Not merely reachable by scrolling the table's own container.
    container = desktop.locator("#inscriptions .fr-table__container")
    assert container.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_waiting_list_rank_is_a_column(desktop):
    headers = desktop.locator("#inscriptions thead th").all_inner_texts()
    rank = headers.index("Rang en liste d’attente")
    waiting_row = desktop.locator("#inscriptions tbody tr", has_text="Martinez2")
    assert waiting_row.locator("td, th").nth(rank).inner_text() == "1"
