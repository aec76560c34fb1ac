"""Shared fixtures: an app on a real database, its client and CLI runner.

Each test gets its own database, a copy of one migrated once per session: a SQLite file by
default. Tests about the database's own behaviour (locking, constraints, migrations,
concurrency, queries) are marked `both_databases` and run on PostgreSQL as well. Pages that
are only read share one app. Helpers for the tests themselves live in support.py.
"""

import contextlib
import os
import secrets
import shutil

import psycopg
import pytest
import werkzeug.security
from sqlalchemy import event
from sqlalchemy.engine import make_url
from support import CONTACT_EMAIL, OPEN_NOW

from jnt import create_app
from jnt.database import init_db
from jnt.models import db

# PostgreSQL variant of the database tests: a DSN of a role allowed to CREATE DATABASE
# (scripts/start_postgres.sh starts one). JNT_REQUIRE_POSTGRES=1 (CI) makes its absence a failure.
POSTGRES_DSN = os.environ.get("JNT_TEST_POSTGRES_DSN")
REQUIRE_POSTGRES = os.environ.get("JNT_REQUIRE_POSTGRES") == "1"


def pytest_generate_tests(metafunc):
    """A test marked `both_databases` runs twice, on SQLite and on PostgreSQL."""
    if metafunc.definition.get_closest_marker("both_databases") is None:
        return
    if "database_backend" in metafunc.fixturenames:
        metafunc.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
    elif any(mark.name == "both_databases" for mark in metafunc.definition.own_markers):
        # A module's mark may cover tests without a database; a test's own mark may not.
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: both_databases sans base de données")


def settings(database_uri: str, **overrides) -> dict:
    """The test settings of every app: open registration, three seats, no mail thread."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "PREVIEW_NOW": OPEN_NOW,
        "IN_PERSON_CAPACITY": 3,
        # Not the example value: some tests set a public PUBLIC_URL, where the example is refused.
        "CONTACT_EMAIL": CONTACT_EMAIL,
        # E-mail is delivered when a test says so (outbox.flush), not by a thread outliving the test.
        "MAIL_BACKGROUND": False,
        # The tests' relays are local threads: a silent one is given up after 2 s instead of the default 10
        # (far more than a local answer takes, even on a loaded machine; deadline tests set their own).
        "MAIL_TIMEOUT": 2,
        # Forms are stored at once (the behaviour with the proof off); tests of the address proof turn it on.
        "REQUIRE_EMAIL_CONFIRMATION": False,
    }
    config.update(overrides)
    return config


def migrate(database_uri: str) -> None:
    """Bring a database to the schema init-db makes (migrations, then the seat counter), and let it go."""
    app = create_app(settings(database_uri))
    with app.app_context():
        init_db()
        db.engine.dispose()  # SQLite: the WAL checkpointed into the file; PostgreSQL: no session left


def admin_dsn(dsn: str) -> str:
    """The DSN for psycopg (without SQLAlchemy's driver name)."""
    return make_url(dsn).set(drivername="postgresql").render_as_string(hide_password=False)


def require_postgres() -> str:
    """The DSN of the test server; without one, skip (or fail where PostgreSQL is required)."""
    if not POSTGRES_DSN:
        if REQUIRE_POSTGRES:
            pytest.fail("JNT_REQUIRE_POSTGRES=1 mais JNT_TEST_POSTGRES_DSN n'est pas défini")
        pytest.skip("variante PostgreSQL : définissez JNT_TEST_POSTGRES_DSN (scripts/start_postgres.sh)")
    return POSTGRES_DSN


@contextlib.contextmanager
def postgres_database(dsn: str, template: str | None = None):
    """A new PostgreSQL database (empty, or a copy of `template`), dropped afterwards."""
    name = f"jnt_test_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin_dsn(dsn), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield make_url(dsn).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn(dsn), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """scrypt at n = 2**10 instead of werkzeug's 2**15 in this process: same code, a 32nd of the work.

    Logins and the limits on failed ones are what these tests are about, not the hash's cost;
    an organiser added through a real `flask` process (test_organiser_cli.py) keeps the real one.
    The parameters are stored in each hash, so checking one costs what making it did.
    """
    real = werkzeug.security._hash_internal  # what generate_ and check_password_hash call

    def cheaper(method: str, salt: str, password: str):
        return real("scrypt:1024:8:1" if method == "scrypt" else method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", cheaper)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once for the session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "jnt.sqlite3"
    migrate(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists()  # the file alone holds everything
    return path


@pytest.fixture(scope="session")
def postgres_template():
    """A PostgreSQL database migrated once for the session; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    dsn = require_postgres()
    with postgres_database(dsn) as uri:
        migrate(uri)
        yield make_url(uri).database


@pytest.fixture
def database_backend(request) -> str:
    """ "sqlite", or "postgresql" for the second run of a `both_databases` test."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_uri(request, database_backend, tmp_path):
    """This test's own database, migrated (a copy of the session's template)."""
    if database_backend == "sqlite":
        path = tmp_path / "jnt.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with postgres_database(require_postgres(), request.getfixturevalue("postgres_template")) as uri:
        yield uri


@pytest.fixture
def empty_database_uri(database_backend, tmp_path):
    """This test's own database, empty: for the tests of the migrations themselves."""
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'vide.sqlite3'}"
        return
    with postgres_database(require_postgres()) as uri:
        yield uri


@pytest.fixture
def make_app(database_uri):
    """Build apps on this test's database, with test settings and overrides."""
    apps = []

    def factory(**overrides):
        app = create_app(settings(database_uri, **overrides))
        apps.append(app)
        if app.config["SQLALCHEMY_DATABASE_URI"] != database_uri:  # a database the test chose: made as init-db does
            with app.app_context():
                init_db()
        return app

    yield factory
    for app in apps:  # close pooled connections before the database is dropped
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


READING = ("SELECT", "PRAGMA", "WITH")


@pytest.fixture(scope="session")
def read_only_app(tmp_path_factory, sqlite_template):
    """One app, with the default test settings, shared by the tests that only read pages.

    Every statement that could write (BEGIN IMMEDIATE included) is refused and noted: the
    test that sent it then fails (read_only_client), since it would change what the next
    test reads. A test that writes needs its own app.
    """
    path = tmp_path_factory.mktemp("read-only") / "jnt.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(settings(f"sqlite:///{path}"))
    refused = app.extensions["test_refused_writes"] = []

    def refuse_writes(conn, cursor, statement, parameters, context, executemany):
        if statement != "BEGIN" and not statement.lstrip().upper().startswith(READING):
            refused.append(statement)
            raise PermissionError("read_only_app : écriture refusée")

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", refuse_writes)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def read_only_client(read_only_app):
    """A fresh browser (no cookies) on the shared read-only app; the test fails if it made the app write."""
    refused = read_only_app.extensions["test_refused_writes"]
    refused.clear()
    yield read_only_app.test_client()
    assert refused == [], f"test sur l'app partagée en lecture seule, mais il écrit : {refused}"
