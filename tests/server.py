"""A real gunicorn serving the app on loopback, for concurrency and browser tests."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
# The console script, as in production: `python -m gunicorn` cannot re-execute itself on USR2 (the new
# master runs gunicorn/__main__.py as a script, whose folder then hides the standard library's `http`).
GUNICORN = Path(sys.executable).with_name("gunicorn")


def query(database_uri: str, sql: str) -> list:
    """Rows of one SQL query, read straight from the database the server uses."""
    engine = create_engine(database_uri)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """Start `gunicorn wsgi:app` (or a test wrapper of it) with JNT_* settings and a fresh instance folder."""

    def __init__(self, instance: Path, settings: dict, workers: int = 4, extra_args: tuple = (), app: str = "wsgi:app"):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("JNT_")}
        self.env["JNT_INSTANCE_PATH"] = str(instance)
        # Outside TESTING the app refuses a missing or placeholder secret.
        self.env["JNT_SECRET_KEY"] = secrets.token_hex(32)
        self.env["JNT_CONTACT_EMAIL"] = "equipe-jnt@example.net"
        # Hashed, precompressed static files: built once for all servers of the run.
        self.env["JNT_STATIC_BUILD_DIR"] = str(ROOT / "build" / "test-static")
        # A database named in `settings` is the test's own, already migrated (conftest's database_uri);
        # otherwise the instance folder's SQLite file is made by `flask init-db`, as at deployment.
        self.init_db = "SQLALCHEMY_DATABASE_URI" not in settings
        self.env.setdefault("JNT_SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'jnt.sqlite3'}")
        # Forms are stored at once, as before the address proof, unless a test turns the proof on.
        self.env["JNT_REQUIRE_EMAIL_CONFIRMATION"] = "false"
        self.env.update({f"JNT_{k}": json.dumps(v) if isinstance(v, bool) else str(v) for k, v in settings.items()})
        self.workers = workers
        self.extra_args = extra_args
        self.app = app  # a module of tests/ may wrap wsgi:app (tests/worker_pid.py)
        self.proc: subprocess.Popen | None = None

    def flask(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """Run a `flask --app jnt` command against the same settings."""
        kwargs.setdefault("check", True)
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "jnt", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, **kwargs,
        )  # fmt: skip

    def start(self) -> "Gunicorn":
        self.instance.mkdir(parents=True, exist_ok=True)
        if self.init_db:
            self.flask("init-db")
        self.log = open(self.instance / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(GUNICORN), self.app, "--bind", f"127.0.0.1:{self.port}",
             *(("--pythonpath", str(ROOT / "tests")) if self.app != "wsgi:app" else ()),
             "--workers", str(self.workers), "--graceful-timeout", "5", *self.extra_args],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + (self.instance / "gunicorn.log").read_text())
            try:
                requests.get(self.url + "/mentions-legales", timeout=5)
                return self
            except requests.RequestException:  # still starting (or a busy machine)
                time.sleep(0.1)
        self.stop()  # never leave a server behind
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def logs(self) -> str:
        return (self.instance / "gunicorn.log").read_text()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
