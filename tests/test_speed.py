"""Hashed, immutable, precompressed static files; compressed HTML with ETags."""

import gzip
import re

import brotli
import pytest
from support import form_fields, valid_registration

YEAR = "max-age=31536000, public, immutable"


@pytest.fixture
def client(read_only_client):
    """These tests only read pages: they share one app."""
    return read_only_client


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_static_urls_are_hashed_and_immutable(client):
    urls = static_urls(client.get("/").get_data(as_text=True))
    assert len(urls) >= 4
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", url), url
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == YEAR
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_served_precompressed(client):
    css = next(u for u in static_urls(client.get("/").get_data(as_text=True)) if "dsfr.min" in u)
    plain = client.get(css).data
    br = client.get(css, headers={"Accept-Encoding": "br"})
    gz = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == plain
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    assert len(br.data) < len(plain) / 5


def test_css_references_resolve_to_hashed_files(client):
    css_url = next(u for u in static_urls(client.get("/").get_data(as_text=True)) if "dsfr.min" in u)
    css = client.get(css_url).get_data(as_text=True)
    fonts = re.findall(r"url\((fonts/[^)]+)\)", css)
    assert len(fonts) == 8
    base = css_url.rsplit("/", 1)[0]
    for font in fonts:
        assert re.search(r"\.[0-9a-f]{12}\.woff2$", font)
        response = client.get(f"{base}/{font}")
        assert response.status_code == 200 and response.headers["Cache-Control"] == YEAR


def test_unhashed_static_paths_still_served_briefly(client):
    response = client.get("/static/vendor/dsfr/fonts/Marianne-Regular.woff2")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=3600, public"


def test_html_compressed_when_accepted(client):
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get("/", headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decompress(response.data) == plain.data


def test_unchanged_page_costs_a_304(client):
    first = client.get("/programme", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    again = client.get("/programme", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert first.headers["Cache-Control"] == "private, no-cache"
    other = client.get("/forum", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert other.status_code == 200


def test_page_etag_changes_with_seat_count(app):
    client = app.test_client()
    first = client.get("/")
    assert "<strong>3</strong> places en présentiel" in first.get_data(as_text=True)
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    assert client.post("/inscription", data={**valid_registration(), **fields}).status_code == 303
    response = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200
    assert "<strong>2</strong> places en présentiel" in response.get_data(as_text=True)


def test_debug_serves_static_unhashed(make_app):
    client = make_app(DEBUG=True).test_client()
    assert 'href="/static/css/jnt.css"' in client.get("/").get_data(as_text=True)
    assert client.get("/static/css/jnt.css").status_code == 200
