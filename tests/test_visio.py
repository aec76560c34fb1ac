"""Remote joining: the button on the day, the first join recorded by a POST, what organisers see, the attestation.

The redirect under the CSP in a real Chromium is proven in tests/browser/test_visio_browser.py.
"""

import csv
import html
import io

import openpyxl
import pytest
from mailtools import manage_path, register
from organisers_support import add_organiser, login
from sqlalchemy import select
from support import csrf_token

from jnt.config import ConfigError, parse_instant
from jnt.models import REMOTE, OutboxMessage, Registration, db
from jnt.organisers.exports import HEADER
from jnt.typography import french

VISIO = "https://visio.example.org/salle/jnt-2023"
BEFORE_OPENING = "2023-01-18T08:29:59+01:00"
OPENING = "2023-01-18T08:30:00+01:00"  # 30 minutes before the start
LAST_SECOND = "2023-01-18T17:29:59+01:00"
END = "2023-01-18T17:30:00+01:00"
BUTTON = "Rejoindre la visioconférence</button>"


def set_clock(app, instant: str) -> None:
    app.config["PREVIEW_NOW"] = parse_instant(instant, "PREVIEW_NOW")


def joined_at(app, email: str):
    with app.app_context():
        return db.session.scalar(select(Registration.joined_at).filter_by(email=email))


@pytest.fixture
def remote(make_app):
    """Dominique registered remotely before the day, with VISIO_URL set; returns (app, client, page path)."""
    app = make_app(VISIO_URL=VISIO)
    client = app.test_client()
    assert register(client, email="dominique@example.org", mode=REMOTE).status_code == 303
    return app, client, manage_path(app, "dominique@example.org")


def join(client, path: str, page: str | None = None):
    page = page or client.get(path).text
    return client.post(path + "/visioconference", data={"csrf_token": csrf_token(page)})


def version(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Registration.version).filter_by(email=email))


@pytest.mark.both_databases
@pytest.mark.parametrize("now", [OPENING, LAST_SECOND])
def test_on_the_day_the_button_records_the_first_join_and_leads_to_the_visio(remote, now):
    app, client, path = remote
    set_clock(app, now)
    page = client.get(path)
    assert BUTTON in page.text
    assert "form-action 'self' https://visio.example.org;" in page.headers["Content-Security-Policy"]
    seen = version(app, "dominique@example.org")
    response = join(client, path, page.text)
    assert response.status_code == 303 and response.headers["Location"] == VISIO
    first = joined_at(app, "dominique@example.org")
    assert first is not None
    assert join(client, path).status_code == 303
    assert joined_at(app, "dominique@example.org") == first  # the first join is the one kept
    assert version(app, "dominique@example.org") == seen  # an organiser's open page stays valid


@pytest.mark.parametrize("now", [BEFORE_OPENING, END])
def test_outside_the_window_there_is_no_button_and_a_post_records_nothing(remote, now):
    app, client, path = remote
    set_clock(app, OPENING)
    token = csrf_token(client.get(path).text)
    set_clock(app, now)
    page = client.get(path)
    assert BUTTON not in page.text
    assert page.headers["Content-Security-Policy"].count("form-action 'self';") == 1  # no video host
    response = client.post(path + "/visioconference", data={"csrf_token": token})
    assert response.status_code == 403 and "Visioconférence non disponible" in response.text
    assert joined_at(app, "dominique@example.org") is None


def test_before_the_day_the_page_says_when_the_button_appears(remote):
    _app, client, path = remote
    text = client.get(path).text
    assert BUTTON not in text
    assert "apparaîtra sur cette page le mercredi 18 janvier 2023 à 8h30 (heure de Paris)" in text


def test_a_get_or_a_post_without_csrf_records_nothing(remote):
    app, client, path = remote
    set_clock(app, OPENING)
    assert client.get(path + "/visioconference").status_code == 405  # mail scanners follow links
    assert client.post(path + "/visioconference").status_code == 400
    assert joined_at(app, "dominique@example.org") is None


