"""Headers the client chooses (Host, X-Forwarded-*) never reach a link, a redirect or a cached page."""

import json
import re
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask, request
from organisers_support import add_organiser, login, register
from server import Gunicorn
from support import form_fields, valid_registration
from walk import get_urls

from jnt import config
from jnt.config import ConfigError

PUBLIC_URL = "https://jnt.example.org"
MARK = "evil.example"
# One hostile header at a time: a cache keyed on some of them but not all shows only this way.
HOSTILE = {
    "host": {"Host": MARK},
    "forwarded-host": {"X-Forwarded-Host": MARK},
    "forwarded-prefix": {"X-Forwarded-Prefix": f"//{MARK}"},
    "forwarded-proto": {"X-Forwarded-Proto": MARK},
    "forwarded-port": {"X-Forwarded-Port": "6666", "X-Forwarded-Host": MARK},
}
TAB_PAGES = ["/", "/programme", "/infos-pratiques", "/forum"]
HTMX = {"HX-Request": "true"}


def assert_clean(response, where):
    """Neither the body nor any header names the hostile host."""
    assert MARK.encode() not in response.get_data(), where
    assert b":6666" not in response.get_data(), where
    for name, value in response.headers.items():
        # The port shows as ":6666" wherever it would be used (a bare "6666" may occur in a hash: an ETag).
        assert MARK not in value and ":6666" not in value, (where, name, value)


@pytest.fixture(params=[0, 1], ids=["direct", "behind-proxy"])
def hops(request):
    return request.param


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_headers_never_reach_a_link_or_redirect(make_app, hops, hostile):
    app = make_app(PUBLIC_URL=PUBLIC_URL, TRUSTED_PROXIES=hops)
    registration_id = register(app, n=1)
    add_organiser(app)
    anonymous, organiser = app.test_client(), app.test_client()
    assert login(organiser).status_code == 303
    urls = [*get_urls(app, registration_id=registration_id), "/organisateurs", "/nulle-part"]
    for url in urls:
        for client in (anonymous, organiser):
            for extra in ({}, HTMX):
                assert_clean(client.get(url, headers={**hostile, **extra}), (url, extra))
    # The redirects of forms: registration, login, logout.
    fields = form_fields(anonymous.get("/inscription", headers=hostile).get_data(as_text=True))
    posted = anonymous.post("/inscription", data={**fields, **valid_registration()}, headers=hostile)
    assert posted.status_code == 303
    assert_clean(posted, "registration")
    other = app.test_client()
    assert_clean(login(other, **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in hostile.items()}), "login")


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_slash_redirect_goes_to_the_public_url(make_app, hops, hostile):
    client = make_app(PUBLIC_URL=PUBLIC_URL, TRUSTED_PROXIES=hops).test_client()
    response = client.get("/organisateurs", headers=hostile)
    assert response.status_code == 308
    assert response.headers["Location"] == f"{PUBLIC_URL}/organisateurs/"


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_absolute_links_come_from_the_public_url(make_app, hops, hostile):
    client = make_app(PUBLIC_URL=PUBLIC_URL, TRUSTED_PROXIES=hops).test_client()
    html = client.get("/forum", headers=hostile).get_data(as_text=True)
    assert f'<link rel="canonical" href="{PUBLIC_URL}/forum">' in html
    assert f'<meta property="og:url" content="{PUBLIC_URL}/forum">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["url"] == f"{PUBLIC_URL}/"
    for link in re.findall(r'(?:href|src|action|data-hx-get|data-hx-post)="([^"]*)"', html):
        assert not link.startswith("//") and MARK not in link, link


def test_public_url_path_prefixes_every_link(make_app):
    """A site published under a path (the proxy strips it): links and redirects carry it, from PUBLIC_URL."""
    client = make_app(PUBLIC_URL="https://www.example.gouv.fr/jnt").test_client()
    html = client.get("/", headers={"X-Forwarded-Prefix": "/autre"}).get_data(as_text=True)
    assert '<link rel="canonical" href="https://www.example.gouv.fr/jnt/">' in html
    assert 'href="/jnt/inscription"' in html and "/autre" not in html
    assert client.get("/organisateurs").headers["Location"] == "https://www.example.gouv.fr/jnt/organisateurs/"


@pytest.mark.parametrize("url", TAB_PAGES)
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_request_first_never_changes_the_cached_page(make_app, hops, hostile, url):
    app = make_app(PUBLIC_URL=PUBLIC_URL, TRUSTED_PROXIES=hops)
    client = app.test_client()
    expected = {extra: client.get(url, headers=dict(extra)).get_data() for extra in ((), tuple(HTMX.items()))}
    for extra in expected:
        for name in ("jnt_page_html", "jnt_page_variants"):  # cold cache: the hostile request renders the page
            app.extensions.pop(name, None)
        assert_clean(client.get(url, headers={**hostile, **dict(extra)}), (url, "hostile"))
        assert client.get(url, headers=dict(extra)).get_data() == expected[extra], (url, extra)


