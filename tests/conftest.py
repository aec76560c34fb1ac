"""Shared fixtures: an app on a real database (SQLite file, or PostgreSQL), its client and CLI runner."""

import contextlib
import os
import re
import secrets

import psycopg
import pytest
from sqlalchemy.engine import make_url

from jnt import create_app
from jnt.database import init_db
from jnt.models import db

# PostgreSQL variant of the database tests: a DSN of a role allowed to CREATE DATABASE
# (scripts/start_postgres.sh starts one). JNT_REQUIRE_POSTGRES=1 (CI) makes its absence a failure.
POSTGRES_DSN = os.environ.get("JNT_TEST_POSTGRES_DSN")
REQUIRE_POSTGRES = os.environ.get("JNT_REQUIRE_POSTGRES") == "1"

# Registration is open on this date (the deadline is 6 January 2023, Paris time).
OPEN_NOW = "2023-01-02T10:00:00+01:00"
CLOSED_NOW = "2023-01-06T00:00:00+01:00"
CONTACT_EMAIL = "equipe-jnt@example.net"


@contextlib.contextmanager
def postgres_database(dsn: str):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    url = make_url(dsn)
    name = f"jnt_test_{secrets.token_hex(6)}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request, tmp_path):
    """A fresh empty database: a SQLite file, or a PostgreSQL database when JNT_TEST_POSTGRES_DSN is set.

    Mark a test `sqlite_only` when it needs the SQLite file itself (backup, pragmas).
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jnt.sqlite3'}"
        return
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("test propre à SQLite")
    if not POSTGRES_DSN:
        if REQUIRE_POSTGRES:
            pytest.fail("JNT_REQUIRE_POSTGRES=1 mais JNT_TEST_POSTGRES_DSN n'est pas défini")
        pytest.skip("variante PostgreSQL : définissez JNT_TEST_POSTGRES_DSN (scripts/start_postgres.sh)")
    with postgres_database(POSTGRES_DSN) as uri:
        yield uri


@pytest.fixture
def make_app(database_uri):
    """Build apps on a fresh database, with test settings and overrides."""
    apps = []

    def factory(**overrides):
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
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
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


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def form_fields(html: str) -> dict:
    """The hidden fields (CSRF token, submission id) of the registration form."""
    return dict(re.findall(r'<input id="(csrf_token|submission_id)" name="\1" type="hidden" value="([^"]*)"', html))


def valid_registration(**overrides) -> dict:
    """A complete, valid registration form body."""
    data = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "organisation": "Commune de Lyon",
        "structure_type": "collectivite",
        "job_title": "Cheffe de projet numérique",
        "mode": "in_person",
        "accessibility_needs": "",
        "consent": "y",
    }
    data.update(overrides)
    return data