def test_in_person_attendees_get_no_button(make_app):
    app = make_app(VISIO_URL=VISIO)
    client = app.test_client()
    register(client, email="ann@example.org")
    path = manage_path(app, "ann@example.org")
    token = csrf_token(client.get(path).text)
    set_clock(app, OPENING)
    assert BUTTON not in client.get(path).text
    assert client.post(path + "/visioconference", data={"csrf_token": token}).status_code == 403
    assert joined_at(app, "ann@example.org") is None


def test_without_visio_url_there_is_no_button(make_app):
    app = make_app(PREVIEW_NOW=OPENING)
    client = app.test_client()
    register(client, email="dominique@example.org", mode=REMOTE)
    path = manage_path(app, "dominique@example.org")
    page = client.get(path)
    assert BUTTON not in page.text and "apparaîtra" not in page.text
    assert join(client, path, client.get(path + "/annuler").text).status_code == 403


def test_other_pages_keep_form_action_self_only(remote):
    app, client, path = remote
    set_clock(app, OPENING)
    for url in ("/", "/inscription", path + "/annuler"):
        assert "visio.example.org" not in client.get(url).headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["https://visio.example.org;script-src *", "javascript:alert(1)", "https://u:p@"])
def test_a_visio_url_that_cannot_be_a_csp_source_is_refused(make_app, url):
    with pytest.raises(ConfigError, match="VISIO_URL"):
        make_app(VISIO_URL=url)


def test_organisers_see_who_joined(remote):
    app, client, path = remote
    register(app.test_client(), email="claude@example.org", mode=REMOTE)  # never joins
    set_clock(app, OPENING)
    join(client, path)
    add_organiser(app)
    organiser = app.test_client()
    login(organiser)
    assert '<span class="jnt-counts__value">1 / 2</span> à distance connectées à la visioconférence' in (
        organiser.get("/organisateurs/").text
    )
    column = HEADER.index("Connexion à distance le")
    rows = list(
        csv.reader(io.StringIO(organiser.get("/organisateurs/export.csv").data.decode("utf-8-sig")), delimiter=";")
    )
    by_email = {row[2]: row[column] for row in rows[1:]}
    assert by_email["claude@example.org"] == ""
    assert by_email["dominique@example.org"] != ""
    book = openpyxl.load_workbook(io.BytesIO(organiser.get("/organisateurs/export.xlsx").data))
    sheet = list(book.active.values)
    assert sheet[0][column] == "Connexion à distance le"
    values = {row[2]: row[column] for row in sheet[1:]}
    assert values["claude@example.org"] is None and values["dominique@example.org"] is not None


def test_a_remote_attendee_who_joined_gets_an_attestation(remote):
    app, client, path = remote
    set_clock(app, OPENING)
    join(client, path)
    set_clock(app, END)
    page = client.get(path).text
    assert "Télécharger mon attestation de présence" in page
    response = client.get(path + "/attestation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_remote_attendee_who_never_joined_is_told_why_there_is_none(remote):
    app, client, path = remote
    set_clock(app, END)
    page = client.get(path).text
    assert "Aucune connexion à la visioconférence n’a été enregistrée à votre nom" in page
    assert client.get(path + "/attestation.pdf").status_code == 403


def test_remote_e_mails_send_people_to_the_button_that_records_their_presence(remote, make_app):
    """The raw link records nothing (no attestation): the e-mails say to join by the page's button."""
    app, _client, _path = remote
    in_person = app.test_client()
    assert register(in_person, email="ines@example.org").status_code == 303
    with app.app_context():
        rows = {row.recipient: row for row in db.session.scalars(select(OutboxMessage))}
    remote_mail, seated_mail = rows["dominique@example.org"], rows["ines@example.org"]
    for body in (remote_mail.body_text, html.unescape(remote_mail.body_html)):
        assert french("par le bouton « Rejoindre la visioconférence » de votre page d’inscription") in body
    assert "Rejoindre la visioconférence" not in seated_mail.body_text
