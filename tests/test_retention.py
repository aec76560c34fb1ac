"""`flask --app jnt purge`: registrations deleted only after the retention period, counted not named."""

import logging

import pytest
from sqlalchemy import func, select
from test_registration import post_form

from jnt.models import IN_PERSON_COUNTER, Registration, SeatCounter, db

pytestmark = pytest.mark.both_databases


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Registration))


def test_purge_before_the_retention_period_deletes_nothing(make_app):
    app = make_app()
    post_form(app.test_client())
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "Rien à supprimer" in result.output
    assert count(app) == 1


def test_purge_after_the_retention_period_deletes_and_logs_a_count(make_app, caplog):
    app = make_app()
    post_form(app.test_client())
    post_form(app.test_client(), email="deux@example.org", mode="remote")
    # 90 days after 18 January 2023 17:30 Paris time.
    app.config["PREVIEW_NOW"] = app.config["PREVIEW_NOW"].replace(year=2023, month=4, day=19)
    with caplog.at_level(logging.INFO):
        result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "2 inscription(s) supprimée(s)" in result.output
    assert count(app) == 0
    with app.app_context():
        assert db.session.get(SeatCounter, IN_PERSON_COUNTER).taken == 0
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "2 inscription(s)" in logged
    assert "Camille" not in logged and "example.org" not in logged
