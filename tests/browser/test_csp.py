"""In Chromium, under the strict CSP: no violation, DSFR fonts load, htmx still swaps tabs."""

import pytest
from server import Gunicorn
from support import OPEN_NOW

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Reported by the page itself, so nothing is missed (console wording differs between versions).
REPORT_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation',"
    " e => console.log('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI))"
)


def test_pages_respect_csp_and_keep_working(tmp_path, browser):
    with Gunicorn(tmp_path / "instance", {"PREVIEW_NOW": OPEN_NOW}, workers=1) as server:
        page = browser.new_page()  # a plain context: the CSP applies (no bypass here)
        console, htmx_requests = [], []
        page.on("console", lambda m: console.append(m.text))
        page.on("request", lambda r: htmx_requests.append(r.url) if r.headers.get("hx-request") else None)
        page.add_init_script(REPORT_VIOLATIONS)
        for path in ("/", "/inscription", "/infos-pratiques", "/accessibilite"):
            response = page.goto(server.url + path)
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
        assert page.evaluate("document.fonts.check('16px Marianne')")
        page.goto(server.url + "/")
        page.get_by_role("tab", name="Forum").click()
        page.wait_for_url("**/forum")
        page.wait_for_load_state("networkidle")
        assert any(url.endswith("/forum") for url in htmx_requests)
    assert [m for m in console if "CSP-VIOLATION" in m or "Content Security Policy" in m] == []