def test_any_host_is_served_by_default(make_app):
    """A load balancer probes /healthz by address: no host list unless the operator sets one."""
    client = make_app().test_client()
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/", headers={"Host": MARK}).status_code == 200


def test_trusted_hosts_refuse_other_hosts(make_app):
    client = make_app(PUBLIC_URL=PUBLIC_URL, TRUSTED_HOSTS=["jnt.example.org", "10.0.0.7"]).test_client()
    assert client.get("/", headers={"Host": "jnt.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    refused = client.get("/", headers={"Host": MARK})
    assert refused.status_code == 400
    assert "Requête invalide" in refused.get_data(as_text=True)
    assert_clean(refused, "refused")
    forged = client.get("/", headers={"Host": "jnt.example.org", "X-Forwarded-Host": MARK})
    assert forged.status_code == 200 and MARK not in forged.get_data(as_text=True)


def test_trusted_hosts_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JNT_TRUSTED_HOSTS", "jnt.example.org, www.jnt.example.org")
    monkeypatch.setenv("JNT_SECRET_KEY", secrets.token_hex(32))
    app = Flask("jnt", instance_path=str(tmp_path), instance_relative_config=True)
    config.load(app, None)  # the production path: instance file, then JNT_* variables
    assert app.config["TRUSTED_HOSTS"] == ["jnt.example.org", "www.jnt.example.org"]


@pytest.mark.parametrize("value", [[], "", [""], 5])
def test_trusted_hosts_must_be_host_names(make_app, value):
    if value == "":  # an empty variable means unset
        assert make_app(TRUSTED_HOSTS=value).config["TRUSTED_HOSTS"] is None
        return
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        make_app(TRUSTED_HOSTS=value)


def test_client_address_and_scheme_still_come_from_the_proxy(make_app):
    """What nginx overwrites is believed: the visitor's address and HTTPS."""
    app = make_app(TRUSTED_PROXIES=1)
    seen = []
    app.before_request(lambda: seen.append((request.remote_addr, request.is_secure)))
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in response.headers
    assert seen == [("203.0.113.9", True)]


class Rendezvous:
    """The test's side of tests/worker_pid.py: n requests sent at once, each held in its own worker."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(120)  # only turns a crashed worker into a failure instead of a hang
        self.port = self.listener.getsockname()[1]

    def on_every_worker(self, server: Gunicorn, path: str, headers: dict) -> list[requests.Response]:
        """One request per worker, certain: all are held until each worker has one, then answered."""
        n = server.workers
        headers = {**headers, "X-Test-Rendezvous": "1"}
        with ThreadPoolExecutor(n) as pool:
            futures = [
                pool.submit(requests.get, server.url + path, headers=headers, timeout=120, allow_redirects=False)
                for _ in range(n)
            ]
            held = [self.listener.accept()[0] for _ in range(n)]
            pids = {conn.makefile().readline().strip() for conn in held}
            assert len(pids) == n  # a sync worker holds one request at a time: n workers, one each
            for conn in held:
                conn.sendall(b"g")
                conn.close()
            responses = [future.result() for future in futures]
        assert {r.headers["X-Worker-Pid"] for r in responses} == pids
        return responses


def assert_clean_http(response: requests.Response, where) -> None:
    assert response.status_code == 200, where
    assert MARK.encode() not in response.content, where
    for name, value in response.headers.items():
        assert MARK not in value, (where, name, value)


# One page per hostile request, so that each finds a cold page cache in every worker.
GUNICORN_PLAN = {
    "/": {"X-Forwarded-Prefix": f"//{MARK}"},
    "/infos-pratiques": {"Host": MARK},
    "/forum": {"X-Forwarded-Host": MARK, "X-Forwarded-Proto": MARK},
}


@pytest.mark.slow
@pytest.mark.parametrize("hops", [0, 1], ids=["direct", "behind-proxy"])
def test_hostile_request_leaves_every_gunicorn_worker_clean(tmp_path, hops):
    rendezvous = Rendezvous()
    settings = {"PUBLIC_URL": PUBLIC_URL, "TRUSTED_PROXIES": hops}
    server = Gunicorn(tmp_path / "instance", settings, workers=3, app="worker_pid:app")
    server.env["TEST_RENDEZVOUS_PORT"] = str(rendezvous.port)
    with server:
        for path, hostile in GUNICORN_PLAN.items():
            for response in rendezvous.on_every_worker(server, path, hostile):
                assert_clean_http(response, (path, "hostile"))
            ordinary = rendezvous.on_every_worker(server, path, {})
            for response in ordinary:
                assert_clean_http(response, (path, "ordinary"))
                assert f'<link rel="canonical" href="{PUBLIC_URL}{path}">' in response.text
            assert len({response.content for response in ordinary}) == 1
        for hostile in HOSTILE.values():
            response = requests.get(server.url + "/organisateurs", headers=hostile, timeout=30, allow_redirects=False)
            assert response.headers["Location"] == f"{PUBLIC_URL}/organisateurs/"
