"""Shared fixtures: an app on a real SQLite file, its client and CLI runner."""

import re

import pytest

from jnt import create_app
from jnt.models import init_db

# Registration is open on this date (the deadline is 6 January 2023, Paris time).
OPEN_NOW = "2023-01-02T10:00:00+01:00"
CLOSED_NOW = "2023-01-06T00:00:00+01:00"


@pytest.fixture
def make_app(tmp_path):
    """Build apps on a fresh SQLite file, with test settings and overrides."""

    def factory(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'jnt.sqlite3'}",
            "PREVIEW_NOW": OPEN_NOW,
            "IN_PERSON_CAPACITY": 3,
            # E-mail is delivered when a test says so (outbox.flush), not by a thread outliving the test.
            "MAIL_BACKGROUND": False,
        }
        config.update(overrides)
        app = create_app(config)
        with app.app_context():
            init_db()
        return app

    return factory


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
