"""gunicorn.conf.py and the app's log: no query strings, tokens nor addresses, no forged lines; production settings."""

import gc
import os
import re
import runpy
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests
from flask import template_rendered
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader
from organisers_support import EMAIL, PASSWORD
from server import ROOT, Gunicorn
from support import csrf_token

from jnt import create_app, ops

# How each record of the three logs starts: gunicorn's error log, its access log, the app's log (Flask's
# handler). Any other line must be an indented continuation (a traceback), never a record of its own.
RECORD_START = re.compile(
    r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] "
    r"|\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] \""
    r"|\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (DEBUG|INFO|WARNING|ERROR|CRITICAL) in \S+: "
    r"|    "
)
# A request line that would add a convincing access-log line if CR/LF reached the log as they are.
FORGED = '[01/Jan/2023:00:00:00 +0000] "GET /organisateurs/export.csv HTTP/1.1" 200 1 0.1s'


def forged_lines(log: str) -> list[str]:
    """Lines that do not start like a record nor like a continuation."""
    return [line for line in log.splitlines() if not RECORD_START.match(line)]


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes exactly as given (no client library would send them), return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@pytest.mark.slow
def test_access_log_masks_tokens_and_queries(tmp_path):
    with Gunicorn(tmp_path / "instance", {}, workers=1) as server:
        requests.get(server.url + "/inscription/gerer/JETON-SECRET-123?cle=requete-privee", timeout=10)
        requests.get(server.url + "/inscription/confirmer/JETON-PREUVE-456", timeout=10)
        requests.get(server.url + "/inscription/ceder/JETON-OFFRE-789", timeout=10)
        requests.get(server.url + "/programme?q=recherche-privee", timeout=10)
        assert requests.get(server.url + "/healthz", timeout=10).json()["status"] == "ok"
    logs = server.logs()
    assert re.search(r'"GET /inscription/gerer/\*\*\* HTTP/1.1" 404', logs)
    assert '"GET /programme HTTP/1.1" 200' in logs
    assert re.search(r'"GET /inscription/confirmer/\*\*\* HTTP/1.1" 404', logs)
    for secret in ("JETON-SECRET-123", "JETON-PREUVE-456", "JETON-OFFRE-789", "requete-privee", "recherche-privee"):
        assert secret not in logs
    for secret in ("127.0.0.1 -",):
        assert secret not in logs


def test_bind_and_workers_from_environment(monkeypatch):
    monkeypatch.delenv("JNT_BIND", raising=False)
    monkeypatch.delenv("JNT_WORKERS", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "127.0.0.1:8000"
    # Sync workers belong behind a buffering proxy: nothing suggests listening on every interface.
    assert "0.0.0.0" not in (ROOT / "gunicorn.conf.py").read_text()  # noqa: S104
    assert conf["preload_app"] is True
    assert conf["workers"] == os.cpu_count() * 2 + 1
    assert conf["max_requests_jitter"] > 0 and conf["graceful_timeout"] > 0
    assert "%(q)s" not in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]
    monkeypatch.setenv("PORT", "9000")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "127.0.0.1:9000"
    monkeypatch.setenv("JNT_BIND", "unix:/run/jnt/jnt.sock")
    monkeypatch.setenv("JNT_WORKERS", "2")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "unix:/run/jnt/jnt.sock" and conf["workers"] == 2


def shipped_config() -> Config:
    """gunicorn's settings as `gunicorn wsgi:app` reads them from gunicorn.conf.py."""
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def through_gunicorn(app, cfg: Config, path: str, headers: dict) -> tuple[str, dict]:
    """Status and headers of a request from the proxy's address (127.0.0.1), as gunicorn parses it for the app.

    In-process: gunicorn's own request parser and WSGI environ, then the app, with no server to start.
    """
    lines = [f"GET {path} HTTP/1.1", "Host: jnt.example", *(f"{k}: {v}" for k, v in headers.items())]
    request = Request(cfg, IterUnreader([("\r\n".join(lines) + "\r\n\r\n").encode()]), ("127.0.0.1", 40000), 1)
    _, environ = wsgi.create(request, None, ("127.0.0.1", 40000), ("127.0.0.1", 8000), cfg)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    b"".join(app(environ, start_response))
    return answer["status"], answer["headers"]


