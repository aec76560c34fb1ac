"""Security headers on every response, cookie flags, trusted proxies, honeypot."""

import pytest
from sqlalchemy import func, select
from support import form_fields, valid_registration
from werkzeug.routing import AnyConverter, IntegerConverter

from jnt.models import Registration, db

REQUIRED = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=()",
}


def placeholder(converter):
    """A value the converter accepts: a number, one of the listed words, or any text."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def every_url(app) -> list[str]:
    """One URL per rule of the URL map (placeholder values for arguments)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {arg: placeholder(rule._converters.get(arg)) for arg in rule.arguments}
            if rule.endpoint == "static":
                values = {"filename": "css/jnt.css"}
            urls.append(app.url_for(rule.endpoint, **values))
    return urls


def assert_headers(response, https=False):
    for name, expected in REQUIRED.items():
        value = response.headers.get(name, "")
        # Private management pages send the stricter strict-origin (never the path, which holds the token).
        assert expected in value or (name == "Referrer-Policy" and value == "strict-origin"), (
            name,
            response.request.path,
        )
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "img-src 'self' data:"):
        assert directive in csp
    assert ("Strict-Transport-Security" in response.headers) is https


def test_headers_on_every_route(app, client):
    urls = every_url(app)
    assert "/" in urls and "/inscription" in urls and "/healthz" in urls
    for url in urls:
        assert_headers(client.get(url))
    for url in ("/pas-de-page", "/static/inexistant.css"):
        assert_headers(client.get(url))
    assert_headers(client.post("/inscription", data={}))


def test_headers_include_hsts_over_https(client):
    assert_headers(client.get("/", base_url="https://localhost"), https=True)


def test_session_cookie_flags_follow_scheme(app):
    page = app.test_client().get("/inscription", base_url="https://localhost")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    plain = app.test_client().get("/inscription").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "Secure" not in plain


def test_proxy_headers_ignored_by_default(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_proxy_headers_trusted_when_configured(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_honeypot_is_hidden_from_people(client):
    html = client.get("/inscription").get_data(as_text=True)
    assert 'class="jnt-hp" aria-hidden="true"' in html
    assert 'name="website" type="text" value="" tabindex="-1" autocomplete="off"' in html
    css = client.get("/static/css/jnt.css").get_data(as_text=True)
    assert ".jnt-hp { position: absolute; left: -10000px" in css


@pytest.mark.parametrize("htmx", [False, True])
def test_honeypot_filled_is_refused_without_storing(app, client, htmx):
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        "/inscription", data={**valid_registration(), **fields, "website": "http://spam.example"}, headers=headers
    )
    assert response.status_code == 400
    assert "Votre demande n’a pas pu être traitée" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_honeypot_empty_registers(app, client):
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    response = client.post("/inscription", data={**valid_registration(), **fields, "website": ""})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
