"""A person to write to, and legal pages with what the law asks (RGPD articles 13-14, RGAA model)."""

import re

import pytest
from mailtools import manage_path
from mailtools import register as register_in_browser
from organisers_support import register
from site_pages import PUBLIC_PAGES
from support import CONTACT_EMAIL

from jnt.config import EXAMPLE_CONTACT_EMAIL, ConfigError
from jnt.models import OutboxMessage, db

PUBLIC = "https://jnt.example.gouv.fr"


@pytest.fixture
def client(read_only_client):
    """These tests only read pages: they share one app."""
    return read_only_client


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_page_shows_the_contact_address(client, url):
    assert f'<a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a>' in client.get(url).text


def test_privacy_notice_has_what_articles_13_and_14_ask(make_app):
    settings = {
        "DATA_CONTROLLER": "Organisme responsable, 1 rue Exemple, 75000 Paris",
        "DPO_CONTACT": "dpd@example.net",
        "LEGAL_HOSTING": "Hébergeur Exemple, 2 rue Exemple, 75000 Paris",
        "MAIL_PROVIDER": "Routeur Exemple",
    }
    text = make_app(**settings).test_client().get("/donnees-personnelles").text
    for value in settings.values():
        assert value in text
    for required in (
        "mission d’intérêt public",  # legal basis
        "supprimées 90 jours après",  # retention
        "droit d’accès, de rectification, d’effacement, de limitation du traitement et d’opposition",
        "CNIL",
        "article 9",  # accessibility needs may be health data
        f"mailto:{CONTACT_EMAIL}",
        # What the attendee journey and the organisers' tools added: each said where it is kept.
        "confirmiez votre adresse e-mail",  # forms waiting for the address's proof
        "vous propose sa place",  # a place handed over to a colleague
        "venue sans inscription",  # walk-ins added at the door
        "messages des équipes organisatrices",  # organisers' messages to registrants
        "corriger, de céder à un collègue et d’annuler",  # the management page's rights
    ):
        assert required in text, required


def test_privacy_notice_says_what_is_not_yet_filled_in(client):
    text = client.get("/donnees-personnelles").text
    assert text.count("pas encore renseigné par l’exploitant du site") == 4


def test_accessibility_statement_follows_the_rgaa_model(make_app):
    text = make_app(ACCESSIBILITY_STATEMENT_DATE="2026-11-30").test_client().get("/accessibilite").text
    for required in (
        "non conforme",
        "établie le 30 novembre 2026",
        "Technologies utilisées",
        "Environnement de test",
        f"mailto:{CONTACT_EMAIL}",
        "Défenseur des droits",
    ):
        assert required in text


def test_form_says_the_needs_field_may_reveal_health_data(client):
    text = client.get("/inscription").text
    assert "ce dont vous aurez besoin sur place" in text and "votre santé" in text


def test_every_e_mail_says_where_to_write_and_never_shows_the_needs(app):
    register(app, n=1, accessibility_needs="Boucle magnétique")
    with app.app_context():
        messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert messages
    for m in messages:
        assert "ne pas y répondre" not in m.body_text + m.body_html
        assert CONTACT_EMAIL in m.body_text and f"mailto:{CONTACT_EMAIL}" in m.body_html
        assert "Boucle magnétique" not in m.body_text + m.body_html + m.subject


def test_example_contact_refused_in_production(make_app):
    with pytest.raises(ConfigError, match="CONTACT_EMAIL"):
        make_app(PUBLIC_URL=PUBLIC, CONTACT_EMAIL=EXAMPLE_CONTACT_EMAIL)
    # On this machine (loopback), the example value is fine: `make run` works as is.
    assert make_app(CONTACT_EMAIL=EXAMPLE_CONTACT_EMAIL).config["CONTACT_EMAIL"] == EXAMPLE_CONTACT_EMAIL


def test_contact_must_be_an_address(make_app):
    with pytest.raises(ConfigError, match="CONTACT_EMAIL"):
        make_app(CONTACT_EMAIL="organisateurs")


def test_check_config_warns_about_unset_legal_mentions_in_production(make_app):
    app = make_app(PUBLIC_URL=PUBLIC)
    result = app.test_cli_runner().invoke(args=["check-config"])
    assert result.exit_code == 0, result.output
    for name in ("LEGAL_PUBLISHER", "LEGAL_HOSTING", "DATA_CONTROLLER", "DPO_CONTACT"):
        assert f"Attention : {name} non renseigné" in result.output
    local = make_app().test_cli_runner().invoke(args=["check-config"])
    assert "Attention" not in local.output


def test_needs_are_echoed_on_the_person_s_own_pages_only(app):
    browser = app.test_client()
    register_in_browser(browser, email="ines@example.org", accessibility_needs="Boucle magnétique")
    confirmation = browser.get("/inscription/confirmation")
    assert "Besoins d’accessibilité" in confirmation.text and "Boucle magnétique" in confirmation.text
    assert "Boucle magnétique" in browser.get(manage_path(app, "ines@example.org")).text


def test_html_e_mails_are_styled_inline_in_a_table_layout(app):
    register(app, n=2)
    with app.app_context():
        html = db.session.scalars(db.select(OutboxMessage.body_html)).first()
    assert "<style" not in html  # mail clients drop style blocks: everything is inline
    assert 'role="presentation"' in html and "max-width: 600px" in html
    assert "font-family: Marianne, Arial, Helvetica, sans-serif" in html
    assert 'style="color: #000091' in html  # links in the DSFR's blue France


def test_footer_follows_the_dsfr_of_the_vendored_version(client):
    text = client.get("/").text
    for site in ("info.gouv.fr", "service-public.gouv.fr", "legifrance.gouv.fr", "data.gouv.fr"):
        assert f'target="_blank" rel="noopener" href="https://www.{site}" title="{site} – nouvelle fenêtre"' in text
    assert "Sauf mention explicite de propriété intellectuelle détenue par des tiers" in text


def test_calendar_download_links_say_format_and_size(client):
    text = client.get("/").text
    assert re.search(r'class="fr-link fr-link--download" href="/evenement.ics" download>Ajouter à mon agenda '
                     r'<span class="fr-link__detail">ICS – \d+ ko</span>', text)  # fmt: skip