def test_master_warms_the_preloaded_app_before_forking(tmp_path):
    """when_ready (in the master) compiles every template and freezes the objects: recycled workers start warm."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/j"}
    )
    when_ready = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["when_ready"]
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app), log=None)
    try:
        when_ready(server)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    compiled = {name for _loader, name in app.jinja_env.cache}
    assert {"site/event.html", "site/_tabs.html", "registration/form.html"} <= compiled
    assert compiled == set(app.jinja_env.list_templates())


def test_master_renders_the_event_page_before_forking(make_app):
    """Each tab, as a page and as a fragment, in each encoding: a recycled worker renders none of them."""
    app = make_app()
    when_ready = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["when_ready"]
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app), log=None)
    try:
        when_ready(server)
    finally:
        gc.unfreeze()
    variants = app.extensions["jnt_page_variants"]
    assert len(variants) == 3 * 2 * 3  # tabs ("/" is the programme's) x page/fragment x identity/gzip/br
    rendered = []
    template_rendered.connect(lambda _app, template, **_: rendered.append(template.name), app)
    for path in ("/", "/forum"):
        for encoding in ("", "br"):
            assert app.test_client().get(path, headers={"Accept-Encoding": encoding}).status_code == 200
    assert rendered == []  # nothing left to render (the seat sentence was made in the master too)


def test_warming_without_a_database_leaves_the_workers_to_render(tmp_path, caplog):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/vide"}
    )
    assert ops.warm(app) == 0
    assert "Préchauffage des pages impossible" in caplog.text


@pytest.mark.parametrize(("proxies", "hsts"), [(0, False), (1, True)])
def test_forwarded_proto_trusted_only_by_setting(make_app, proxies, hsts):
    # gunicorn's default would believe X-Forwarded-Proto from 127.0.0.1; only ProxyFix (TRUSTED_PROXIES) may.
    app = make_app(TRUSTED_PROXIES=proxies)
    _, headers = through_gunicorn(app, shipped_config(), "/", {"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in headers) is hsts


@pytest.mark.slow
def test_log_lines_cannot_be_forged_and_name_no_client(tmp_path):
    encoded = FORGED.replace(" ", "%20").replace('"', "%22")
    requests_sent = [
        # Percent-encoded CR/LF and ESC: decoded into the path the access log shows.
        f"GET /inscription%0D%0A{encoded}%1B[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
        # Raw control characters: malformed requests, refused by gunicorn and written to its error log.
        b"GET /a\rFORGED HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GARBAGE\x01\x1b[2J \r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad\x01Header: y\r\n\r\n",
    ]
    with Gunicorn(tmp_path / "instance", {}, workers=1) as server:
        statuses = [raw_request(server.port, data).split(b" ", 2)[1] for data in requests_sent]
    assert statuses == [b"404", b"400", b"400", b"400"]
    log = server.logs()
    assert forged_lines(log) == []
    assert "/inscription\\r\\n[01/Jan/2023:00:00:00 +0000]" in log and "\\x1b[2J" in log
    assert "\x1b" not in log and "\r" not in log
    malformed = [line for line in log.splitlines() if "Invalid request" in line]
    assert len(malformed) == 3
    assert "ip=" not in log and "127.0.0.1 " not in log and "127.0.0.1:" not in log.replace(server.url, "")


def test_error_log_escapes_control_characters(tmp_path):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = conf["logger_class"](cfg)
    logger.error("Erreur sur /a\r\n%s", FORGED)
    try:
        raise ValueError("message\n" + FORGED)
    except ValueError:
        logger.exception("Échec\u2028" + FORGED)
    log = (tmp_path / "error.log").read_text()
    assert forged_lines(log) == [] and log.count("\n    Traceback") == 1
    assert f"/a\\r\\n{FORGED}" in log and f"Échec\\u2028{FORGED}" in log
    assert f"\n    ValueError: message\n    {FORGED}\n" in log  # a traceback keeps its lines, indented


@pytest.mark.slow
def test_app_log_escapes_control_characters(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JNT_")}
    env.update(JNT_INSTANCE_PATH=str(tmp_path), JNT_SECRET_KEY="0123456789abcdef0123456789abcdef")
    script = f"""
