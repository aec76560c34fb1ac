"""Writing a message in Chromium: the chosen segment's count follows the radio buttons (htmx), then preview and send."""

import pytest
from organisers_support import add_organiser, log_in_browser, register
from playwright.sync_api import expect
from server import Gunicorn
from sqlalchemy import select

from jnt.models import Broadcast, OutboxMessage, db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_count_follows_the_segment_then_the_message_is_queued_once(tmp_path, make_app, browser):
    app = make_app(IN_PERSON_CAPACITY=1)
    add_organiser(app)
    for n in range(3):
        register(app, n=n)  # one seat: one confirmed in person, two on the waiting list
    settings = {"IN_PERSON_CAPACITY": 1, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with Gunicorn(tmp_path, settings, workers=1) as server:
        context = browser.new_context()
        page = context.new_page()
        log_in_browser(page, server.url)
        page.wait_for_url(server.url + "/organisateurs/")
        page.get_by_role("link", name="Messages").click()
        status = page.locator("#destinataires")
        expect(status).to_contain_text("3 personnes")
        page.locator("label[for=segment-attente]").click()
        expect(status).to_contain_text("2 personnes")  # swapped in place by htmx: no reload
        expect(page).to_have_url(server.url + "/organisateurs/messages")
        page.get_by_label("Objet").fill("Liste d’attente")
        page.locator("#body").fill("Des places pourraient se libérer.\n\n<b>À bientôt</b>")
        page.get_by_role("button", name="Vérifier avant l’envoi").click()
        expect(page.locator(".jnt-mail-preview")).to_contain_text("<b>À bientôt</b>")
        page.get_by_role("button", name="Envoyer à 2 personnes").click()
        expect(page.locator(".fr-alert--success")).to_have_text("Message mis en file d’envoi pour 2 personnes.")
        context.close()
    with app.app_context():
        queued = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.broadcast_id.is_not(None)))
        assert sorted(queued) == ["personne1@example.org", "personne2@example.org"]
        # The text went through the preview's hidden field and came back with its blank line.
        assert (
            db.session.scalars(select(Broadcast.body)).one() == "Des places pourraient se libérer.\n\n<b>À bientôt</b>"
        )
