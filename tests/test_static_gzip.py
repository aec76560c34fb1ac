"""Static text files are gzip-compressed for browsers that accept it, plain otherwise."""

import gzip

from flask import url_for

CSS = "/static/vendor/dsfr/dsfr.min.css"


def test_static_gzip_when_accepted(app, client):
    plain = client.get(CSS, headers={"Accept-Encoding": "identity"})
    packed = client.get(CSS, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["Content-Type"].startswith("text/css")
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 4


def test_static_gzip_plain_without_accept_encoding(client):
    response = client.get("/static/js/jnt.js", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in response.headers
    assert b"use strict" in response.get_data()
    assert "Accept-Encoding" in response.headers["Vary"]


def test_static_gzip_revalidates_with_etag(client):
    first = client.get(CSS, headers={"Accept-Encoding": "gzip"})
    again = client.get(CSS, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_static_gzip_refuses_paths_outside_static(client):
    assert client.get("/static/../config.py", headers={"Accept-Encoding": "gzip"}).status_code == 404
    assert client.get("/static/missing.css", headers={"Accept-Encoding": "gzip"}).status_code == 404


def test_static_gzip_fonts_untouched(app, client):
    with app.test_request_context():
        font = url_for("static", filename="vendor/dsfr/fonts/Marianne-Regular.woff2")
    response = client.get(font, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
