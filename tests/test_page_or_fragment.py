"""One page-or-fragment rule for every htmx URL: the fragment only for an htmx swap, one Vary everywhere."""

import pytest
from organisers_support import add_organiser, login

HTMX = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
URLS = ["/", "/forum", "/inscription", "/organisateurs/", "/organisateurs/pointage", "/organisateurs/pointage/arrivees"]


@pytest.fixture
def client(app):
    add_organiser(app)
    client = app.test_client()
    login(client)
    return client


@pytest.mark.parametrize("url", URLS)
def test_every_htmx_url_is_a_page_with_one_vary(client, url):
    page, fragment, restore = (client.get(url, headers=h) for h in ({}, HTMX, RESTORE))
    assert "<html" in page.text and "<html" not in fragment.text and "<html" in restore.text
    for response in (page, fragment, restore):
        assert {"HX-Request", "HX-History-Restore-Request"} <= set(response.vary), url
