"""Conditional requests and content codings read as HTTP means them: weak ETags, lists, q-values.

Three code paths answer: the cached event page (pagecache), other HTML pages (html_cache)
and static files (WhiteNoise, through static_files).
"""

import gzip

import brotli
import pytest

PAGES = ["/", "/mentions-legales", "static"]


@pytest.fixture
def app(read_only_app):
    """These tests only read pages: they share one app."""
    return read_only_app


@pytest.fixture
def client(read_only_client):
    return read_only_client


def address(app, url: str) -> str:
    """The page itself, or the stylesheet's hashed (immutable) address."""
    if url != "static":
        return url
    with app.test_request_context():
        return app.url_for("static", filename="css/jnt.css")


@pytest.mark.parametrize("url", PAGES)
def test_weak_and_listed_etags_get_a_304(app, client, url):
    url = address(app, url)
    etag = client.get(url, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    opaque = etag.removeprefix("W/").strip('"')
    for if_none_match in (f'W/"{opaque}"', f'"autre", W/"{opaque}"', f'"autre",W/"{opaque}"', "*", etag):
        response = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": if_none_match})
        assert response.status_code == 304, (url, if_none_match)
        assert response.get_data() == b""
    for if_none_match in ('"autre"', 'W/"autre"', f'"{opaque}x"'):
        response = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": if_none_match})
        assert response.status_code == 200, (url, if_none_match)


CODINGS = [
    ("br;q=0, gzip", "gzip"),
    ("gzip, br;q=0", "gzip"),
    ("br;q=0", None),
    ("br;q=0.000", None),
    ("gzip;q=0, br", "br"),
    ("gzip;q=0.5, br;q=0.4", "gzip"),
    ("br, gzip", "br"),
    ("BR", "br"),
    ("x-gzip", "gzip"),
    ("*", "br"),
    ("*;q=0, gzip", "gzip"),
    ("br;q=0, *", "gzip"),
    ("br;q=nonsense, gzip", "gzip"),
    ("identity", None),
    ("", None),
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("accept", "expected"), CODINGS)
def test_accept_encoding_q_values_are_respected(app, client, url, accept, expected):
    url = address(app, url)
    plain = client.get(url, headers={"Accept-Encoding": "identity"}).get_data()
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == expected, (url, accept)
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[expected](body)
    assert decoded == plain
