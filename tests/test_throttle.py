"""Registration POSTs are limited per client address, in the database."""

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from support import form_fields, valid_registration

from jnt.config import DEFAULTS
from jnt.models import Registration, ThrottleEvent, db

pytestmark = pytest.mark.both_databases


def post_registration(client, n: int, **headers):
    fields = form_fields(client.get("/inscription").get_data(as_text=True))
    data = {**valid_registration(email=f"agent{n}@example.org", mode="remote"), **fields}
    return client.post("/inscription", data=data, headers=headers)


def test_rate_limit_refuses_with_french_429(make_app):
    app = make_app(REGISTRATION_RATE_LIMIT=3)
    client = app.test_client()
    assert [post_registration(client, n).status_code for n in range(3)] == [303, 303, 303]
    refused = post_registration(client, 3)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "600"
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert "<html" in refused.get_data(as_text=True)
    htmx = post_registration(client, 4, **{"HX-Request": "true"})
    assert htmx.status_code == 429 and htmx.headers["HX-Retarget"] == "#messages"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 3
        keys = db.session.scalars(select(ThrottleEvent.key)).all()
    assert len(keys) == 3 and all(len(k) == 64 and "127.0.0.1" not in k for k in keys)


def test_rate_limit_is_per_address(make_app):
    app = make_app(REGISTRATION_RATE_LIMIT=1)
    first = app.test_client()
    second = app.test_client()
    assert post_registration(first, 0).status_code == 303
    assert post_registration(first, 1).status_code == 429
    second.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert post_registration(second, 2).status_code == 303


def test_expired_events_are_forgotten(make_app):
    app = make_app(REGISTRATION_RATE_LIMIT=1, REGISTRATION_RATE_WINDOW=60)
    client = app.test_client()
    assert post_registration(client, 0).status_code == 303
    with app.app_context():
        db.session.execute(update(ThrottleEvent).values(at=ThrottleEvent.at - dt.timedelta(seconds=61)))
        db.session.commit()
    assert post_registration(client, 1).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThrottleEvent)) == 1


def test_ipv6_addresses_count_per_64(make_app):
    app = make_app(REGISTRATION_RATE_LIMIT=1)
    same_network, other_network = app.test_client(), app.test_client()
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "2001:db8:1:2::1"
    same_network.environ_base["REMOTE_ADDR"] = "2001:db8:1:2:ffff:ffff:ffff:fffe"
    other_network.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert post_registration(first, 0).status_code == 303
    assert post_registration(same_network, 1).status_code == 429  # a new address of the same /64 is no escape
    assert post_registration(other_network, 2).status_code == 303


def test_default_limit_welcomes_an_administrations_shared_address():
    # Hundreds of agents behind one outgoing address, within one window.
    assert DEFAULTS["REGISTRATION_RATE_LIMIT"] >= 500
