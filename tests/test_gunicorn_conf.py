"""gunicorn.conf.py: access log without query strings nor private tokens; production settings."""

import os
import re
import runpy

import pytest
import requests
from server import ROOT, Gunicorn


@pytest.mark.slow
def test_access_log_masks_tokens_and_queries(tmp_path):
    with Gunicorn(tmp_path / "instance", {}, workers=1) as server:
        requests.get(server.url + "/inscription/gerer/JETON-SECRET-123?cle=requete-privee", timeout=10)
        requests.get(server.url + "/programme?q=recherche-privee", timeout=10)
        assert requests.get(server.url + "/healthz", timeout=10).json()["status"] == "ok"
    logs = server.logs()
    assert re.search(r'"GET /inscription/gerer/\*\*\* HTTP/1.1" 404', logs)
    assert '"GET /programme HTTP/1.1" 200' in logs
    for secret in ("JETON-SECRET-123", "requete-privee", "recherche-privee", "127.0.0.1 -"):
        assert secret not in logs


def test_bind_and_workers_from_environment(monkeypatch):
    monkeypatch.delenv("JNT_BIND", raising=False)
    monkeypatch.delenv("JNT_WORKERS", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] == os.cpu_count() * 2 + 1
    assert conf["max_requests_jitter"] > 0 and conf["graceful_timeout"] > 0
    assert "%(q)s" not in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]
    monkeypatch.setenv("PORT", "9000")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "127.0.0.1:9000"
    monkeypatch.setenv("JNT_BIND", "unix:/run/jnt/jnt.sock")
    monkeypatch.setenv("JNT_WORKERS", "2")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "unix:/run/jnt/jnt.sock" and conf["workers"] == 2


@pytest.mark.slow
@pytest.mark.parametrize(("proxies", "hsts"), [(0, False), (1, True)])
def test_forwarded_proto_trusted_only_by_setting(tmp_path, proxies, hsts):
    with Gunicorn(tmp_path / "instance", {"TRUSTED_PROXIES": proxies}, workers=1) as server:
        response = requests.get(server.url + "/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert ("Strict-Transport-Security" in response.headers) is hsts
