"""In Chromium, under the site's real CSP: "Rejoindre la visioconférence" (a POST) ends on the video host.

Chromium holds the redirect after a form's POST to the page's form-action; the management page
allows the video host there. The control serves the same page with the site-wide policy
(form-action 'self' only): Chromium then refuses the redirect, which is why the page needs it.
"""

import contextlib
import http.server
import sqlite3
import threading

import requests
from playwright.sync_api import expect
from server import Gunicorn, free_port
from support import form_fields, valid_registration

from browser.conftest import management_path
from jnt.security import CSP

OPENING = "2023-01-18T08:30:00+01:00"  # 30 minutes before the start: the button is there
# Two sync workers: Chromium may open a spare connection it leaves idle, which holds one worker
# (Playwright's route.fetch in the control then needs the other).
REPORT_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation',"
    " e => console.log('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI))"
)


class VisioRoom:
    """A stand-in for the video service: another origin (another port) that notes the paths asked for."""

    def __init__(self):
        self.paths: list[str] = []
        room = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                room.paths.append(self.path)
                body = "<!doctype html><title>Salle de visioconférence</title><p>Bienvenue</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> "VisioRoom":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def register_remote(server: Gunicorn, email: str) -> str:
    """Register remotely through the real form (no browser needed); returns the management path."""
    session = requests.Session()
    fields = form_fields(session.get(server.url + "/inscription", timeout=30).text)
    data = {**valid_registration(email=email, mode="remote"), **fields}
    response = session.post(server.url + "/inscription", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 303
    return management_path(server, email)


def joined_at(server: Gunicorn, email: str):
    """The recorded first join, read straight from the server's SQLite file."""
    with contextlib.closing(sqlite3.connect(server.instance / "jnt.sqlite3")) as db:
        return db.execute("SELECT joined_at FROM registrations WHERE email = ?", (email,)).fetchone()[0]


def test_the_join_button_leads_to_the_visio_under_the_real_csp(browser, tmp_path):
    with (
        VisioRoom() as room,
        Gunicorn(
            tmp_path / "instance", {"PREVIEW_NOW": OPENING, "VISIO_URL": room.url + "/salle/jnt"}, workers=2
        ) as server,
    ):
        path = register_remote(server, "dominique@example.org")
        context = browser.new_context(locale="fr-FR")  # no bypass_csp: the site's policy applies
        try:
            page = context.new_page()
            response = page.goto(server.url + path)
            assert f"form-action 'self' {room.url};" in response.headers["content-security-policy"]
            page.get_by_role("button", name="Rejoindre la visioconférence").click()
            page.wait_for_url(room.url + "/salle/jnt")
            expect(page).to_have_title("Salle de visioconférence")
        finally:
            context.close()
        assert room.paths[0] == "/salle/jnt"  # then perhaps /favicon.ico
        assert joined_at(server, "dominique@example.org") is not None


def test_without_the_visio_host_in_form_action_chromium_refuses_the_redirect(browser, tmp_path):
    with (
        VisioRoom() as room,
        Gunicorn(
            tmp_path / "instance", {"PREVIEW_NOW": OPENING, "VISIO_URL": room.url + "/salle/jnt"}, workers=2
        ) as server,
    ):
        path = register_remote(server, "dominique@example.org")
        context = browser.new_context(locale="fr-FR")
        try:
            page = context.new_page()
            page.add_init_script(REPORT_VIOLATIONS)

            def site_wide_policy(route):
                """The same page, with the policy every other page has (form-action 'self' only)."""
                response = route.fetch()
                route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

            page.route(server.url + path, site_wide_policy)
            page.goto(server.url + path)
            with page.expect_console_message(
                lambda m: "CSP-VIOLATION form-action" in m.text or "Refused to send form data" in m.text
            ):
                page.get_by_role("button", name="Rejoindre la visioconférence").click()
        finally:
            context.close()
        assert room.paths == []  # Chromium never went there
        # The join itself reached the site (form-action 'self'): only the redirect was refused.
        assert joined_at(server, "dominique@example.org") is not None
