"""A cancellation is a status: the row stays until purge, the person may register again, and nothing counts it."""

import pytest
from mailtools import manage_path, register
from organisers_support import add_organiser, login
from sqlalchemy import func, select
from support import csrf_token

from jnt.mail import reminders
from jnt.models import CANCELLED, CONFIRMED, ManageToken, Registration, SeatCounter, db
from jnt.organisers import checkin, exports
from jnt.retention import purge


def cancel(app, client, address: str) -> None:
    path = manage_path(app, address)
    page = client.get(path + "/annuler").text
    assert client.post(path + "/annuler", data={"csrf_token": csrf_token(page)}).status_code == 303


def rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(r.email, r.status) for r in db.session.scalars(select(Registration).order_by(Registration.id))]


@pytest.mark.both_databases
def test_a_cancelled_person_may_register_again(app):
    client = app.test_client()
    assert register(client, email="ann@example.org").status_code == 303
    cancel(app, client, "ann@example.org")
    assert register(app.test_client(), email="ann@example.org").status_code == 303
    assert rows(app) == [("ann@example.org", CANCELLED), ("ann@example.org", CONFIRMED)]
    with app.app_context():
        assert db.session.get(SeatCounter, "in_person").taken == 1


def test_counts_list_exports_and_reminders_ignore_cancelled_rows(app):
    for address in ("ann@example.org", "bob@example.org"):
        register(app.test_client(), email=address, last_name=address[:3].capitalize())
    cancel(app, app.test_client(), "ann@example.org")
    add_organiser(app)
    org = app.test_client()
    login(org)
    page = org.get("/organisateurs/").text
    assert "1 / 3</span> en présentiel" in page and "1</span> inscriptions au total" in page
    assert "1</span> annulées" in page
    assert "ann@example.org" not in page and "bob@example.org" in page
    with app.app_context():
        exported = [row[2] for row in list(exports.rows())[1:]]
        assert exported == ["bob@example.org"]
        assert reminders.queue_reminders() == 1
        assert [p.email for p in checkin.found(expected_only=True)] == ["bob@example.org"]
        assert [p.email for p in checkin.found()] == ["bob@example.org"]  # everybody who may turn up


def test_purge_deletes_cancelled_rows_and_every_token(make_app):
    app = make_app()
    client = app.test_client()
    register(client, email="ann@example.org")
    register(app.test_client(), email="bob@example.org")
    cancel(app, client, "ann@example.org")
    after = make_app(PREVIEW_NOW="2023-06-01T00:00:00+02:00")
    with after.app_context():
        assert purge() == 2
        assert db.session.scalar(select(func.count()).select_from(ManageToken)) == 0
