"""/healthz tells the truth: a real write, room on the disk, no long wait for a lock, nothing personal."""

import contextlib
import datetime as dt
import os
import sqlite3
import subprocess
import time

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from jnt import create_app
from jnt.models import Heartbeat, db, utcnow


@pytest.fixture
def mount():
    """`mount(target, *options)` for one test (as root), everything unmounted afterwards, last first."""
    mounted = []

    def do(target, *options):
        target.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if os.geteuid() != 0 or "permission denied" in result.stderr.lower():
                pytest.skip(f"mount non permis ici (root et CAP_SYS_ADMIN nécessaires) : {result.stderr.strip()}")
            pytest.fail(f"mount {options} : {result.stderr}")
        if target not in mounted:  # a remount changes the options of a mount already listed
            mounted.append(target)
        return target

    yield do
    for target in reversed(mounted):
        if subprocess.run(["umount", str(target)], check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(target)], check=False)  # never leave a mount behind


@pytest.mark.both_databases
def test_healthz_writes_a_heartbeat(app, client):
    for _ in range(2):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body) <= {"status", "database", "disk"}  # nothing about anyone
    with app.app_context():
        [beat] = db.session.scalars(select(Heartbeat)).all()
        assert beat.at > utcnow() - dt.timedelta(minutes=5)


def test_healthz_reports_unreachable_database(make_app, tmp_path):
    app = make_app()
    app.config["SQLALCHEMY_DATABASE_URI"] = "unused"  # the engine below is what counts
    with app.app_context():
        db.engine.dispose()
        (tmp_path / "jnt.sqlite3").unlink()
        (tmp_path / "jnt.sqlite3").mkdir()  # a folder where the file was: SQLite cannot open it
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_healthz_fails_on_a_read_only_file_system(mount, make_app, tmp_path):
    disk = mount(tmp_path / "disque", "-t", "tmpfs", "-o", "size=16m", "tmpfs")
    writer = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{disk / 'jnt.sqlite3'}", HEALTHZ_MIN_FREE_MB=1)
    assert writer.test_client().get("/healthz").status_code == 200
    # Another process keeps the database open, so its WAL files stay: reads, and even an empty
    # BEGIN IMMEDIATE, then succeed through the read-only view below.
    keeper = sqlite3.connect(disk / "jnt.sqlite3")
    keeper.execute("SELECT count(*) FROM registrations").fetchall()
    read_only = mount(tmp_path / "lecture-seule", "--bind", str(disk))
    mount(read_only, "-o", "remount,bind,ro")
    app = create_app({**writer.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{read_only / 'jnt.sqlite3'}"})
    try:
        with app.app_context():
            assert db.session.execute(text("SELECT count(*) FROM registrations")).scalar() == 0  # readable
            db.session.remove()
        response = app.test_client().get("/healthz")
    finally:
        with app.app_context():
            db.engine.dispose()
        keeper.close()
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "écriture impossible", "disk": "ok"}


def test_healthz_fails_when_the_disk_is_nearly_full(mount, make_app, tmp_path):
    disk = mount(tmp_path / "disque", "-t", "tmpfs", "-o", "size=16m", "tmpfs")
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{disk / 'jnt.sqlite3'}", HEALTHZ_MIN_FREE_MB=4)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    stat = os.statvfs(disk)
    filler = disk / "autre-fichier"
    filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 2_000_000))  # 2 MB left, 4 required
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "disk": "presque plein"}
    filler.unlink()
    assert client.get("/healthz").status_code == 200


@contextlib.contextmanager
def write_lock_held(database_uri: str):
    """Another connection holds the lock the heartbeat needs, until the block ends."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        con = sqlite3.connect(url.database, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
    else:
        con = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        # A waiter without a timeout of its own would get the row after 30 s: the test then fails, not hangs.
        con.execute("SET idle_in_transaction_session_timeout = '30s'")
        con.execute("UPDATE heartbeat SET at = now() WHERE id = 1")
    try:
        yield
    finally:
        con.rollback()
        con.close()


@pytest.mark.both_databases
def test_healthz_does_not_queue_behind_a_writer(make_app, database_uri):
    # An ordinary writer would wait an hour here: the bound below only turns such a wait into a failure,
    # it does not race the probe's own 0.2 s (the machine would have to be 3,000 times slower).
    app = make_app(SQLITE_BUSY_TIMEOUT=3600, HEALTHZ_BUSY_TIMEOUT=0.2)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with write_lock_held(database_uri):
        start = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - start
    assert response.status_code == 503
    assert response.get_json()["database"] == "écriture impossible"
    assert waited < 600, "the probe waited like an ordinary writer (SQLITE_BUSY_TIMEOUT = 3600 s)"
    assert client.get("/healthz").status_code == 200
    if make_url(database_uri).get_backend_name() == "sqlite":
        with app.app_context():  # the pooled connection got its usual busy timeout back
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 3_600_000