from flask import template_rendered

from jnt import create_app, ops
app = create_app()
app.logger.info("Organisateur 1 : action\\r\\n" + {FORGED!r})
try:
    raise ValueError("message\\n" + {FORGED!r})
except ValueError:
    app.logger.exception("Erreur")
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert forged_lines(result.stderr) == []
    assert f"INFO in <string>: Organisateur 1 : action\\r\\n{FORGED}" in result.stderr
    assert f"\n    ValueError: message\n    {FORGED}\n" in result.stderr


@pytest.mark.slow
def test_organiser_actions_reach_the_app_log_at_info(tmp_path):
    with Gunicorn(tmp_path / "instance", {}, workers=1) as server:
        server.flask("organiser", "add", EMAIL, input=PASSWORD + "\n")
        with requests.Session() as browser:
            page = browser.get(server.url + "/organisateurs/connexion", timeout=30)
            data = {"csrf_token": csrf_token(page.text), "email": EMAIL, "password": PASSWORD}
            assert browser.post(server.url + "/organisateurs/connexion", data=data, timeout=30).status_code == 200
            assert browser.get(server.url + "/organisateurs/export.csv", timeout=30).status_code == 200
    exports = [line for line in server.logs().splitlines() if "export-csv" in line]
    assert len(exports) == 1 and re.search(r"\] INFO in \w+: ", exports[0])
    assert EMAIL not in server.logs()


def test_script_name_header_from_the_proxy_address_is_not_believed(make_app):
    # Requests come from 127.0.0.1, the proxy's address: gunicorn's default would believe SCRIPT_NAME from there.
    app, cfg = make_app(), shipped_config()
    status, headers = through_gunicorn(app, cfg, "/organisateurs", {"SCRIPT_NAME": "/piege"})
    assert status.startswith("308") and headers["Location"].endswith("/organisateurs/")  # was a 500
    status, _ = through_gunicorn(app, cfg, "/piege/forum", {"SCRIPT_NAME": "/piege"})
    assert status.startswith("404")  # the path is the request's own, not a prefix a header declares


def _exiting_with(code, monkeypatch) -> list[int]:
    """Run the shipped worker_exit as gunicorn does (in the `finally` of a worker's sys.exit); the os._exit calls."""
    worker_exit = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["worker_exit"]
    calls = []
    monkeypatch.setattr(os, "_exit", calls.append)
    with pytest.raises(SystemExit):
        try:
            sys.exit(code)
        finally:
            worker_exit(None, None)
    return calls


def test_a_worker_ending_normally_skips_the_interpreter_teardown(monkeypatch):
    """Recycling would otherwise write to every page the worker shares with the master (benchmarks/results.md)."""
    assert _exiting_with(0, monkeypatch) == [0]


@pytest.mark.parametrize("code", [3, 4, -1])  # boot error, app load error, crash: the master reads the code
def test_a_worker_failing_keeps_its_exit_code(code, monkeypatch):
    assert _exiting_with(code, monkeypatch) == []


@pytest.mark.slow
def test_recycled_workers_lose_no_request_nor_log_line(tmp_path):
    """Workers recycled every 3 requests (worker_exit's os._exit): every request answered, every line logged."""
    recycling = ("--max-requests", "3", "--max-requests-jitter", "0")
    with Gunicorn(tmp_path / "instance", {}, workers=1, extra_args=recycling) as server:
        statuses = [requests.get(server.url + "/mentions-legales", timeout=30).status_code for _ in range(10)]
    assert statuses == [200] * 10
    log = server.logs()
    assert log.count('"GET /mentions-legales HTTP/1.1" 200') >= 10
    assert log.count("Autorestarting worker") >= 3 and "Traceback" not in log
